/**
 * The rules: every rule in force with its source (file:line), kind, state and the series firing now;
 * and a box to paste a candidate rule file, which the collector checks as `tripline rules check`
 * does (each problem shown at its line) and, when valid, replays over recent history beside the rule
 * in force of the same name: what the candidate would have opened and resolved that the rule in
 * force did not, and the reverse. Nothing is put in force from here.
 */
import { useState } from 'preact/hooks';
import { api, ApiFailure } from '../api.js';
import { ErrorNote, SeverityBadge, StatusBadge, ScrollBox } from '../components/Bits.js';
import { ago, labelText, when } from '../format.js';
import type { ReplayedIncident, RuleCheck, RuleDiff, RuleInForce } from '../types.js';
import { useResource } from '../useResource.js';

const EXAMPLE = `rules:
  - name: cpu_usage_high
    metric: cpu_usage_ratio
    above: 0.9
    for: 10m
    severity: warning
    summary: "CPU on {{ labels.host }} is {{ value | percent }} busy"
`;
const SPANS = ['1h', '24h', '7d'];

export function RulesPage() {
  const rules = useResource<{ rules: RuleInForce[] }>('/api/v1/rules', 15_000);
  return (
    <section>
      <h1>Rules</h1>
      <ErrorNote error={rules.error} />
      <RulesTable rules={rules.data?.rules ?? []} />
      <CandidateCheck />
    </section>
  );
}

function RulesTable({ rules }: { rules: RuleInForce[] }) {
  if (rules.length === 0) return <p class="muted">No rules in force.</p>;
  return (
    <ScrollBox label="Rules in force">
      <table aria-label="Rules in force">
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Kind</th>
            <th scope="col">Severity</th>
            <th scope="col">State</th>
            <th scope="col">Firing series</th>
            <th scope="col">Source</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => (
            <tr key={r.name} data-rule={r.name}>
              <td>
                <strong>{r.name}</strong>
                <div class="labels">
                  {r.metric}
                  {r.matchers.length > 0 ? `{${r.matchers.join(', ')}}` : ''}
                </div>
                {!r.healthy && <div class="error">unhealthy: {r.error ?? 'see the collector log'}</div>}
              </td>
              <td>{r.kind}</td>
              <td>
                <SeverityBadge severity={r.severity} />
              </td>
              <td>
                <StatusBadge status={r.state === 'firing' ? 'problem' : r.state === 'pending' ? 'acknowledged' : 'ok'} /> {r.state}
                {r.pendingCount > 0 && <span class="muted"> ({r.pendingCount} pending)</span>}
              </td>
              <td>
                {r.series.filter((s) => s.status === 'firing').length === 0 ? (
                  <span class="muted">none</span>
                ) : (
                  <ul class="plain">
                    {r.series
                      .filter((s) => s.status === 'firing')
                      .map((s) => (
                        <li key={labelText(s.labels)}>
                          <code class="labels">{labelText(s.labels)}</code> = {s.lastValue} {s.since && <span class="muted">since {ago(s.since)}</span>}
                        </li>
                      ))}
                    {r.firingCount > r.series.filter((s) => s.status === 'firing').length && <li class="muted">and more ({r.firingCount} in all)</li>}
                  </ul>
                )}
              </td>
              <td>
                <code>{r.source}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollBox>
  );
}

function CandidateCheck() {
  const [text, setText] = useState(EXAMPLE);
  const [since, setSince] = useState('24h');
  const [result, setResult] = useState<RuleCheck | undefined>();
  const [failure, setFailure] = useState<ApiFailure | undefined>();
  const [busy, setBusy] = useState(false);
  const check = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setFailure(undefined);
    try {
      setResult(await api.post<RuleCheck>('/api/v1/rules/check', { text, since }));
    } catch (error) {
      setResult(undefined);
      setFailure(error instanceof ApiFailure ? error : new ApiFailure(0, 'NETWORK', String(error)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <h2>Try a rule</h2>
      <form class="stacked candidate" onSubmit={check}>
        <label>
          <span>
            Candidate rule file (YAML), checked as <code>tripline rules check</code> checks it
          </span>
          <textarea name="candidate" rows={12} spellcheck={false} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <div class="actions">
          <label>
            Backtest over the last
            <select value={since} onChange={(e) => setSince(e.currentTarget.value)}>
              {SPANS.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={busy}>
            {busy ? 'Checking…' : 'Check and backtest'}
          </button>
        </div>
      </form>
      <ErrorNote error={failure} />
      {result && !result.valid && (
        <div role="alert">
          <p class="error">
            {result.problems.length} problem{result.problems.length === 1 ? '' : 's'}; nothing was replayed.
          </p>
          <ul class="plain problems" aria-label="Problems">
            {result.problems.map((p) => (
              <li key={p.text}>
                <code>{p.text}</code>
                <pre class="excerpt">{excerpt(text, p.line, p.column)}</pre>
              </li>
            ))}
          </ul>
        </div>
      )}
      {result?.valid && (
        <section aria-label="Backtest">
          <p role="status" class="ok">
            Valid: {result.rules.map((r) => `${r.name} (${r.kind})`).join(', ')}. Replayed {result.backtest.samples.toLocaleString()} samples from {when(result.backtest.from)} to {when(result.backtest.to)} in{' '}
            {result.backtest.elapsedMs} ms.
            {result.backtest.truncated ? ' The replay reached its time limit there: run tripline rules backtest for the whole span.' : ''}
          </p>
          {result.backtest.diffs.map((d) => (
            <DiffTable key={d.rule} diff={d} />
          ))}
        </section>
      )}
    </>
  );
}

/** The candidate's line of a problem and a caret under its column. */
function excerpt(text: string, line: number, column: number): string {
  const source = text.split('\n')[line - 1];
  return source === undefined ? '' : `${String(line).padStart(3)} | ${source}\n    | ${' '.repeat(Math.max(0, column - 1))}^`;
}

function DiffTable({ diff }: { diff: RuleDiff }) {
  return (
    <div class="diff" data-diff={diff.rule}>
      <h3>
        {diff.rule} {!diff.inForce && <span class="muted">(new: no rule of this name is in force)</span>}
      </h3>
      <ScrollBox label={`Backtest of ${diff.rule}`}><table aria-label={`Backtest of ${diff.rule}`}>
        <thead>
          <tr>
            <th scope="col">Incidents</th>
            <th scope="col">In force</th>
            <th scope="col">Candidate</th>
          </tr>
        </thead>
        <tbody>
          {(['opened', 'resolved', 'stillOpen'] as const).map((k) => (
            <tr key={k}>
              <th scope="row">{k === 'stillOpen' ? 'still open' : k}</th>
              <td>{diff.current[k]}</td>
              <td>{diff.candidate[k]}</td>
            </tr>
          ))}
        </tbody>
      </table></ScrollBox>
      <IncidentList title="Only the candidate opens" list={diff.onlyCandidate} />
      <IncidentList title="Only the rule in force opens" list={diff.onlyCurrent} />
    </div>
  );
}

function IncidentList({ title, list }: { title: string; list: ReplayedIncident[] }) {
  return (
    <>
      <h4>{title}</h4>
      {list.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <ul class="plain" aria-label={title}>
          {list.map((i) => (
            <li key={i.host + labelText(i.labels) + i.openedAt}>
              {i.host ? <a href={`/hosts/${encodeURIComponent(i.host)}`}>{i.host}</a> : null} <code class="labels">{labelText(i.labels)}</code> {i.summary} <span class="muted">opened {when(i.openedAt)}{i.resolvedAt ? `, resolved ${when(i.resolvedAt)}` : ', still open'}</span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
