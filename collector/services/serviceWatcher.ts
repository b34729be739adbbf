/**
 * Keeps the service view's stored history on a schedule: each service's state changes (the service
 * reports read them) and its service incidents (decideServiceIncident.ts), applied in one store
 * transaction per pass with their desk operations in the outbox:
 *
 * - open: the service incident, its priority (the service's impact with the most urgent of its
 *   host incidents' urgencies, through the matrix), and an `open` at every desk that has one of
 *   its host incidents' tickets, plus the service's own desks;
 * - link: each host incident is recorded under it, and a `link` at each desk of its ticket (the
 *   parent's `open` is queued there first if the parent had no ticket at that desk yet);
 * - resolve: the service incident resolves and a `resolve` goes to each desk of its tickets.
 *
 * Everything is read again from the store on each pass, so a restart neither loses nor repeats
 * anything: an active service incident is found by its fingerprint, and links are unique.
 */
import type { Logger } from 'pino';
import { LEVELS, type Level, type PriorityConfig } from '../../config/servicesConfigSchema.js';
import type { Clock } from '../clock.js';
import type { IncidentRecord } from '../domain/incident.js';
import { SERVICE_INCIDENT_RULE, serviceIncidentFingerprint } from '../domain/serviceIncident.js';
import { createPeriodicLoop } from '../periodicLoop.js';
import type { Store, StoreTransaction } from '../store/store.js';
import { decideServiceIncident } from './decideServiceIncident.js';
import type { CatalogueService, ServiceCatalogue } from './serviceCatalogue.js';
import { decideServiceStates, type ServiceState } from './serviceState.js';

export interface ServiceWatcherOptions {
  store: Store;
  catalogue: ServiceCatalogue;
  priority: Pick<PriorityConfig, 'matrix'>;
  clock: Clock;
  log: Logger;
  intervalMs: number;
}

/** What one pass did. */
export interface ServiceWatcherPass {
  stateChanges: number;
  opened: number[];
  linked: number[];
  resolved: number[];
}

export interface ServiceWatcher {
  runOnce(): ServiceWatcherPass;
  start(): void;
  stop(): Promise<void>;
  /** Seconds since its last pass ended (periodicLoop.ts): the lag of the job where it runs. */
  runAgeSeconds(): number | null;
}

