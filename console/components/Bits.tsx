/** Small shared pieces: status, severity and priority badges, an API error note, a key/value list. */
import type { ApiFailure } from '../api.js';

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status}`}>{status}</span>;
}

export function SeverityBadge({ severity }: { severity: string }) {
  return <span class={`badge severity-${severity}`}>{severity}</span>;
}

/** P1 (most urgent) to P5. */
export function PriorityBadge({ priority }: { priority: string }) {
  return <span class={`badge priority-${priority.toLowerCase()}`}>{priority}</span>;
}

export function ErrorNote({ error }: { error: ApiFailure | undefined }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error.message} <code>{error.code}</code>
    </p>
  );
}

export function Facts({ facts }: { facts: ReadonlyArray<[string, unknown]> }) {
  return (
    <dl class="facts">
      {facts.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v)}</dd>
        </div>
      ))}
    </dl>
  );
}
