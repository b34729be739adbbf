/**
 * Runs the SLA clocks (decideSla.ts) over the active incidents on a schedule and applies each
 * escalation in one store transaction: the raised priority, a timeline entry, and an `update` to
 * every desk that has the incident's ticket (which then carries the new priority).
 */
import type { Logger } from 'pino';
import type { PriorityConfig } from '../../config/servicesConfigSchema.js';
import type { Clock } from '../clock.js';
import type { IncidentEvent } from '../domain/incident.js';
import { createPeriodicLoop } from '../periodicLoop.js';
import type { Store } from '../store/store.js';
import type { BusinessCalendar } from './businessCalendar.js';
import { decideSla } from './decideSla.js';

export interface SlaWatcher {
  /** Checks every active incident now; returns how many it escalated. */
  runOnce(): number;
  start(): void;
  stop(): Promise<void>;
}

export function createSlaWatcher(options: { store: Store; sla: PriorityConfig['sla']; clock: Clock; log: Logger; intervalMs: number; calendar?: BusinessCalendar | undefined }): SlaWatcher {
  const { store, sla, clock, log } = options;
  const runOnce = (): number => {
    if (Object.keys(sla).length === 0) return 0;
    const nowMs = clock.nowMs();
    let escalated = 0;
    for (const incident of store.listIncidents({ status: 'active', limit: 100_000 })) {
      const record = store.incidentPriority(incident.id);
      if (!record || record.slaBreach !== null) continue;
      const decision = decideSla(incident, record, acknowledgedAtMs(store.incidentEvents(incident.id)), sla, nowMs, options.calendar);
      if (!decision.escalate) continue;
      store.transaction((tx) => {
        tx.saveIncidentPriority(decision.record);
        tx.addIncidentEvent({ incidentId: incident.id, atMs: nowMs, kind: 'sla-breach', text: decision.text, data: { clock: decision.clock, priority: decision.record.priority } });
        if (incident.ticketed) for (const desk of tx.desksForIncident(incident.id)) tx.enqueueOutbox({ incidentId: incident.id, desk, operation: 'update', createdAtMs: nowMs });
      });
      log.warn({ incidentId: incident.id, clock: decision.clock, priority: decision.record.priority }, 'SLA breached: incident escalated');
      escalated++;
    }
    return escalated;
  };
  const loop = createPeriodicLoop({ run: runOnce, delayMs: options.intervalMs, log, failureMessage: 'SLA check failed' });
  return { runOnce, start: () => loop.start(), stop: () => loop.stop() };
}

/** When the incident was first acknowledged, from its timeline. */
export function acknowledgedAtMs(events: readonly IncidentEvent[]): number | undefined {
  return events.find((event) => event.kind === 'acknowledged')?.atMs;
}
