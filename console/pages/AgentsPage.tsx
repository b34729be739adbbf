/**
 * Enrolled agents with when they last reported and their version; for admins, revoke (its reports
 * are refused from then on) and reset (its enrolment is forgotten, so a reimaged host enrols again
 * under the same name). A viewer or an operator sees the reporting agents and no actions.
 */
import { useState } from 'preact/hooks';
import { allows, api, ApiFailure, type Role } from '../api.js';
import { ErrorNote, ScrollBox } from '../components/Bits.js';
import { ago, when } from '../format.js';
import type { Agent, Host } from '../types.js';
import { useResource } from '../useResource.js';

export function AgentsPage({ role }: { role: Role | undefined }) {
  const admin = allows(role, 'admin');
  const agents = useResource<{ agents: Agent[] }>(admin ? '/api/v1/agents' : null, 30_000);
  const hosts = useResource<{ hosts: Host[] }>('/api/v1/hosts', 30_000);
  const [failure, setFailure] = useState<ApiFailure | undefined>();
  const [note, setNote] = useState('');
  const byAgent = new Map((hosts.data?.hosts ?? []).map((h) => [h.agentId, h]));
  const act = async (question: string, path: string, done: (answer: { resolvedIncidents?: number[] }) => string) => {
    if (!confirm(question)) return;
    setFailure(undefined);
    try {
      setNote(done(await api.post<{ resolvedIncidents?: number[] }>(path)));
      agents.reload();
      hosts.reload();
    } catch (error) {
      setFailure(error instanceof ApiFailure ? error : new ApiFailure(0, 'NETWORK', String(error)));
    }
  };
  const revoke = (id: string) => act(`Revoke agent ${id}? Its reports are refused from its next request on.`, `/api/v1/agents/${encodeURIComponent(id)}/revoke`, () => `agent ${id} revoked`);
  const reset = (id: string, hostname: string) =>
    act(`Reset agent ${id}? Its enrolment is forgotten, so ${hostname} can enrol again (after a reimage); its active incidents resolve.`, `/api/v1/agents/${encodeURIComponent(id)}/reset`, (answer) => {
      const resolved = answer.resolvedIncidents ?? [];
      return `agent ${id} reset: ${hostname} may enrol again${resolved.length > 0 ? `; resolved ${resolved.map((i) => `#${i}`).join(', ')}` : ''}`;
    });
  const rows = admin
    ? (agents.data?.agents ?? []).map((a) => ({ ...a, host: byAgent.get(a.agentId) }))
    : (hosts.data?.hosts ?? []).map((h) => ({ agentId: h.agentId, hostname: h.hostname, enrolledAt: h.firstSeenAt, revokedAt: null, host: h }));
  return (
    <section>
      <h1>Agents</h1>
      {!admin && <p class="muted">Revoke and reset are for admins; this lists the agents that report.</p>}
      {note && <p role="status">{note}</p>}
      <ErrorNote error={failure ?? agents.error ?? hosts.error} />
      <ScrollBox label="Agents"><table>
        <thead>
          <tr>
            <th scope="col">Agent</th>
            <th scope="col">Host</th>
            <th scope="col">Version</th>
            <th scope="col">Last seen</th>
            <th scope="col">Enrolled</th>
            <th scope="col">State</th>
            {admin && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((a) => (
            <tr key={a.agentId}>
              <td>{a.agentId}</td>
              <td>
                <a href={`/hosts/${encodeURIComponent(a.hostname)}`}>{a.hostname}</a>
              </td>
              <td>{a.host?.version ?? '–'}</td>
              <td>{a.host ? ago(a.host.lastReportAt) : 'never'}</td>
              <td>{when(a.enrolledAt)}</td>
              <td>{a.revokedAt ? `revoked ${when(a.revokedAt)}` : 'active'}</td>
              {admin && (
                <td class="actions">
                  {!a.revokedAt && <button onClick={() => revoke(a.agentId)}>Revoke</button>}
                  <button onClick={() => reset(a.agentId, a.hostname)}>Reset</button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table></ScrollBox>
    </section>
  );
}
