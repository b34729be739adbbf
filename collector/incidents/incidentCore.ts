/**
 * The incident core, wired once for every program that decides incidents: routing to the configured
 * desks, the lifecycle policy of the `incidents:` section, the environment (silences, maintenance
 * windows, topology) read from the store, and the incident service over them. The collector, the
 * operations the CLI runs, and backtests (live or in the benchmark) all build it here.
 */
import type { Logger } from 'pino';
import type { Config } from '../../config/configSchema.js';
import type { Clock } from '../clock.js';
import { routeIncident } from '../desk/routeIncident.js';
import type { StoreReads } from '../store/store.js';
import { incidentPolicy, type IncidentPolicy } from './incidentPolicy.js';
import { createIncidentService, type IncidentEnvironment, type IncidentService } from './incidentService.js';
import { createStoreEnvironment } from './storeEnvironment.js';

export interface IncidentCore {
  policy: IncidentPolicy;
  environment: IncidentEnvironment;
  service: IncidentService;
}

export interface IncidentCoreOptions {
  store: Pick<StoreReads, 'listSilences' | 'listMaintenance' | 'listHosts'>;
  config: Pick<Config, 'incidents' | 'routing' | 'desks' | 'timeZone'>;
  clock: Clock;
  log: Logger;
  /** Whether a new incident of a down rule waits for a ping verdict; as configured unless given (backtests ping nothing). */
  probeReachability?: boolean;
}

export function createIncidentCore(options: IncidentCoreOptions): IncidentCore {
  const { config } = options;
  const deskNames = config.desks.map((desk) => desk.name);
  const policy = incidentPolicy(config.incidents, { timeZone: config.timeZone, ...(options.probeReachability === undefined ? {} : { probeReachability: options.probeReachability }) });
  const environment = createStoreEnvironment(options.store, config.incidents, options.clock);
  const service = createIncidentService({ route: (incident) => routeIncident(config.routing, deskNames, incident), policy, environment, log: options.log });
  return { policy, environment, service };
}
