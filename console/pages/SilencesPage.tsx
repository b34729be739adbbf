/**
 * Silences and maintenance windows: the active ones, a form to add a silence with a preview of
 * the active incidents its matchers would hold, and expire / remove for operators.
 */
import { useState } from 'preact/hooks';
import { allows, api, ApiFailure, type Role } from '../api.js';
import { ErrorNote, ScrollBox } from '../components/Bits.js';
import { when } from '../format.js';
import type { Incident, Silence } from '../types.js';
import { useResource } from '../useResource.js';

interface Maintenance {
  id: number;
  cron: string;
  durationSeconds?: number;
  host: string | null;
  group: string | null;
  comment: string;
}

export function SilencesPage({ role, user }: { role: Role | undefined; user: string }) {
  const silences = useResource<{ silences: Silence[] }>('/api/v1/silences', 10_000);
  const maintenance = useResource<{ maintenance: Maintenance[] }>('/api/v1/maintenance', 30_000);
  const [matchers, setMatchers] = useState('');
  const [hours, setHours] = useState('2');
  const [comment, setComment] = useState('');
  const [preview, setPreview] = useState<Incident[] | undefined>();
  const [failure, setFailure] = useState<ApiFailure | undefined>();
  const mayAct = allows(role, 'operator');
  const matcherList = () => matchers.split('\n').map((m) => m.trim()).filter((m) => m !== '');
  const guard = async (action: () => Promise<void>) => {
    setFailure(undefined);
    try {
      await action();
    } catch (error) {
      setFailure(error instanceof ApiFailure ? error : new ApiFailure(0, 'NETWORK', String(error)));
    }
  };
  return (
    <section>
      <h1>Silences</h1>
      <ScrollBox label="Silences"><table>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Matchers</th>
            <th scope="col">From</th>
            <th scope="col">Until</th>
            <th scope="col">By</th>
            <th scope="col">Comment</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {(silences.data?.silences ?? []).map((s) => (
            <tr key={s.id}>
              <td>{s.id}</td>
              <td>
                <code>{s.matchers.join(', ')}</code>
              </td>
              <td>{when(s.startsAt)}</td>
              <td>{when(s.expiresAt)}</td>
              <td>{s.createdBy}</td>
              <td>{s.comment}</td>
              <td>
                <button disabled={!mayAct} onClick={() => guard(async () => (await api.delete(`/api/v1/silences/${s.id}`), silences.reload()))}>
                  Expire
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table></ScrollBox>
      <h2>New silence</h2>
      <form
        class="stacked"
        onSubmit={(e) => {
          e.preventDefault();
          void guard(async () => {
            const expiresAt = new Date(Date.now() + Number(hours) * 3_600_000).toISOString();
            await api.post('/api/v1/silences', { matchers: matcherList(), expiresAt, comment }); // the collector records who: the session's token name
            setMatchers('');
            setComment('');
            setPreview(undefined);
            silences.reload();
          });
        }}
      >
        <label>
          Matchers, one a line (<code>host="web-1"</code>, <code>mount=~"/var.*"</code>)
          <textarea name="matchers" rows={3} value={matchers} onInput={(e) => setMatchers(e.currentTarget.value)} disabled={!mayAct} />
        </label>
        <label>
          Hours <input name="hours" type="number" min="0.1" step="0.1" value={hours} onInput={(e) => setHours(e.currentTarget.value)} disabled={!mayAct} />
        </label>
        <label>
          Comment <input name="comment" value={comment} onInput={(e) => setComment(e.currentTarget.value)} disabled={!mayAct} />
        </label>
        <div>
          <button type="button" onClick={() => guard(async () => setPreview((await api.post<{ incidents: Incident[] }>('/api/v1/silences/preview', { matchers: matcherList() })).incidents))}>
            Preview
          </button>{' '}
          <button type="submit" disabled={!mayAct}>
            Create silence
          </button>
        </div>
      </form>
      <ErrorNote error={failure} />
      {preview && (
        <div class="preview" aria-live="polite">
          <h3>Would hold {preview.length} active incident(s)</h3>
          <ul class="plain">
            {preview.map((i) => (
              <li key={i.id}>
                <a href={`/incidents/${i.id}`}>
                  #{i.id} {i.summary}
                </a>{' '}
                on {i.host}
              </li>
            ))}
          </ul>
        </div>
      )}
      <h2>Maintenance windows</h2>
      <ErrorNote error={maintenance.error} />
      <ScrollBox label="Maintenance windows"><table>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">When (cron)</th>
            <th scope="col">On</th>
            <th scope="col">Comment</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {(maintenance.data?.maintenance ?? []).map((m) => (
            <tr key={m.id}>
              <td>{m.id}</td>
              <td>
                <code>{m.cron}</code>
              </td>
              <td>{m.host ?? `group ${m.group}`}</td>
              <td>{m.comment}</td>
              <td>
                <button disabled={!mayAct} onClick={() => guard(async () => (await api.delete(`/api/v1/maintenance/${m.id}`), maintenance.reload()))}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table></ScrollBox>
    </section>
  );
}
