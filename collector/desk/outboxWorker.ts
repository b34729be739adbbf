/**
 * Delivers outbox rows to desks: at least once, idempotently, in order per incident and desk,
 * with backoff, a rate limit per desk, and coalescing of updates.
 *
 * Crash safety: before each call to a desk, the row's attempt count is committed. A row found
 * pending with attempts > 0 may have reached the desk before a crash, so an `open` first asks
 * the desk for a ticket with the incident key (or, where the desk cannot search, re-sends with the
 * same idempotency key). The ticket id is recorded on our side (the ledger) in the same commit
 * that marks the row delivered, so a later resolve always finds it.
 *
 * Several collectors on one store (PostgreSQL): every collector runs this worker. A pass claims a
 * batch of due rows for this collector (Store.claimOutbox: `SELECT … FOR UPDATE SKIP LOCKED` and
 * the claim in one statement), calls the desks outside that transaction, then records each
 * result. A row is claimed by one collector at a time, and only the oldest pending row of an
 * incident and desk is ever due, so an update never overtakes its incident's open at another
 * collector. A claim lasts `claimTimeoutMs` and is renewed before each call (refused if another
 * collector took the row meanwhile); a collector that dies leaves its rows to the others once its
 * claims run out, and the desks' idempotency (an `open` with attempts > 0 first searches by the
 * incident key) keeps a retried open from making a second ticket.
 *
 * Pace: each desk has a token bucket (`rateLimitPerMinute`); a 429 with Retry-After pauses every
 * row of that desk, not only the one that got it. Coalescing: an `update` with a later update,
 * resolve or re-open behind it is superseded (the later one carries the newest state), and an
 * update is held back until `coalesceWindow` after the last open/update/re-open of its ticket, so
 * a noisy incident does not touch its ticket on every change.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { CollectorMetrics } from '../collectorMetrics.js';
import type { OutboxRow } from '../domain/delivery.js';
import type { IncidentRecord } from '../domain/incident.js';
import type { Store } from '../store/store.js';
import { createPeriodicLoop } from '../periodicLoop.js';
import { retryDelaySeconds } from './backoff.js';
import { DeskError, type DeliveryContext, type DeskAdapter, type DeskIncident, type TicketRef } from './deskAdapter.js';
import { openOrRecover } from './openOrRecover.js';
import { plainDeskIncident } from './ticketFacts.js';
import type { TokenBucket } from './tokenBucket.js';

export interface OutboxWorkerOptions {
  store: Store;
  desks: ReadonlyMap<string, DeskAdapter>;
  clock: Clock;
  log: Logger;
  metrics: CollectorMetrics;
  maxAttempts: number;
  initialBackoffSeconds: number;
  maxBackoffSeconds: number;
  pollIntervalMs: number;
  /** Who claims rows: this collector's holder id (leadership.ts); one name when it is alone on the store. */
  holder?: string;
  /** How long a claim holds a row; renewed before each desk call. One minute by default (`delivery.claimTimeout`). */
  claimTimeoutMs?: number;
  /**
   * True when other collectors share the store: a start then leaves rows in flight elsewhere alone
   * (they return when their claims run out); alone on the store, a start makes them due at once.
   */
  sharedStore?: boolean;
  /** A token bucket per desk name (createDeskRateLimits); desks not listed are not limited. */
  rateLimits?: ReadonlyMap<string, TokenBucket>;
  /** Shortest time between two state-carrying calls (open, update, re-open) on one ticket. */
  coalesceWindowMs?: number;
  random?: () => number;
  /** What the desk is told about an incident (ticketFacts.ts: priority and facts from the store); the ledger's fields alone by default. */
  describeIncident?: (incident: IncidentRecord) => DeskIncident;
}

export interface OutboxWorker {
  /** Delivers every row due now; resolves with how many rows it handled. */
  runOnce(): Promise<number>;
  start(): void;
  /** Stops polling and waits for the delivery in flight. */
  stop(): Promise<void>;
  /** Seconds since its last pass ended (periodicLoop.ts): the lag of the job where it runs. */
  runAgeSeconds(): number | null;
}

