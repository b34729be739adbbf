/**
 * `tripline agents list [--json]` and `tripline agents revoke <id>`: enrolled agents, read and
 * revoked straight in the database (the file's permissions are the authorization), so they work
 * with the collector running or not. A revoked agent's reports are refused from its next request.
 */
import { existsSync } from 'node:fs';
import { loadConfig } from '../../config/loadConfig.js';
import { databasePath } from '../../collector/collector.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';

function openStore(configFile: string | undefined, readOnly: boolean) {
  const { config } = loadConfig(configFile);
  const file = databasePath(config.dataDir);
  if (!existsSync(file)) {
    process.stderr.write(`no database at ${file}: has the collector run with this data directory?\n`);
    return undefined;
  }
  return openSqliteStore({ file, readOnly });
}

export function agentsListCommand(options: { config?: string; json?: boolean }): number {
  const store = openStore(options.config, true);
  if (store === undefined) return 1;
  try {
    const agents = store.listAgents().map((a) => ({
      agentId: a.agentId,
      hostname: a.hostname,
      enrolledAt: new Date(a.enrolledAtMs).toISOString(),
      revokedAt: a.revokedAtMs === null ? null : new Date(a.revokedAtMs).toISOString(),
    }));
    if (options.json) {
      process.stdout.write(`${JSON.stringify(agents, null, 2)}\n`);
      return 0;
    }
    if (agents.length === 0) {
      process.stdout.write('no enrolled agents\n');
      return 0;
    }
    const rows = agents.map((a) => [a.agentId, a.hostname, a.enrolledAt, a.revokedAt ?? '-']);
    const header = ['AGENT', 'HOSTNAME', 'ENROLLED', 'REVOKED'];
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
    const line = (cells: string[]) => cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ');
    process.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
    return 0;
  } finally {
    store.close();
  }
}

export function agentsRevokeCommand(agentId: string, options: { config?: string }): number {
  const store = openStore(options.config, false);
  if (store === undefined) return 1;
  try {
    if (!store.revokeAgent(agentId, Date.now())) {
      process.stderr.write(`no enrolled, unrevoked agent ${agentId}\n`);
      return 1;
    }
    process.stdout.write(`revoked ${agentId}\n`);
    return 0;
  } finally {
    store.close();
  }
}
