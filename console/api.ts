/**
 * The console's one door to the collector: JSON over the versioned API with the session cookie,
 * and the session's CSRF token on every write. An API error becomes an ApiFailure carrying the
 * catalogue code and message, which pages show as they are.
 */

/** What a signed-in user may do: viewers read, operators act on incidents, admins manage agents. */
export type Role = 'viewer' | 'operator' | 'admin';

export interface Session {
  role: Role;
  csrfToken: string;
  expiresAt: string;
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = '';

/** Remembers the CSRF token of the session the writes belong to. */
export function useSessionToken(session: Session | null): void {
  csrfToken = session?.csrfToken ?? '';
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-tripline-csrf'] = csrfToken;
  const response = await fetch(path, { method, headers, credentials: 'same-origin', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  const json = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  if (!response.ok) {
    const error = (json.error ?? {}) as { code?: string; message?: string };
    throw new ApiFailure(response.status, error.code ?? `HTTP_${response.status}`, error.message ?? response.statusText);
  }
  return json as T;
}

export const api = {
  get: <T>(path: string) => call<T>('GET', path),
  post: <T>(path: string, body: unknown = {}) => call<T>('POST', path, body),
  delete: <T>(path: string) => call<T>('DELETE', path),
};

/** Whether `role` may do what needs `needed`. */
export function allows(role: Role | undefined, needed: Role): boolean {
  const rank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
  return role !== undefined && rank[role] >= rank[needed];
}