/** Rows one pass claims: small, so collectors sharing the store spread the work and a claim is not held long before its call. */
const CLAIM_BATCH = 20;

interface Outcome {
  ticket: TicketRef | undefined;
  /** The ledger state after the call; undefined keeps the state recorded. */
  ticketState: 'open' | 'resolved' | undefined;
  text: string;
}

export function createOutboxWorker(options: OutboxWorkerOptions): OutboxWorker {
  const random = options.random ?? Math.random;
  const holder = options.holder ?? 'collector';
  const claimTimeoutMs = options.claimTimeoutMs ?? 60_000;
  const describe = options.describeIncident ?? plainDeskIncident;
  const coalesceWindowMs = options.coalesceWindowMs ?? 0;
  const buckets = options.rateLimits ?? new Map<string, TokenBucket>();
  /** Desks that answered 429 with Retry-After: no calls to them before this time. */
  const pausedUntilMs = new Map<string, number>();

  /** Coalescing of an update row, decided before any call: supersede, hold back, or deliver now. */
  const coalesce = (row: OutboxRow): 'superseded' | 'held' | 'deliver' => {
    if (row.operation !== 'update') return 'deliver';
    const later = options.store.outboxForIncident(row.incidentId).some((r) => r.desk === row.desk && r.id > row.id && r.state === 'pending' && ['update', 'resolve', 'reopen'].includes(r.operation));
    const nowMs = options.clock.nowMs();
    if (later) {
      options.store.transaction((tx) => tx.markOutboxSuperseded(row.id, nowMs));
      options.metrics.deskDeliveries.inc({ desk: row.desk, operation: row.operation, outcome: 'superseded' });
      return 'superseded';
    }
    const last = options.store.lastDeliveredAtMs(row.incidentId, row.desk, ['open', 'update', 'reopen']);
    if (last !== undefined && last + coalesceWindowMs > nowMs) {
      options.store.transaction((tx) => tx.markOutboxAttempt(row.id, row.attempts, last + coalesceWindowMs, row.lastError));
      return 'held';
    }
    return 'deliver';
  };

  const deliverRow = async (row: OutboxRow): Promise<void> => {
    const desk = options.desks.get(row.desk);
    const incident = options.store.getIncident(row.incidentId);
    const log = options.log.child({ outboxId: row.id, incidentId: row.incidentId, desk: row.desk, operation: row.operation });
    if (!desk || !incident) {
      options.store.transaction((tx) => tx.markOutboxDead(row.id, desk ? 'incident no longer exists' : `desk "${row.desk}" is not configured`));
      log.error('outbox row dead: desk or incident missing');
      return;
    }
    const attempt = row.attempts + 1;
    const held = options.store.transaction((tx) => tx.leaseOutbox(row.id, attempt, options.clock.nowMs() + claimTimeoutMs, holder));
    if (!held) {
      log.warn('claim ran out before the call: another collector delivers this row');
      return;
    }
    const context: DeliveryContext = { deliveryId: `${incident.key}-${row.id}`, attempt };
    try {
      const outcome = await perform(desk, row, incident, context);
      const nowMs = options.clock.nowMs();
      options.store.transaction((tx) => {
        const existing = options.store.getTicket(incident.id, desk.name);
        if (outcome.ticket) {
          tx.saveTicket({
            incidentId: incident.id,
            desk: desk.name,
            externalId: outcome.ticket.externalId,
            url: outcome.ticket.url,
            state: outcome.ticketState ?? existing?.state ?? 'open',
            createdAtMs: existing?.createdAtMs ?? nowMs,
            updatedAtMs: nowMs,
          });
        }
        tx.markOutboxDelivered(row.id, nowMs);
        tx.addIncidentEvent({ incidentId: incident.id, atMs: nowMs, kind: `desk-${row.operation}`, text: outcome.text, data: { desk: desk.name, ticket: outcome.ticket?.externalId ?? null, attempt } });
      });
      options.metrics.deskDeliveries.inc({ desk: desk.name, operation: row.operation, outcome: 'delivered' });
      log.info({ attempt, ticket: outcome.ticket?.externalId }, 'desk operation delivered');
    } catch (error) {
      handleFailure(row, incident, attempt, error, log);
    }
  };

  const perform = async (desk: DeskAdapter, row: OutboxRow, incident: IncidentRecord, context: DeliveryContext): Promise<Outcome> => {
    const ledger = options.store.getTicket(incident.id, desk.name);
    const ticketRef: TicketRef | undefined = ledger ? { externalId: ledger.externalId, url: ledger.url } : undefined;
    const payload = describe(incident);
    switch (row.operation) {
      case 'open': {
        if (ticketRef) return { ticket: ticketRef, ticketState: undefined, text: `ticket ${ticketRef.externalId} already recorded at ${desk.name}` };
        const { ticket, recovered } = await openOrRecover(desk, payload, context);
        const text = recovered ? `recovered ticket ${ticket.externalId} at ${desk.name} by incident key` : `ticket ${ticket.externalId} opened at ${desk.name}`;
        return { ticket, ticketState: 'open', text };
      }
      case 'update':
      case 'resolve':
      case 'reopen': {
        if (!ticketRef) throw missingTicket(row, desk.name);
        await desk[row.operation](payload, ticketRef, context);
        const verb = { update: 'updated', resolve: 'resolved', reopen: 're-opened' }[row.operation];
        const ticketState = row.operation === 'resolve' ? 'resolved' : row.operation === 'reopen' ? 'open' : undefined;
        return { ticket: ticketRef, ticketState, text: `ticket ${ticketRef.externalId} ${verb} at ${desk.name}` };
      }
      case 'comment': {
        if (!ticketRef) throw missingTicket(row, desk.name);
        await desk.comment(payload, ticketRef, row.note ?? '', context);
        return { ticket: ticketRef, ticketState: undefined, text: `comment added to ticket ${ticketRef.externalId} at ${desk.name}` };
      }
      case 'link':
        return link(desk, row, payload, ticketRef, context);
      default:
        return row.operation satisfies never;
    }
  };

  /** Puts the incident's ticket under its service incident's ticket, once both tickets exist. */
  const link = async (desk: DeskAdapter, row: OutboxRow, payload: DeskIncident, ticketRef: TicketRef | undefined, context: DeliveryContext): Promise<Outcome> => {
    if (!ticketRef) throw missingTicket(row, desk.name);
    const parent = row.linkIncidentId === null ? undefined : options.store.getIncident(row.linkIncidentId);
    if (!parent) throw new DeskError('TRIPLINE_DESK_REJECTED', 'link without a service incident', false);
    const parentLedger = options.store.getTicket(parent.id, desk.name);
    if (!parentLedger) throw missingTicket(row, desk.name, parent.id);
    const parentRef: TicketRef = { externalId: parentLedger.externalId, url: parentLedger.url };
    const done = await desk.link(payload, ticketRef, { incident: describe(parent), ticket: parentRef }, context);
    const text = done === 'linked' ? `ticket ${ticketRef.externalId} linked under service ticket ${parentRef.externalId} at ${desk.name}` : `${desk.name} cannot link tickets: ticket ${ticketRef.externalId} stays on its own`;
    return { ticket: ticketRef, ticketState: undefined, text };
  };

  /** An operation whose open (of this incident, or of the parent it links to) never produced a ticket: wait for it, unless the open is dead. */
  const missingTicket = (row: OutboxRow, deskName: string, incidentId = row.incidentId): DeskError => {
    const openDead = options.store.outboxForIncident(incidentId).some((r) => r.desk === deskName && r.operation === 'open' && r.state === 'dead');
    return openDead
      ? new DeskError('TRIPLINE_DESK_REJECTED', `no ticket at ${deskName}: opening it failed permanently`, false)
      : new DeskError('TRIPLINE_DESK_BAD_RESPONSE', `no ticket recorded yet at ${deskName}${incidentId === row.incidentId ? '' : ` for incident ${incidentId}`}`, true);
  };

  const handleFailure = (row: OutboxRow, incident: IncidentRecord, attempt: number, error: unknown, log: Logger): void => {
    const deskError = error instanceof DeskError ? error : new DeskError('TRIPLINE_DESK_BAD_RESPONSE', `unexpected adapter failure: ${(error as Error).message}`, true);
    const nowMs = options.clock.nowMs();
    const giveUp = !deskError.retryable || attempt >= options.maxAttempts;
    const retryAfter = deskError.details.retryAfterSeconds;
    if (retryAfter !== undefined) pausedUntilMs.set(row.desk, Math.max(pausedUntilMs.get(row.desk) ?? 0, nowMs + retryAfter * 1000));
    options.store.transaction((tx) => {
      if (giveUp) {
        tx.markOutboxDead(row.id, `${deskError.code}: ${deskError.message}`);
        tx.addIncidentEvent({ incidentId: incident.id, atMs: nowMs, kind: 'desk-dead-letter', text: `${row.operation} at ${row.desk} failed after ${attempt} attempt(s): ${deskError.message}`, data: { code: deskError.code, outboxId: row.id } });
      } else {
        const delay = retryDelaySeconds(attempt, { initialSeconds: options.initialBackoffSeconds, maxSeconds: options.maxBackoffSeconds }, random, retryAfter);
        tx.markOutboxAttempt(row.id, attempt, nowMs + Math.round(delay * 1000), `${deskError.code}: ${deskError.message}`);
      }
    });
    options.metrics.deskDeliveries.inc({ desk: row.desk, operation: row.operation, outcome: giveUp ? 'dead' : 'retry' });
    log[giveUp ? 'error' : 'warn']({ attempt, code: deskError.code, err: deskError.message }, giveUp ? 'desk operation failed permanently' : 'desk operation will be retried');
  };

  /** Whether the desk may be called now: not paused by a Retry-After, and a token in its bucket. */
  const mayCall = (desk: string): boolean => {
    if ((pausedUntilMs.get(desk) ?? 0) > options.clock.nowMs()) return false;
    return buckets.get(desk)?.tryTake() ?? true;
  };

  /** Hands claimed rows back undelivered, so the next pass here or elsewhere takes them at once. */
  const release = (rows: readonly OutboxRow[]): void => {
    if (rows.length === 0) return;
    const nowMs = options.clock.nowMs();
    options.store.transaction((tx) => {
      for (const row of rows) tx.releaseOutboxClaim(row.id, holder, nowMs);
    });
  };

  const runOnce = async (): Promise<number> => {
    const nowMs = options.clock.nowMs();
    const rows = options.store.transaction((tx) => tx.claimOutbox({ holder: holder, nowMs, untilMs: nowMs + claimTimeoutMs, limit: CLAIM_BATCH }));
    if (rows.length > 0) options.metrics.outboxClaimed.inc(rows.length);
    let handled = 0;
    const unsent: OutboxRow[] = [];
    for (const [index, row] of rows.entries()) {
      const plan = coalesce(row);
      if (plan === 'superseded') handled++;
      if (plan !== 'deliver') continue;
      if (!mayCall(row.desk)) {
        unsent.push(row);
        continue;
      }
      await deliverRow(row);
      handled++;
      if (loop.stopping()) {
        unsent.push(...rows.slice(index + 1));
        break;
      }
    }
    release(unsent);
    return handled;
  };

  const loop = createPeriodicLoop({
    run: runOnce,
    delayMs: (handled) => ((handled ?? 0) > 0 ? 0 : options.pollIntervalMs),
    firstDelayMs: 0,
    log: options.log,
    failureMessage: 'outbox pass failed',
  });

  return {
    runOnce,
    start() {
      if (!options.sharedStore) {
        const released = options.store.transaction((tx) => tx.releaseOutboxLeases(options.clock.nowMs()));
        if (released > 0) options.log.warn({ released }, 'deliveries in flight at the last stop are due again');
      }
      loop.start();
    },
    stop: () => loop.stop(),
    runAgeSeconds: () => loop.runAgeSeconds(),
  };
}
