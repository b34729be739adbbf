/**
 * `tripline start` needs no setup: the token its local agent presents, and an admin API token for
 * the person who started it, are generated once and kept in the data directory (mode 0600), so
 * restarts keep working without any config.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function ensureLocalAgentToken(dataDir: string): string {
  return ensureLocalToken(join(dataDir, 'local-agent.token'), dataDir);
}

/** The file of the admin API token `tripline start` keeps (named `local-admin`). */
export function localAdminTokenFile(dataDir: string): string {
  return join(dataDir, 'local-admin.token');
}

/** The admin API token of `tripline start`: made once, kept mode 0600 in the data directory. */
export function ensureLocalAdminToken(dataDir: string): string {
  return ensureLocalToken(localAdminTokenFile(dataDir), dataDir);
}

function ensureLocalToken(file: string, dataDir: string): string {
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
