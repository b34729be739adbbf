/**
 * Checks an agent's `Authorization: Bearer <token>` against the configured tokens in constant
 * time. Tokens are kept only as SHA-256 digests in memory, so a heap dump shows none of them.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export function createAgentAuthenticator(tokens: readonly string[]): (header: string | undefined) => boolean {
  const digests = tokens.map(digest);
  return (header) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!match) return false;
    const presented = digest(match[1]!);
    let ok = false;
    for (const known of digests) ok = timingSafeEqual(known, presented) || ok;
    return ok;
  };
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
