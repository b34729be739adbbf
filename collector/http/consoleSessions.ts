/**
 * Console sign-in sessions: a token is exchanged once for a random session id, which travels in an
 * HttpOnly, SameSite=Strict cookie, and a CSRF token the console sends back in a header on every
 * write. Sessions are kept in the database by the SHA-256 of their id (a stolen database holds no
 * usable cookie), so a collector restart signs nobody out; each expires after `ttlMs` on the
 * injected clock, sign-out deletes it, and beyond `maxSessions` the oldest go. The CSRF token is
 * derived from the session id (a keyed digest), so it needs no storage and is the same after a restart.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ConsoleSessionRecord } from '../domain/consoleSession.js';
import type { Role } from '../domain/apiToken.js';
import type { Store } from '../store/store.js';

export const SESSION_COOKIE = 'tripline_session';
export const CSRF_HEADER = 'x-tripline-csrf';

export interface ConsoleSession {
  role: Role;
  /** The name of the token signed in with: the console's actions are audited under it. */
  name?: string;
  csrfToken: string;
  expiresAtMs: number;
}

export interface ConsoleSessions {
  /** Opens a session; answers its id (the cookie's value) and the session. */
  open(role: Role, name?: string): { id: string; session: ConsoleSession };
  /** The live session of an id, if any. */
  find(id: string | undefined): ConsoleSession | undefined;
  /** Ends the session of an id (sign-out); a later find answers nothing, after a restart too. */
  close(id: string | undefined): void;
}

/** The store's part the sessions need. */
export type ConsoleSessionStore = Pick<Store, 'insertConsoleSession' | 'findConsoleSession' | 'deleteConsoleSession'>;

export function createConsoleSessions({ store, nowMs, ttlMs, maxSessions = 10_000 }: { store: ConsoleSessionStore; nowMs: () => number; ttlMs: number; maxSessions?: number }): ConsoleSessions {
  const live = (id: string, record: ConsoleSessionRecord): ConsoleSession => ({
    role: record.role,
    ...(record.name === null ? {} : { name: record.name }),
    csrfToken: csrfTokenOf(id),
    expiresAtMs: record.expiresAtMs,
  });
  return {
    open(role, name) {
      const id = randomBytes(32).toString('base64url');
      const createdAtMs = nowMs();
      const record: ConsoleSessionRecord = { idSha256: digest(id), role, name: name ?? null, createdAtMs, expiresAtMs: createdAtMs + ttlMs };
      store.insertConsoleSession(record, maxSessions);
      return { id, session: live(id, record) };
    },
    find(id) {
      if (id === undefined || id === '') return undefined;
      const record = store.findConsoleSession(digest(id));
      if (record === undefined) return undefined;
      if (record.expiresAtMs > nowMs()) return live(id, record);
      store.deleteConsoleSession(record.idSha256);
      return undefined;
    },
    close(id) {
      if (id !== undefined && id !== '') store.deleteConsoleSession(digest(id));
    },
  };
}

function digest(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/** The CSRF token of a session: a digest of its id under a fixed label, so neither reveals the other. */
function csrfTokenOf(id: string): string {
  return createHash('sha256').update(`tripline-csrf\0${id}`).digest('base64url');
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}
