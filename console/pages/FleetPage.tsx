/**
 * The fleet: every host with its status, last report, open incidents and a CPU trend of the last
 * hour, filtered by name, labels (`group=web`), service and status. The server filters
 * and pages (100 hosts a page), so thousands of hosts cost one page of rows and one trend request.
 */
import { useState } from 'preact/hooks';
import { Sparkline } from '../components/Chart.js';
import { ErrorNote, StatusBadge, ScrollBox } from '../components/Bits.js';
import { ago, labelText } from '../format.js';
import { navigate } from '../router.js';
import type { FleetPage as Fleet } from '../types.js';
import { useResource } from '../useResource.js';

const PAGE = 100;

export function FleetPage({ query }: { query: URLSearchParams }) {
  const search = query.get('search') ?? '';
  const labels = query.get('labels') ?? '';
  const status = query.get('status') ?? '';
  const service = query.get('service') ?? '';
  const offset = Number(query.get('offset') ?? '0') || 0;
  const params = new URLSearchParams({ offset: String(offset), limit: String(PAGE) });
  if (search) params.set('search', search);
  if (labels) params.set('labels', labels);
  if (status) params.set('status', status);
  if (service) params.set('service', service);
  const services = useResource<{ services: Array<{ name: string; state: string }> }>('/api/v1/services', 60_000);
  const fleet = useResource<Fleet>(`/api/v1/fleet?${params}`, 10_000, true);
  const hosts = fleet.data?.hosts ?? [];
  const trend = useResource<{ stepSeconds: number; trends: Record<string, { at: number[]; value: Array<number | null> }> }>(
    hosts.length === 0 ? null : `/api/v1/fleet/trend?metric=cpu_usage_ratio&hosts=${encodeURIComponent(hosts.map((h) => h.hostname).join(','))}`,
    30_000,
  );
  const go = (change: Record<string, string>) => {
    const next = new URLSearchParams(query);
    for (const [k, v] of Object.entries(change)) v === '' ? next.delete(k) : next.set(k, v);
    if (!('offset' in change)) next.delete('offset');
    navigate(`/?${next}`, true);
  };
  return (
    <section>
      <h1>Fleet</h1>
      <FleetFilter search={search} labels={labels} status={status} service={service} services={services.data?.services.map((s) => s.name) ?? []} onChange={go} />
      <ErrorNote error={fleet.error} />
      {fleet.data && (
        <p class="summary" aria-live="polite">
          {fleet.data.total} hosts · <span class="status-ok">{fleet.data.counts.ok} ok</span> · <span class="status-problem">{fleet.data.counts.problem} with problems</span> ·{' '}
          <span class="status-silent">{fleet.data.counts.silent} silent</span>
        </p>
      )}
      <ScrollBox label="Hosts">
        <table class="fleet">
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col">Host</th>
              <th scope="col">Last report</th>
              <th scope="col">Open incidents</th>
              <th scope="col">CPU, last hour</th>
              <th scope="col">Services</th>
              <th scope="col">Labels</th>
              <th scope="col">Agent</th>
            </tr>
          </thead>
          <tbody>
            {hosts.map((h) => {
              const t = trend.data?.trends[h.hostname];
              return (
                <tr key={h.hostname} data-host={h.hostname}>
                  <td>
                    <StatusBadge status={h.status} />
                  </td>
                  <td>
                    <a href={`/hosts/${encodeURIComponent(h.hostname)}`}>{h.hostname}</a>
                  </td>
                  <td title={h.lastReportAt}>{ago(h.lastReportAt)}</td>
                  <td>{h.openIncidents === 0 ? '–' : <a href={`/incidents?host=${encodeURIComponent(h.hostname)}&status=active`}>{`${h.openIncidents} (${h.worstSeverity})`}</a>}</td>
                  <td>{t ? <Sparkline at={t.at} values={t.value} label={`CPU of ${h.hostname} over the last hour`} /> : null}</td>
                  <td>{h.services.join(', ')}</td>
                  <td class="labels">{labelText(h.labels)}</td>
                  <td>{h.version}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </ScrollBox>
      {fleet.data && fleet.data.total > PAGE && (
        <nav class="pager" aria-label="Pages">
          <button disabled={offset === 0} onClick={() => go({ offset: String(Math.max(0, offset - PAGE)) })}>
            Previous
          </button>
          <span>
            {offset + 1}–{Math.min(offset + PAGE, fleet.data.total)} of {fleet.data.total}
          </span>
          <button disabled={offset + PAGE >= fleet.data.total} onClick={() => go({ offset: String(offset + PAGE) })}>
            Next
          </button>
        </nav>
      )}
    </section>
  );
}

function FleetFilter({
  search,
  labels,
  status,
  service,
  services,
  onChange,
}: {
  search: string;
  labels: string;
  status: string;
  service: string;
  services: readonly string[];
  onChange(change: Record<string, string>): void;
}) {
  const [text, setText] = useState(search);
  const [labelText, setLabelText] = useState(labels);
  return (
    <form
      class="filters"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        onChange({ search: text.trim(), labels: labelText.trim() });
      }}
    >
      <label>
        Host name <input name="search" value={text} onInput={(e) => setText(e.currentTarget.value)} placeholder="web-" />
      </label>
      <label>
        Labels <input name="labels" value={labelText} onInput={(e) => setLabelText(e.currentTarget.value)} placeholder="group=web,dc=ams" />
      </label>
      <label>
        Status{' '}
        <select name="status" value={status} onChange={(e) => onChange({ status: e.currentTarget.value })}>
          <option value="">any</option>
          <option value="ok">ok</option>
          <option value="problem">problem</option>
          <option value="silent">silent</option>
        </select>
      </label>
      <label>
        Service{' '}
        <select name="service" value={service} onChange={(e) => onChange({ service: e.currentTarget.value })}>
          <option value="">any</option>
          {[...new Set([...services, ...(service ? [service] : [])])].map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <button type="submit">Filter</button>
    </form>
  );
}
