/** Incidents, newest first, with their priority, filtered by status, host, severity and rule; refreshed by the live feed (polled while it is down). */
import { useState } from 'preact/hooks';
import { ErrorNote, PriorityBadge, ScrollBox, SeverityBadge, StatusBadge } from '../components/Bits.js';
import { ago } from '../format.js';
import { navigate } from '../router.js';
import type { Incident } from '../types.js';
import { useResource } from '../useResource.js';

const FIELDS = ['status', 'host', 'severity', 'rule'] as const;

export function IncidentsPage({ query }: { query: URLSearchParams }) {
  const params = new URLSearchParams({ limit: '200' });
  for (const f of FIELDS) if (query.get(f)) params.set(f, query.get(f)!);
  const list = useResource<{ incidents: Incident[] }>(`/api/v1/incidents?${params}`, 5_000, true);
  const [draft, setDraft] = useState<Record<string, string>>(Object.fromEntries(FIELDS.map((f) => [f, query.get(f) ?? ''])));
  return (
    <section>
      <h1>Incidents</h1>
      <form
        class="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          const next = new URLSearchParams();
          for (const f of FIELDS) if (draft[f]) next.set(f, draft[f]!);
          navigate(`/incidents?${next}`, true);
        }}
      >
        <label>
          Status{' '}
          <select value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.currentTarget.value })}>
            {['', 'active', 'open', 'acknowledged', 'resolved', 'closed'].map((s) => (
              <option key={s} value={s}>
                {s || 'any'}
              </option>
            ))}
          </select>
        </label>
        {(['host', 'severity', 'rule'] as const).map((f) => (
          <label key={f}>
            {f[0]!.toUpperCase() + f.slice(1)} <input value={draft[f]} onInput={(e) => setDraft({ ...draft, [f]: e.currentTarget.value })} />
          </label>
        ))}
        <button type="submit">Filter</button>
      </form>
      <ErrorNote error={list.error} />
      <ScrollBox label="Incidents">
        <table>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Priority</th>
              <th scope="col">Status</th>
              <th scope="col">Severity</th>
              <th scope="col">Summary</th>
              <th scope="col">Host</th>
              <th scope="col">Rule</th>
              <th scope="col">Opened</th>
              <th scope="col">Ticket</th>
            </tr>
          </thead>
          <tbody>
            {(list.data?.incidents ?? []).map((i) => (
              <tr key={i.id}>
                <td>
                  <a href={`/incidents/${i.id}`}>#{i.id}</a>
                </td>
                <td title={i.priorityReason}>
                  <PriorityBadge priority={i.priority} />
                </td>
                <td>
                  <StatusBadge status={i.status} />
                  {i.flapping ? ' flapping' : ''}
                </td>
                <td>
                  <SeverityBadge severity={i.severity} />
                </td>
                <td>
                  <a href={`/incidents/${i.id}`}>{i.summary}</a>
                </td>
                <td>{i.host ? <a href={`/hosts/${encodeURIComponent(i.host)}`}>{i.host}</a> : '–'}</td>
                <td>{i.ruleName}</td>
                <td title={i.openedAt}>{ago(i.openedAt)}</td>
                <td>{i.ticketed ? 'yes' : `held: ${i.hold ?? '–'}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollBox>
      {list.data?.incidents.length === 0 && <p class="muted">No incidents match.</p>}
    </section>
  );
}
