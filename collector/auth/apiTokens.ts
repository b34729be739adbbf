/**
 * API tokens: how they are made and how they are kept. A token is 32 random bytes (256 bits) in
 * base64url behind a `tlk_` prefix (so a leaked one is recognisable in a scan); the database keeps
 * only its SHA-256. A slow password hash (scrypt) protects low-entropy secrets people choose; a
 * 256-bit random token cannot be guessed or brute-forced from its digest, so SHA-256 loses nothing,
 * and it lets the collector find a presented token by its digest in one indexed lookup per request
 * instead of paying ~50 ms of scrypt per request, which would itself be a denial of service.
 */
import { createHash, randomBytes } from 'node:crypto';

/** A new random token. */
export function newApiToken(): string {
  return `tlk_${randomBytes(32).toString('base64url')}`;
}

/** The hex SHA-256 a token is stored and looked up by. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Token names: short, printable, safe in a terminal and in the audit log. */
export const TOKEN_NAME_PATTERN = '^[a-z0-9][a-z0-9._@-]{0,63}$';
