/**
 * One incident: why it fired (the current occurrence's why-record with its gates in order), its
 * timeline with the gates of each decision, its desk tickets with links and the deliveries behind
 * them, and acknowledge / resolve with a comment for those whose role allows it.
 */
import { useState } from 'preact/hooks';
import { allows, api, ApiFailure, type Role } from '../api.js';
import { ErrorNote, Facts, PriorityBadge, ScrollBox, SeverityBadge, StatusBadge } from '../components/Bits.js';
import { labelText, when } from '../format.js';
import { whyFacts } from '../whyFacts.js';
import type { Incident, IncidentDetail, SlaClock } from '../types.js';
import { useResource } from '../useResource.js';

interface Gate {
  gate: string;
  passed: boolean;
  /** Why, as a code (`clear`, `probing`, `parent-down`, `flapping`, ...); absent on verdicts recorded before codes were. */
  code?: string;
  reason: string;
}

const gatesOf = (value: unknown): Gate[] => (Array.isArray(value) ? (value as Gate[]) : []);

/** A gate's verdict in words: passed, held (it kept the ticket back), or what it did (re-opened, flapping). */
function GateList({ gates, label }: { gates: Gate[]; label: string }) {
  return (
    <ol class="gates" aria-label={label}>
      {gates.map((g) => (
        <li key={g.gate} class={g.passed ? 'passed' : 'held'}>
          <strong>{g.gate}</strong> {g.passed ? 'passed' : g.code && g.code !== 'clear' ? g.code : 'held'}: {g.reason}
        </li>
      ))}
    </ol>
  );
}

function slaText(name: string, clock: SlaClock | null): string {
  if (!clock) return '';
  return `${name} by ${when(clock.dueAt)}: ${clock.state}`;
}

/** Its priority (how the matrix decided, an SLA escalation), the services it touches and its SLA clocks. */
function PriorityLine({ incident }: { incident: Incident }) {
  const clocks = incident.sla ? [slaText('acknowledge', incident.sla.acknowledge), slaText('resolve', incident.sla.resolve)].filter(Boolean) : [];
  return (
    <p class="summary">
      Priority <PriorityBadge priority={incident.priority} /> · impact {incident.impact} · urgency {incident.urgency} · services{' '}
      {incident.services.length === 0 ? 'none' : incident.services.map((name, i) => [i > 0 ? ', ' : '', <a key={name} href={`/services/${encodeURIComponent(name)}`}>{name}</a>])} · SLA{' '}
      {clocks.length === 0 ? 'none for its priority' : clocks.join('; ')}
      <br />
      <span class="muted">{incident.priorityReason}</span>
    </p>
  );
}

export function IncidentPage({ id, role, user }: { id: string; role: Role | undefined; user: string }) {
  const detail = useResource<IncidentDetail>(`/api/v1/incidents/${id}`, 5_000, true);
  const [comment, setComment] = useState('');
  const [failure, setFailure] = useState<ApiFailure | undefined>();
  const [done, setDone] = useState('');
  if (!detail.data) return <ErrorNote error={detail.error} />;
  const { incident, timeline, tickets, deliveries } = detail.data;
  const gates = gatesOf(incident.why.gates);
  const facts = whyFacts(incident.why);
  const gatesKey = JSON.stringify(gates);
  const occurrence = typeof incident.why.occurrence === 'number' ? incident.why.occurrence : 1;
  const act = async (kind: 'acknowledge' | 'resolve') => {
    setFailure(undefined);
    try {
      const answer = await api.post<{ reason: string }>(`/api/v1/incidents/${id}/${kind}`, { comment }); // the collector records who: the session's token name
      setDone(answer.reason);
      setComment('');
      detail.reload();
    } catch (error) {
      setFailure(error instanceof ApiFailure ? error : new ApiFailure(0, 'NETWORK', String(error)));
    }
  };
  const mayAct = allows(role, 'operator');
  const active = incident.status === 'open' || incident.status === 'acknowledged';
  return (
    <section>
      <h1>
        #{incident.id} {incident.summary}
      </h1>
      <p class="summary">
        <StatusBadge status={incident.status} /> <SeverityBadge severity={incident.severity} />
        {incident.host ? (
          <>
            {' '}
            on <a href={`/hosts/${encodeURIComponent(incident.host)}`}>{incident.host}</a>
          </>
        ) : null}{' '}
        · rule{' '}
        <code>{incident.ruleName}</code> · opened {when(incident.openedAt)} · {incident.occurrences} occurrence(s){incident.flapping ? ' · flapping' : ''}
        {incident.hold ? ` · held: ${incident.hold}` : ''}
      </p>
      <PriorityLine incident={incident} />
      {incident.description && <p>{incident.description}</p>}

      {active && (
        <form class="actions" onSubmit={(e) => e.preventDefault()} aria-label="Act on this incident">
          <label>
            Comment <textarea name="comment" rows={2} value={comment} disabled={!mayAct} onInput={(e) => setComment(e.currentTarget.value)} />
          </label>
          <button type="button" disabled={!mayAct || incident.status !== 'open'} onClick={() => act('acknowledge')}>
            Acknowledge
          </button>
          <button type="button" disabled={!mayAct} onClick={() => act('resolve')}>
            Resolve
          </button>
          {!mayAct && <p class="muted">Your role ({role ?? 'none'}) may read but not act on incidents.</p>}
        </form>
      )}
      {done && (
        <p class="ok" role="status">
          {done}
        </p>
      )}
      <ErrorNote error={failure} />

      <h2>Why it fired (occurrence {occurrence})</h2>
      {gates.length > 0 && <GateList gates={gates} label="Gates, in order" />}
      <Facts facts={facts} />
      <p class="muted">Labels: {labelText(incident.labels)}</p>

      <h2>Timeline</h2>
      <ol class="timeline" aria-label="Timeline">
        {timeline.map((e, index) => (
          <li key={index} data-kind={e.kind}>
            <time dateTime={e.at}>{when(e.at)}</time> <strong>{e.kind}</strong> {e.text}
            {gatesOf(e.data.gates).length > 0 &&
              // The decision of the current occurrence has the gates shown above: they are not listed twice.
              (JSON.stringify(gatesOf(e.data.gates)) === gatesKey ? (
                <span class="muted"> (gates as above)</span>
              ) : (
                <GateList gates={gatesOf(e.data.gates)} label={`Gates of the ${e.kind} decision`} />
              ))}
          </li>
        ))}
      </ol>

      <h2>Desk tickets</h2>
      {tickets.length === 0 ? (
        <p class="muted">No ticket.</p>
      ) : (
        <ul class="plain">
          {tickets.map((t) => (
            <li key={t.desk}>
              {t.desk}: {t.url ? <a href={t.url} target="_blank" rel="noopener noreferrer">{t.externalId}</a> : t.externalId} ({t.state}
              {t.deskStatus ? `, desk says ${t.deskStatus}` : ''})
            </li>
          ))}
        </ul>
      )}
      <h3>Deliveries</h3>
      <ScrollBox label="Deliveries"><table>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Desk</th>
            <th scope="col">Operation</th>
            <th scope="col">State</th>
            <th scope="col">Attempts</th>
            <th scope="col">Last error</th>
          </tr>
        </thead>
        <tbody>
          {deliveries.map((d) => (
            <tr key={d.id}>
              <td>{d.id}</td>
              <td>{d.desk}</td>
              <td>{d.operation}</td>
              <td>{d.state}</td>
              <td>{d.attempts}</td>
              <td>{d.lastError ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table></ScrollBox>
    </section>
  );
}
