/**
 * `tripline deliveries retry ID`: queues a dead delivery again (and the dead ones after it for the
 * same incident and desk), writing to the database directly; a running collector picks it up
 * on its next outbox pass. Same effect as `POST /api/v1/deliveries/{id}/retry`.
 */
import { retryDeadDelivery } from '../../collector/http/deliveryRoutes.js';
import { withDatabase } from './withDatabase.js';

export function deliveriesRetryCommand(id: string, options: { config?: string }): number {
  if (!/^\d{1,15}$/.test(id)) {
    process.stderr.write(`not a delivery id: ${id}\n`);
    return 2;
  }
  return withDatabase(options.config, false, (store) => {
    const row = store.getOutbox(Number(id));
    if (!row) {
      process.stderr.write(`delivery ${id} does not exist\n`);
      return 1;
    }
    if (row.state !== 'dead') {
      process.stderr.write(`delivery ${id} is ${row.state}, not dead: only dead letters can be retried\n`);
      return 1;
    }
    const revived = retryDeadDelivery(store, row.id, Date.now());
    process.stdout.write(`queued again: ${revived.map((r) => `#${r}`).join(', ')}\n`);
    return 0;
  });
}
