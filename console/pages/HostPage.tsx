/**
 * One host: charts of CPU, load, memory, swap, each filesystem, disk I/O and latency, each
 * interface and the temperatures over 1 h / 24 h / 7 d / 30 d (drag on a chart, or focus it and
 * press + / - / the arrow keys, to zoom and move, which reloads that range at a finer step), the
 * inventory, every check with its last output, and the host's incidents.
 */
import { useCallback, useMemo, useRef } from 'preact/hooks';
import { Chart } from '../components/Chart.js';
import { ErrorNote, Facts, SeverityBadge, StatusBadge, ScrollBox } from '../components/Bits.js';
import { chartsOf, type DrawnChart, HOST_CHART_METRICS, HOST_CHARTS, keepCharts } from '../charts.js';
import { ago, formatValue, labelText, when } from '../format.js';
import { navigate } from '../router.js';
import type { Host, Incident, LatestValue, SeriesHistory } from '../types.js';
import { useResource } from '../useResource.js';

/**
 * The ranges (seconds) and the step each asks for: 7 and 30 days in hours, read from the 1-hour
 * rollups (168 rows a series for 7 days, not 2,016 five-minute ones: a host page's 24 series over a
 * week cost a twelfth); zoom in for finer steps. bench/console.ts asks as this page does.
 */
const RANGES: ReadonlyArray<[string, number, string]> = [
  ['1h', 3600, ''],
  ['24h', 86400, ''],
  ['7d', 7 * 86400, '&step=3600'],
  ['30d', 30 * 86400, '&step=3600'],
];
const CHECK_STATES = ['ok', 'warning', 'critical', 'unknown'];

export function HostPage({ host, query }: { host: string; query: URLSearchParams }) {
  const range = query.get('range') ?? '1h';
  const zoomFrom = query.get('from');
  const zoomTo = query.get('to');
  const [, seconds, step] = RANGES.find(([name]) => name === range) ?? RANGES[0]!;
  const path = `/hosts/${encodeURIComponent(host)}`;
  const span = zoomFrom && zoomTo ? `from=${zoomFrom}&to=${zoomTo}` : `from=${Math.floor(Date.now() / 1000) - seconds}${step}`;
  const history = useResource<SeriesHistory>(`/api/v1/hosts/${encodeURIComponent(host)}/series?metric=${HOST_CHART_METRICS.join(',')}&${span}&maxPoints=400`, zoomFrom ? 0 : 60_000);
  const latest = useResource<{ values: LatestValue[] }>(`/api/v1/hosts/${encodeURIComponent(host)}/latest`, 30_000);
  const hosts = useResource<{ hosts: Host[] }>('/api/v1/hosts');
  const incidents = useResource<{ incidents: Incident[] }>(`/api/v1/incidents?host=${encodeURIComponent(host)}&limit=50`, 15_000, true);
  const shown = useRef<DrawnChart[]>([]);
  const charts = useMemo(() => {
    const drawn = chartsOf(HOST_CHARTS, history.data?.series ?? []);
    shown.current = zoomFrom && history.data ? keepCharts(shown.current, drawn, history.data) : drawn;
    return shown.current;
  }, [history.data]);
  const onZoom = useCallback((from: number, to: number) => navigate(`${path}?range=${range}&from=${from}&to=${to}`), [path, range]);
  const record = hosts.data?.hosts.find((h) => h.hostname === host);
  const checks = (latest.data?.values ?? []).filter((v) => v.metric === 'check_status');

  return (
    <section>
      <h1>{host}</h1>
      {record && (
        <p class="summary">
          {record.addresses.join(', ')} · last report {ago(record.lastReportAt)} · agent {record.version} · {labelText(record.labels)}
        </p>
      )}
      <ErrorNote error={history.error} />
      <nav class="ranges" aria-label="Time range">
        {RANGES.map(([name]) => (
          <a key={name} href={`${path}?range=${name}`} aria-current={name === range && !zoomFrom ? 'page' : undefined}>
            {name}
          </a>
        ))}
        {zoomFrom && zoomTo && (
          <span>
            zoomed: {when(new Date(Number(zoomFrom) * 1000).toISOString())} – {when(new Date(Number(zoomTo) * 1000).toISOString())} <a href={`${path}?range=${range}`}>reset zoom</a>
          </span>
        )}
        {history.data && <span class="muted">step {history.data.stepSeconds} s</span>}
      </nav>
      <div class="charts">
        {charts.map((c) => (
          <Chart key={c.key} title={c.title} unitMetric={c.unitMetric} series={c.lines} onZoom={onZoom} />
        ))}
        {history.data && charts.length === 0 && <p class="muted">No history in this range.</p>}
      </div>

      <h2>Incidents</h2>
      <ErrorNote error={incidents.error} />
      {(incidents.data?.incidents ?? []).length === 0 ? (
        <p class="muted">No incidents.</p>
      ) : (
        <ul class="plain">
          {incidents.data!.incidents.map((i) => (
            <li key={i.id}>
              <StatusBadge status={i.status} /> <SeverityBadge severity={i.severity} /> <a href={`/incidents/${i.id}`}>#{i.id} {i.summary}</a> <span class="muted">{ago(i.openedAt)}</span>
            </li>
          ))}
        </ul>
      )}

      <h2>Checks</h2>
      {checks.length === 0 ? (
        <p class="muted">No checks report on this host.</p>
      ) : (
        <ScrollBox label="Checks"><table class="checks">
          <thead>
            <tr>
              <th scope="col">Check</th>
              <th scope="col">State</th>
              <th scope="col">Last output</th>
              <th scope="col">At</th>
            </tr>
          </thead>
          <tbody>
            {checks.map((c) => (
              <tr key={labelText(c.labels)}>
                <td>{[c.labels.kind, c.labels.check].filter(Boolean).join(':')}</td>
                <td>
                  <StatusBadge status={CHECK_STATES[c.value] ?? String(c.value)} />
                </td>
                <td>
                  <code>{c.text ?? ''}</code>
                </td>
                <td>{ago(c.at)}</td>
              </tr>
            ))}
          </tbody>
        </table></ScrollBox>
      )}

      <h2>Latest values</h2>
      <details>
        <summary>{(latest.data?.values ?? []).length} series</summary>
        <ScrollBox label="Latest values"><table>
          <tbody>
            {(latest.data?.values ?? [])
              .filter((v) => v.metric !== 'check_status')
              .map((v) => (
                <tr key={v.metric + labelText(v.labels)}>
                  <td>
                    <code>
                      {v.metric}
                      {labelText(v.labels)}
                    </code>
                  </td>
                  <td>{formatValue(v.metric, v.value)}</td>
                </tr>
              ))}
          </tbody>
        </table></ScrollBox>
      </details>

      <h2>Inventory</h2>
      {record?.inventory ? <Facts facts={Object.entries(record.inventory)} /> : <p class="muted">No inventory reported yet.</p>}
    </section>
  );
}
