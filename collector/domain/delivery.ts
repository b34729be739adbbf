/**
 * A delivery: one desk operation for one incident, queued in the outbox in the same transaction as
 * the incident change that caused it, and delivered by the outbox worker.
 */

/** `link`: put the incident's ticket under the ticket of its service incident (`linkIncidentId`) at that desk. */
export type OutboxOperation = 'open' | 'update' | 'resolve' | 'reopen' | 'comment' | 'link';

/** `superseded`: an update coalesced into a later operation that carries the newer state. */
export type OutboxState = 'pending' | 'delivered' | 'dead' | 'superseded';

export interface OutboxRow {
  id: number;
  incidentId: number;
  desk: string;
  operation: OutboxOperation;
  state: OutboxState;
  attempts: number;
  nextAttemptAtMs: number;
  lastError: string | null;
  createdAtMs: number;
  deliveredAtMs: number | null;
  /** The text of a `comment` operation. */
  note: string | null;
  /** The parent (service) incident of a `link` operation. */
  linkIncidentId: number | null;
  /** The collector that claimed it last (Store.claimOutbox): the one delivering it, or that delivered it; null before any claim. */
  claimedBy: string | null;
}

/** What queues a delivery: the desk operation for an incident, and the text of a comment. */
export interface NewDelivery {
  incidentId: number;
  desk: string;
  operation: OutboxOperation;
  createdAtMs: number;
  note?: string;
  linkIncidentId?: number;
}
