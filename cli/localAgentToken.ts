/**
 * `tripline start` needs no setup: the token its local agent presents is generated once and kept
 * in the data directory (mode 0600), so restarts keep working without any config.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function ensureLocalAgentToken(dataDir: string): string {
  const file = join(dataDir, 'local-agent.token');
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= 16) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'w' });
  return token;
}
