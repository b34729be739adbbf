/**
 * Desk deliveries (outbox rows): list them (dead letters first of all) and retry a dead one. A retry
 * also revives the dead rows after it for the same incident and desk (a resolve that died because
 * its open had), so they are delivered again in order; the collector's outbox worker picks them up.
 */
import type { Clock } from '../clock.js';
import type { OutboxRow } from '../domain/delivery.js';
import type { OutboxFilter, Store } from '../store/store.js';
import { OperationError } from './operationError.js';

export interface DeliveryOperations {
  /** Deliveries, newest first. */
  listDeliveries(filter?: OutboxFilter): DeliveryView[];
  /** Queues a dead delivery again, with the dead ones after it; not-found, or conflict when it is not dead. */
  retryDelivery(id: number): { retried: number[]; deliveries: DeliveryView[] };
}

export function createDeliveryOperations({ store, clock }: { store: Store; clock: Clock }): DeliveryOperations {
  return {
    listDeliveries: (filter) => store.listOutbox(filter).map(deliveryView),
    retryDelivery(id) {
      const row = store.getOutbox(id);
      if (!row) throw new OperationError('not-found', `delivery ${id} does not exist`);
      if (row.state !== 'dead') throw new OperationError('conflict', `delivery ${id} is ${row.state}, not dead: only dead letters can be retried`);
      const retried = reviveDeadDelivery(store, row, clock.nowMs());
      return { retried, deliveries: retried.map((r) => deliveryView(store.getOutbox(r)!)) };
    },
  };
}

/** Revives a dead delivery (and the dead ones after it) and notes it on the incident; returns the revived ids. */
function reviveDeadDelivery(store: Store, row: OutboxRow, nowMs: number): number[] {
  return store.transaction((tx) => {
    const revived = tx.reviveOutbox(row.id, nowMs);
    if (revived.length > 0) {
      const after = revived.length > 1 ? ` (with ${revived.length - 1} operation(s) after it)` : '';
      tx.addIncidentEvent({ incidentId: row.incidentId, atMs: nowMs, kind: 'desk-retry', text: `dead ${row.operation} at ${row.desk} queued again by an operator${after}`, data: { deliveries: revived } });
    }
    return revived;
  });
}

/** The API's view of a delivery, with ISO times. */
export function deliveryView(row: OutboxRow) {
  return {
    id: row.id,
    incidentId: row.incidentId,
    desk: row.desk,
    operation: row.operation,
    state: row.state,
    attempts: row.attempts,
    lastError: row.lastError,
    createdAt: new Date(row.createdAtMs).toISOString(),
    nextAttemptAt: row.state === 'pending' ? new Date(row.nextAttemptAtMs).toISOString() : null,
    deliveredAt: row.deliveredAtMs === null ? null : new Date(row.deliveredAtMs).toISOString(),
    claimedBy: row.claimedBy,
  };
}

export type DeliveryView = ReturnType<typeof deliveryView>;
