/**
 * `tripline deliveries list [--state S] [--desk D] [--json]`: desk deliveries (outbox rows) read
 * straight from the database, collector running or not, newest first.
 */
import type { OutboxState } from '../../collector/domain/delivery.js';
import { formatTable } from '../formatTable.js';
import { withOperations } from './withOperations.js';

export function deliveriesListCommand(options: { config?: string; json?: boolean; state?: OutboxState; desk?: string }): number {
  return withOperations(options.config, true, (operations) => {
    const deliveries = operations.listDeliveries({ state: options.state, desk: options.desk });
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
  });
}
