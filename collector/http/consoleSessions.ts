/**
 * Console sign-in sessions: a token is exchanged once for a random session id, which travels in an
 * HttpOnly, SameSite=Strict cookie, and a CSRF token the console sends back in a header on every
 * write. Sessions live in memory (a restart signs everyone out) and expire after `ttlMs` on the
 * injected clock; the oldest are dropped beyond `maxSessions`.
 */
import { randomBytes } from 'node:crypto';
import type { Role } from './accessControl.js';

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
  close(id: string | undefined): void;
}

export function createConsoleSessions({ nowMs, ttlMs, maxSessions = 10_000 }: { nowMs: () => number; ttlMs: number; maxSessions?: number }): ConsoleSessions {
  const sessions = new Map<string, ConsoleSession>();
  return {
    open(role, name) {
      for (const [id, s] of sessions) if (s.expiresAtMs <= nowMs()) sessions.delete(id);
      while (sessions.size >= maxSessions) sessions.delete(sessions.keys().next().value!);
      const id = randomBytes(32).toString('base64url');
      const session: ConsoleSession = { role, ...(name === undefined ? {} : { name }), csrfToken: randomBytes(24).toString('base64url'), expiresAtMs: nowMs() + ttlMs };
      sessions.set(id, session);
      return { id, session };
    },
    find(id) {
      if (id === undefined) return undefined;
      const session = sessions.get(id);
      if (session === undefined) return undefined;
      if (session.expiresAtMs > nowMs()) return session;
      sessions.delete(id);
      return undefined;
    },
    close(id) {
      if (id !== undefined) sessions.delete(id);
    },
  };
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
