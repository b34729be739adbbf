/**
 * `tripline deliveries list [--state S] [--desk D] [--json]`: desk deliveries (outbox rows) read
 * straight from the database, collector running or not, newest first.
 */
import { existsSync } from 'node:fs';
import { databasePath } from '../../collector/collector.js';
import { deliveryView } from '../../collector/http/deliveryRoutes.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { OutboxState } from '../../collector/store/store.js';
import { loadConfig } from '../../config/loadConfig.js';
import { formatTable } from '../formatTable.js';

export function deliveriesListCommand(options: { config?: string; json?: boolean; state?: OutboxState; desk?: string }): number {
  const { config } = loadConfig(options.config);
  const file = databasePath(config.dataDir);
  if (!existsSync(file)) {
    process.stderr.write(`no database at ${file}: has the collector run with this data directory?\n`);
    return 1;
  }
  const store = openSqliteStore({ file, readOnly: true });
  try {
    const deliveries = store.listOutbox({ state: options.state, desk: options.desk }).map(deliveryView);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(deliveries, null, 2)}\n`);
      return 0;
    }
    if (deliveries.length === 0) {
      process.stdout.write(`no deliveries${options.state ? ` in state ${options.state}` : ''}\n`);
      return 0;
    }
    const rows = deliveries.map((d) => [String(d.id), String(d.incidentId), d.desk, d.operation, d.state, String(d.attempts), d.lastError ?? '-']);
    process.stdout.write(formatTable(['ID', 'INCIDENT', 'DESK', 'OPERATION', 'STATE', 'ATTEMPTS', 'LAST ERROR'], rows));
    return 0;
  } finally {
    store.close();
  }
}
