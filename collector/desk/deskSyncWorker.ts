/**
 * Two-way sync and the reconciler: at start and every `interval`, each ledger ticket worth a look
 * (active incidents, tickets we believe open, incidents changed within `lookback`) is read back
 * from its desk; `decideDeskSync` says what to do, and the effects (incident status, ledger,
 * outbox rows) and the reason (a `desk-sync` timeline event) commit together. Desks that cannot
 * be read back (webhook, e-mail, event APIs) are skipped. Calls go out one at a time.
 */
import type { Logger } from 'pino';
import type { SyncConfig } from '../../config/routingConfigSchema.js';
import type { Clock } from '../clock.js';
import type { TicketRecord } from '../domain/ticket.js';
import type { Store } from '../store/store.js';
import { createPeriodicLoop } from '../periodicLoop.js';
import { decideDeskSync, type SyncDecision } from './decideDeskSync.js';
import { DeskError, type DeskAdapter, type DeskTicketState, type TicketRef } from './deskAdapter.js';
import type { TokenBucket } from './tokenBucket.js';

export interface DeskSyncWorkerOptions {
  store: Store;
  desks: ReadonlyMap<string, DeskAdapter>;
  clock: Clock;
  log: Logger;
  policy: Pick<SyncConfig, 'onDeskResolved' | 'onProblemPersistsAfterClose'>;
  intervalMs: number;
  lookbackMs: number;
  /** Most tickets compared per pass. */
  batchSize?: number;
  /** The desks' token buckets, shared with the outbox worker; a desk out of tokens is compared next pass. */
  rateLimits?: ReadonlyMap<string, TokenBucket>;
}

export interface DeskSyncWorker {
  /** Compares one batch of tickets with their desks; resolves with the decisions that changed something. */
  runOnce(): Promise<SyncDecision[]>;
  start(): void;
  stop(): Promise<void>;
  /** Seconds since its last pass ended (periodicLoop.ts): the lag of the job where it runs. */
  runAgeSeconds(): number | null;
}

export function createDeskSyncWorker(options: DeskSyncWorkerOptions): DeskSyncWorker {
  const unreadable = new Set<string>();

  const pendingFor = (ticket: TicketRecord) => options.store.outboxForIncident(ticket.incidentId).some((r) => r.desk === ticket.desk && r.state === 'pending');

  const ask = async (desk: DeskAdapter, ticket: TicketRecord, key: string): Promise<{ state: DeskTicketState | undefined; found?: TicketRef } | 'skip'> => {
    const ref = { externalId: ticket.externalId, url: ticket.url };
    const state = await desk.fetchTicket(ref);
    if (state === 'unsupported') {
      unreadable.add(desk.name);
      return 'skip';
    }
    if (state !== undefined) return { state };
    const found = await desk.findByKey(key);
    return { state: undefined, ...(found && found !== 'unsupported' ? { found } : {}) };
  };

  const checkTicket = async (ticket: TicketRecord): Promise<SyncDecision | undefined> => {
    const desk = options.desks.get(ticket.desk);
    const incident = options.store.getIncident(ticket.incidentId);
    if (!desk || !incident || unreadable.has(desk.name) || pendingFor(ticket)) return undefined;
    if (options.rateLimits?.get(desk.name)?.tryTake() === false) return undefined;
    const log = options.log.child({ incidentId: incident.id, desk: desk.name, ticket: ticket.externalId });
    let answer;
    try {
      answer = await ask(desk, ticket, incident.key);
    } catch (error) {
      log.warn({ code: error instanceof DeskError ? error.code : 'error', err: (error as Error).message }, 'desk ticket could not be read back');
      return undefined;
    }
    if (answer === 'skip') return undefined;
    const nowMs = options.clock.nowMs();
    return options.store.transaction((tx) => {
      // Decide on fresh state: the incident or the outbox may have moved while the desk answered.
      const current = options.store.getIncident(incident.id)!;
      const ledger = options.store.getTicket(incident.id, desk.name);
      if (!ledger) return undefined;
      const decision = decideDeskSync({ incident: current, ledger, desk: answer.state, foundByKey: answer.found, pending: pendingFor(ledger), policy: options.policy, deskName: desk.name });
      tx.markTicketChecked(incident.id, desk.name, answer.state?.deskStatus ?? '(not found)', nowMs);
      if (decision.effects.length === 0) return undefined;
      for (const effect of decision.effects) {
        switch (effect.kind) {
          case 'ledger-state':
            tx.saveTicket({ ...ledger, state: effect.state, updatedAtMs: nowMs });
            break;
          case 'ledger-ticket':
            tx.saveTicket({ ...ledger, externalId: effect.ticket.externalId, url: effect.ticket.url, updatedAtMs: nowMs });
            break;
          case 'drop-ledger':
            tx.deleteTicket(incident.id, desk.name);
            break;
          case 'enqueue':
            tx.enqueueOutbox({ incidentId: incident.id, desk: desk.name, operation: effect.operation, createdAtMs: nowMs, ...(effect.note ? { note: effect.note } : {}) });
            break;
          case 'incident-status':
            tx.updateIncident(incident.id, { status: effect.status, updatedAtMs: nowMs, ...(effect.status === 'closed' && current.resolvedAtMs === null ? { resolvedAtMs: nowMs } : {}) });
            break;
          default:
            effect satisfies never;
        }
      }
      tx.addIncidentEvent({ incidentId: incident.id, atMs: nowMs, kind: 'desk-sync', text: decision.reason, data: { desk: desk.name, ticket: ledger.externalId, deskStatus: answer.state?.deskStatus ?? null } });
      log.info({ reason: decision.reason }, 'desk sync changed the incident or its ticket');
      return decision;
    });
  };

  const runOnce = async (): Promise<SyncDecision[]> => {
    const nowMs = options.clock.nowMs();
    const decisions: SyncDecision[] = [];
    for (const ticket of options.store.ticketsToCheck(nowMs - options.lookbackMs, options.batchSize ?? 200)) {
      if (loop.stopping()) break;
      const decision = await checkTicket(ticket);
      if (decision) decisions.push(decision);
    }
    return decisions;
  };

  const loop = createPeriodicLoop({
    run: runOnce,
    delayMs: options.intervalMs,
    firstDelayMs: 0,
    log: options.log,
    failureMessage: 'desk sync pass failed',
  });

  return {
    runOnce,
    start() {
      if (options.intervalMs > 0) loop.start();
    },
    stop: () => loop.stop(),
    runAgeSeconds: () => loop.runAgeSeconds(),
  };
}
