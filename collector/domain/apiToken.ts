/**
 * Named API tokens and the audit log of what was done with them. A token has one role; a role
 * includes the ones below it: viewer (read the API), operator (act on incidents, silences,
 * maintenance, deliveries), admin (agents and tokens).
 */
export type Role = 'viewer' | 'operator' | 'admin';

export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

/** Whether `held` includes `needed`. */
export function roleIncludes(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

/** A stored API token: its name and role, never the token itself (only its SHA-256). */
export interface ApiTokenRecord {
  name: string;
  role: Role;
  createdAtMs: number;
  createdBy: string;
  revokedAtMs: number | null;
}

/** One operator action as the audit log keeps it: who (a token's name, or `cli:<user>`), what, on what. */
export interface AuditEntry {
  id: number;
  atMs: number;
  actor: string;
  action: string;
  target: string;
  /** The action's input, as JSON text. */
  detail: string;
}
