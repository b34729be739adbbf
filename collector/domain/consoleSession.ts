/**
 * A console sign-in as the store keeps it: the SHA-256 of the session id (the cookie's value is never
 * stored), the role and name of the token signed in with, and when it ends. Kept in the database so a
 * collector restart signs nobody out.
 */
import type { Role } from './apiToken.js';

export interface ConsoleSessionRecord {
  idSha256: string;
  role: Role;
  /** The name of the token signed in with (the console's actions are audited under it). */
  name: string | null;
  createdAtMs: number;
  expiresAtMs: number;
}