export function createServiceWatcher(options: ServiceWatcherOptions): ServiceWatcher {
  const { store, catalogue, clock, log } = options;
  const runOnce = (): ServiceWatcherPass => {
    const pass: ServiceWatcherPass = { stateChanges: 0, opened: [], linked: [], resolved: [] };
    if (catalogue.services.length === 0) return pass;
    const nowMs = clock.nowMs();
    store.transaction((tx) => {
      const active = tx.activeIncidents();
      const byId = new Map(active.map((incident) => [incident.id, incident] as const));
      const hosts = store.listHosts().map((host) => ({ hostname: host.hostname, labels: host.labels }));
      const states = decideServiceStates(catalogue, hosts, active);
      const recorded = new Map(store.latestServiceStates().map((change) => [change.service, change.state] as const));
      for (const state of states) {
        if (recorded.get(state.name) !== state.state) {
          tx.recordServiceState({ service: state.name, state: state.state, atMs: nowMs, reason: state.reason });
          pass.stateChanges++;
        }
        applyService(tx, catalogue.get(state.name)!, state, byId, nowMs, pass);
      }
    });
    if (pass.opened.length + pass.linked.length + pass.resolved.length > 0) log.info(pass, 'service incidents changed');
    return pass;
  };

  const applyService = (tx: StoreTransaction, service: CatalogueService, state: ServiceState, byId: Map<number, IncidentRecord>, nowMs: number, pass: ServiceWatcherPass): void => {
    const current = tx.findActiveIncident(serviceIncidentFingerprint(service.name));
    const links = store.serviceIncidentLinks({ service: service.name });
    const children = current ? links.filter((l) => l.serviceIncidentId === current.id).map((l) => tx.getIncident(l.incidentId)).filter((i): i is IncidentRecord => i !== undefined) : [];
    const decision = decideServiceIncident({
      state,
      active: current,
      children,
      linkedIds: new Set(links.map((l) => l.incidentId)),
      counted: state.incidentIds.map((id) => byId.get(id)).filter((i): i is IncidentRecord => i !== undefined),
    });
    switch (decision.kind) {
      case 'none':
        return;
      case 'open': {
        const parent = openServiceIncident(tx, service, state, decision.children, decision.text, nowMs);
        for (const desk of new Set([...decision.children.flatMap((child) => tx.desksForIncident(child.id)), ...service.desks])) {
          tx.enqueueOutbox({ incidentId: parent.id, desk, operation: 'open', createdAtMs: nowMs });
        }
        linkChildren(tx, service, parent, decision.children, nowMs);
        pass.opened.push(parent.id);
        pass.linked.push(...decision.children.map((child) => child.id));
        return;
      }
      case 'link':
        tx.addIncidentEvent({ incidentId: current!.id, atMs: nowMs, kind: 'service-link', text: decision.text, data: { incidents: decision.children.map((c) => c.id) } });
        linkChildren(tx, service, current!, decision.children, nowMs);
        pass.linked.push(...decision.children.map((child) => child.id));
        return;
      case 'resolve':
        tx.updateIncident(current!.id, { status: 'resolved', resolvedAtMs: nowMs, updatedAtMs: nowMs });
        tx.addIncidentEvent({ incidentId: current!.id, atMs: nowMs, kind: 'resolved', text: decision.text, data: {} });
        for (const desk of tx.desksForIncident(current!.id)) tx.enqueueOutbox({ incidentId: current!.id, desk, operation: 'resolve', createdAtMs: nowMs });
        pass.resolved.push(current!.id);
        return;
      default:
        decision satisfies never;
    }
  };

  const openServiceIncident = (tx: StoreTransaction, service: CatalogueService, state: ServiceState, children: readonly IncidentRecord[], text: string, nowMs: number): IncidentRecord => {
    const unhealthy = state.unhealthyHosts.length > 0 ? ` (${state.unhealthyHosts.length} of ${state.hosts.length} member hosts unhealthy: ${state.unhealthyHosts.join(', ')})` : '';
    const parent = tx.insertIncident({
      key: `tripline-service-${service.name}-${nowMs.toString(36)}`,
      fingerprint: serviceIncidentFingerprint(service.name),
      ruleName: SERVICE_INCIDENT_RULE,
      ruleVersion: '1',
      host: '',
      severity: 'critical',
      summary: `Service ${service.name} is ${state.ownState}${unhealthy}`,
      description: [service.description, `The host incidents of this service are linked under this one; it resolves when the last of them does.`, `Owner: ${service.owner || 'not stated'}.`].filter(Boolean).join('\n'),
      labels: { service: service.name },
      status: 'open',
      openedAtMs: nowMs,
      resolvedAtMs: null,
      updatedAtMs: nowMs,
      why: { service: service.name, state: state.ownState, reason: state.reason, incidents: children.map((c) => c.id) },
    });
    const urgency = mostUrgent(children.map((child) => store.incidentPriority(child.id)?.urgency ?? 'high'));
    const priority = options.priority.matrix[service.impact][urgency];
    tx.saveIncidentPriority({
      incidentId: parent.id,
      services: [service.name],
      impact: service.impact,
      urgency,
      priority,
      initialPriority: priority,
      reason: `impact ${service.impact} (service ${service.name}) x urgency ${urgency} (the most urgent of its host incidents) = ${priority}`,
      slaBreach: null,
    });
    tx.addIncidentEvent({ incidentId: parent.id, atMs: nowMs, kind: 'opened', text, data: { service: service.name, incidents: children.map((c) => c.id) } });
    return parent;
  };

  const linkChildren = (tx: StoreTransaction, service: CatalogueService, parent: IncidentRecord, children: readonly IncidentRecord[], nowMs: number): void => {
    for (const child of children) {
      if (!tx.linkServiceIncident({ serviceIncidentId: parent.id, incidentId: child.id, service: service.name, linkedAtMs: nowMs })) continue;
      tx.addIncidentEvent({ incidentId: child.id, atMs: nowMs, kind: 'service-link', text: `linked under service incident #${parent.id} (${service.name})`, data: { serviceIncidentId: parent.id, service: service.name } });
      const parentDesks = new Set(tx.desksForIncident(parent.id));
      for (const desk of tx.desksForIncident(child.id)) {
        if (!parentDesks.has(desk)) tx.enqueueOutbox({ incidentId: parent.id, desk, operation: 'open', createdAtMs: nowMs });
        tx.enqueueOutbox({ incidentId: child.id, desk, operation: 'link', createdAtMs: nowMs, linkIncidentId: parent.id });
      }
    }
  };

  const loop = createPeriodicLoop({ run: runOnce, delayMs: options.intervalMs, log, failureMessage: 'service watch failed' });
  return { runOnce, start: () => loop.start(), stop: () => loop.stop(), runAgeSeconds: () => loop.runAgeSeconds() };
}

function mostUrgent(levels: readonly Level[]): Level {
  return levels.reduce<Level>((best, level) => (LEVELS.indexOf(level) < LEVELS.indexOf(best) ? level : best), 'low');
}
