/**
 * Runs the SLA clocks (decideSla.ts) over the active incidents on a schedule and applies each
 * escalation in one store transaction: the raised priority, a timeline entry, an `update` to every
 * desk that has the incident's ticket (which then carries the new priority), and an `open` at each
 * desk that a route names for the escalated incident (`sla: breached`, the raised priority) and that
 * has no ticket of it yet, so a breach can bring in another team's desk.
 */
import type { Logger } from 'pino';
import type { PriorityConfig } from '../../config/servicesConfigSchema.js';
import type { Clock } from '../clock.js';
import type { RouteDecision } from '../desk/routeIncident.js';
import type { IncidentEvent, IncidentRecord } from '../domain/incident.js';
import type { IncidentPriorityRecord } from '../domain/incidentPriority.js';
import { createPeriodicLoop } from '../periodicLoop.js';
import type { Store } from '../store/store.js';
import type { BusinessCalendar } from './businessCalendar.js';
import { decideSla } from './decideSla.js';

export interface SlaWatcher {
  /** Checks every active incident now; returns how many it escalated. */
  runOnce(): number;
  start(): void;
  stop(): Promise<void>;
  /** Seconds since its last pass ended (periodicLoop.ts): the lag of the job where it runs. */
  runAgeSeconds(): number | null;
}

export interface SlaWatcherOptions {
  store: Store;
  sla: PriorityConfig['sla'];
  clock: Clock;
  log: Logger;
  intervalMs: number;
  calendar?: BusinessCalendar | undefined;
  /** The desks a breach adds (IncidentCore.routeEscalation); none when not given. */
  routeEscalation?: (incident: IncidentRecord, record: IncidentPriorityRecord, ticketDesks: readonly string[]) => RouteDecision;
}

export function createSlaWatcher(options: SlaWatcherOptions): SlaWatcher {
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
        if (!incident.ticketed) return; // held (silenced, in maintenance, waiting for reachability): its ticket opens with the raised priority when it is released
        const ticketDesks = tx.desksForIncident(incident.id);
        for (const desk of ticketDesks) tx.enqueueOutbox({ incidentId: incident.id, desk, operation: 'update', createdAtMs: nowMs });
        const route = options.routeEscalation?.(incident, decision.record, ticketDesks);
        if (!route || route.desks.length === 0) return;
        tx.addIncidentEvent({ incidentId: incident.id, atMs: nowMs, kind: 'routed', text: route.reason, data: { desks: route.desks } });
        for (const desk of route.desks) tx.enqueueOutbox({ incidentId: incident.id, desk, operation: 'open', createdAtMs: nowMs });
      });
      log.warn({ incidentId: incident.id, clock: decision.clock, priority: decision.record.priority }, 'SLA breached: incident escalated');
      escalated++;
    }
    return escalated;
  };
  const loop = createPeriodicLoop({ run: runOnce, delayMs: options.intervalMs, log, failureMessage: 'SLA check failed' });
  return { runOnce, start: () => loop.start(), stop: () => loop.stop(), runAgeSeconds: () => loop.runAgeSeconds() };
}

/** When the incident was first acknowledged, from its timeline. */
export function acknowledgedAtMs(events: readonly IncidentEvent[]): number | undefined {
  return events.find((event) => event.kind === 'acknowledged')?.atMs;
}
