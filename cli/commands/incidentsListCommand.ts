/** `tripline incidents list [--json]`: reads incidents straight from the database, collector running or not. */
import { existsSync } from 'node:fs';
import { loadConfig } from '../../config/loadConfig.js';
import { databasePath } from '../../collector/collector.js';
import { incidentView } from '../../collector/http/readRoutes.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { IncidentStatus } from '../../collector/store/store.js';

export function incidentsListCommand(options: { config?: string; json?: boolean; status?: IncidentStatus | 'active' }): number {
  const { config } = loadConfig(options.config);
  const file = databasePath(config.dataDir);
  if (!existsSync(file)) {
    process.stderr.write(`no database at ${file}: has the collector run with this data directory?\n`);
    return 1;
  }
  const store = openSqliteStore({ file, readOnly: true });
  try {
    const incidents = store.listIncidents({ status: options.status }).map(incidentView);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(incidents, null, 2)}\n`);
      return 0;
    }
    if (incidents.length === 0) {
      process.stdout.write('no incidents\n');
      return 0;
    }
    const rows = incidents.map((i) => [String(i.id), i.status, i.severity, i.host, i.ruleName, i.openedAt, i.resolvedAt ?? '-', i.summary]);
    process.stdout.write(formatTable(['ID', 'STATUS', 'SEVERITY', 'HOST', 'RULE', 'OPENED', 'RESOLVED', 'SUMMARY'], rows));
    return 0;
  } finally {
    store.close();
  }
}

function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ');
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
