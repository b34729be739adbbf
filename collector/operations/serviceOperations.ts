/**
 * The service view as an operator sees it: every service of the catalogue with its state now (by
 * the rule in services/serviceState.ts), its members and the incidents that count for it.
 */
import type { IncidentRecord } from '../domain/incident.js';
import type { ServiceCatalogue } from '../services/serviceCatalogue.js';
import { decideServiceStates, type ServiceState } from '../services/serviceState.js';
import type { Store } from '../store/store.js';
import type { ClassifyIncident } from './incidentOperations.js';
import { OperationError } from './operationError.js';
import { priorityViewOf } from '../services/priorityView.js';
import type { PriorityConfig } from '../../config/servicesConfigSchema.js';
import type { Clock } from '../clock.js';
import type { BusinessCalendar } from '../services/businessCalendar.js';
import { slaState, type SlaView } from '../services/decideSla.js';
import { acknowledgedAtMs } from '../services/slaWatcher.js';

export interface ServiceOperations {
  /** Every service with its state, in catalogue order. */
  listServices(): ServiceView[];
  /** One service; not-found when the catalogue has none of that name. */
  serviceDetail(name: string): ServiceView;
}

export function createServiceOperations({ store, catalogue, classify }: { store: Store; catalogue: ServiceCatalogue; classify: ClassifyIncident }): ServiceOperations {
  const states = (): { states: ServiceState[]; incidents: Map<number, IncidentRecord> } => {
    const active = store.listIncidents({ status: 'active', limit: 100_000 });
    const hosts = store.listHosts().map((host) => ({ hostname: host.hostname, labels: host.labels }));
    return { states: decideServiceStates(catalogue, hosts, active), incidents: new Map(active.map((incident) => [incident.id, incident] as const)) };
  };
  const view = (state: ServiceState, incidents: Map<number, IncidentRecord>): ServiceView => {
    const service = catalogue.get(state.name)!;
    return {
      name: service.name,
      description: service.description,
      owner: service.owner,
      impact: service.impact,
      state: state.state,
      reason: state.reason,
      ownState: state.ownState,
      dependsOn: [...service.dependsOn],
      desks: [...service.desks],
      members: { hosts: [...service.hosts], groups: [...service.groups], matchers: [...service.matchers] },
      minHealthy: service.minHealthy ?? null,
      hosts: state.hosts,
      unhealthyHosts: state.unhealthyHosts,
      incidents: state.incidentIds.map((id) => {
        const incident = incidents.get(id)!;
        const { priority } = priorityViewOf(store.incidentPriority(id), () => classify(incident));
        return { id, host: incident.host, ruleName: incident.ruleName, severity: incident.severity, status: incident.status, priority, summary: incident.summary };
      }),
    };
  };
  return {
    listServices() {
      const { states: all, incidents } = states();
      return all.map((state) => view(state, incidents));
    },
    serviceDetail(name) {
      if (!catalogue.get(name)) throw new OperationError('not-found', `no service named "${name}" (services: ${catalogue.services.map((s) => s.name).join(', ') || 'none configured'})`);
      const { states: all, incidents } = states();
      return view(all.find((state) => state.name === name)!, incidents);
    },
  };
}

/** An incident's SLA clocks now, from its recorded priority and first acknowledgement. */
export function slaOfIncident(store: Store, sla: PriorityConfig['sla'], clock: Clock, calendar?: BusinessCalendar): (incident: IncidentRecord) => SlaView | null {
  return (incident) => {
    const record = store.incidentPriority(incident.id);
    if (!record || sla[record.initialPriority] === undefined) return null;
    return slaState(incident, record, acknowledgedAtMs(store.incidentEvents(incident.id)), sla, clock.nowMs(), calendar);
  };
}

/** A service as the API and the CLI show it. */
export interface ServiceView {
  name: string;
  description: string;
  owner: string;
  impact: string;
  state: ServiceState['state'];
  reason: string;
  ownState: ServiceState['state'];
  dependsOn: string[];
  desks: string[];
  members: { hosts: string[]; groups: string[]; matchers: string[] };
  minHealthy: number | null;
  hosts: string[];
  unhealthyHosts: string[];
  incidents: Array<{ id: number; host: string; ruleName: string; severity: string; status: string; priority: string; summary: string }>;
}
