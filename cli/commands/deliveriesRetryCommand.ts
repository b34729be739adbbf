/**
 * `tripline deliveries retry ID`: queues a dead delivery again (and the dead ones after it for the
 * same incident and desk), writing to the database directly; a running collector picks it up
 * on its next outbox pass. Same effect as `POST /api/v1/deliveries/{id}/retry`.
 */
import { refusalsToStderr, withOperations } from './withOperations.js';

export function deliveriesRetryCommand(id: string, options: { config?: string }): number {
  if (!/^\d{1,15}$/.test(id)) {
    process.stderr.write(`not a delivery id: ${id}\n`);
    return 2;
  }
  return withOperations(options.config, false, (operations) =>
    refusalsToStderr(['not-found', 'conflict'], () => {
      const { retried } = operations.retryDelivery(Number(id));
      process.stdout.write(`queued again: ${retried.map((r) => `#${r}`).join(', ')}\n`);
      return 0;
    }),
  );
}
