/**
 * The incident core, wired once for every program that decides incidents: routing to the configured
 * desks, the lifecycle policy of the `incidents:` section, the environment (silences, maintenance
 * windows, topology) read from the store, and the incident service over them. The collector, the
 * operations the CLI runs, and backtests (live or in the benchmark) all build it here.
 */
import type { Logger } from 'pino';
import type { Config } from '../../config/configSchema.js';
import type { Clock } from '../clock.js';
import { routeEscalation, routeIncident, type RouteDecision } from '../desk/routeIncident.js';
import type { StoreReads } from '../store/store.js';
import { incidentPolicy, type IncidentPolicy } from './incidentPolicy.js';
import { createIncidentService, type IncidentEnvironment, type IncidentService } from './incidentService.js';
import { createStoreEnvironment } from './storeEnvironment.js';
import type { IncidentRecord } from '../domain/incident.js';
import type { IncidentPriorityRecord } from '../domain/incidentPriority.js';
import { classifyIncident, type Classification, type RuleUrgency } from '../services/priorityMatrix.js';
import { withPriorities, type RuleFacts } from '../services/priorityRecorder.js';
import { createServiceCatalogue, type ServiceCatalogue } from '../services/serviceCatalogue.js';

export interface IncidentCore {
  policy: IncidentPolicy;
  environment: IncidentEnvironment;
  service: IncidentService;
  /** The service catalogue of the config. */
  catalogue: ServiceCatalogue;
  /** An incident's services and priority by the matrix (what it opened with; SLA breaches raise the stored one). */
  classify(incident: Pick<IncidentRecord, 'host' | 'severity' | 'ruleName' | 'labels'>): Classification;
  /** The desks an SLA breach adds (routes matching the raised priority and `sla: breached`) beyond those holding its ticket. */
  routeEscalation(incident: IncidentRecord, record: IncidentPriorityRecord, ticketDesks: readonly string[]): RouteDecision;
}

export interface IncidentCoreOptions {
  store: Pick<StoreReads, 'listSilences' | 'listMaintenance' | 'listHosts'>;
  config: Pick<Config, 'incidents' | 'routing' | 'desks' | 'timeZone' | 'services' | 'priority'>;
  clock: Clock;
  log: Logger;
  /** Whether a new incident of a down rule waits for a ping verdict; as configured unless given (backtests ping nothing). */
  probeReachability?: boolean;
  /** The rules in force, for the urgency a rule states and its ticket facts; none when not given (operator commands open no incidents). */
  rules?: { urgency: RuleUrgency; facts: RuleFacts };
}

export function createIncidentCore(options: IncidentCoreOptions): IncidentCore {
  const { config } = options;
  const deskNames = config.desks.map((desk) => desk.name);
  const policy = incidentPolicy(config.incidents, { timeZone: config.timeZone, ...(options.probeReachability === undefined ? {} : { probeReachability: options.probeReachability }) });
  const environment = createStoreEnvironment(options.store, config.incidents, options.clock);
  const catalogue = createServiceCatalogue(config.services);
  const rules = options.rules ?? { urgency: () => undefined, facts: () => undefined };
  const classify: IncidentCore['classify'] = (incident) => classifyIncident(incident, catalogue, config.priority, rules.urgency);
  const route = (incident: IncidentRecord) => routeIncident(config.routing, deskNames, incident, { classification: classify(incident), catalogue });
  const service = withPriorities(createIncidentService({ route, policy, environment, log: options.log }), classify, rules.facts);
  const escalate: IncidentCore['routeEscalation'] = (incident, record, ticketDesks) =>
    routeEscalation(config.routing, incident, { services: record.services, impact: record.impact, urgency: record.urgency, priority: record.priority, reason: record.reason }, ticketDesks);
  return { policy, environment, service, catalogue, classify, routeEscalation: escalate };
}
