/** Desk deliveries: dead letters first (with retry for operators), then pending ones. */
import { useState } from 'preact/hooks';
import { allows, api, ApiFailure, type Role } from '../api.js';
import { ErrorNote, ScrollBox } from '../components/Bits.js';
import { when } from '../format.js';
import type { Delivery } from '../types.js';
import { useResource } from '../useResource.js';

export function DeliveriesPage({ role }: { role: Role | undefined }) {
  const dead = useResource<{ deliveries: Delivery[] }>('/api/v1/deliveries?state=dead&limit=200', 10_000);
  const pending = useResource<{ deliveries: Delivery[] }>('/api/v1/deliveries?state=pending&limit=200', 5_000);
  const [failure, setFailure] = useState<ApiFailure | undefined>();
  const [note, setNote] = useState('');
  const retry = async (id: number) => {
    setFailure(undefined);
    try {
      const answer = await api.post<{ retried: number[] }>(`/api/v1/deliveries/${id}/retry`);
      setNote(`queued again: ${answer.retried.map((r) => `#${r}`).join(', ')}`);
      dead.reload();
      pending.reload();
    } catch (error) {
      setFailure(error instanceof ApiFailure ? error : new ApiFailure(0, 'NETWORK', String(error)));
    }
  };
  const mayRetry = allows(role, 'operator');
  return (
    <section>
      <h1>Deliveries</h1>
      {note && <p role="status">{note}</p>}
      <ErrorNote error={failure ?? dead.error} />
      <h2>Dead letters</h2>
      <DeliveryTable label="Dead letters" rows={dead.data?.deliveries ?? []} action={(d) => <button disabled={!mayRetry} onClick={() => retry(d.id)}>Retry</button>} />
      <h2>Pending</h2>
      <DeliveryTable label="Pending deliveries" rows={pending.data?.deliveries ?? []} />
    </section>
  );
}

function DeliveryTable({ label, rows, action }: { label: string; rows: Delivery[]; action?: (d: Delivery) => preact.ComponentChildren }) {
  if (rows.length === 0) return <p class="muted">None.</p>;
  return (
    <ScrollBox label={label}><table>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Incident</th>
          <th scope="col">Desk</th>
          <th scope="col">Operation</th>
          <th scope="col">Attempts</th>
          <th scope="col">Next attempt</th>
          <th scope="col">Last error</th>
          {action && <th scope="col">Action</th>}
        </tr>
      </thead>
      <tbody>
        {rows.map((d) => (
          <tr key={d.id} data-delivery={d.id}>
            <td>{d.id}</td>
            <td>
              <a href={`/incidents/${d.incidentId}`}>#{d.incidentId}</a>
            </td>
            <td>{d.desk}</td>
            <td>{d.operation}</td>
            <td>{d.attempts}</td>
            <td>{when(d.nextAttemptAt)}</td>
            <td>{d.lastError ?? ''}</td>
            {action && <td>{action(d)}</td>}
          </tr>
        ))}
      </tbody>
    </table></ScrollBox>
  );
}
