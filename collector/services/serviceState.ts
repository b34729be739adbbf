/**
 * A service's state, from its members' incidents, as a pure function. The rule:
 *
 * - An incident counts for a service when it is a host's (not a service incident), active (open or acknowledged), touches the service
 *   (see serviceCatalogue.ts) and is not held by a silence or a maintenance window (planned or
 *   deliberately ignored work does not make a service unwell).
 * - A member host is unhealthy while a counted incident of severity critical is on it.
 *
 * | own condition                                                        | own state   |
 * |---|---|
 * | member hosts known and fewer healthy than `minHealthy` (default 1)   | outage      |
 * | any counted critical incident                                        | degraded    |
 * | otherwise (warnings and infos are listed, they change nothing)       | operational |
 *
 * Then along `dependsOn`: a service is never better than the worst of the services it depends on
 * (Payments is down while its database is), and its reason says which one.
 */
import type { IncidentRecord } from '../domain/incident.js';
import { isServiceIncident } from '../domain/serviceIncident.js';
import type { CatalogueService, ServiceCatalogue } from './serviceCatalogue.js';

export type ServiceStateName = 'operational' | 'degraded' | 'outage';

export interface ServiceState {
  name: string;
  state: ServiceStateName;
  /** Why, in words: "pay-1 has a critical incident (#12)", "depends on database (outage)". */
  reason: string;
  /** Member hosts: those listed and those of its groups that have reported. */
  hosts: string[];
  unhealthyHosts: string[];
  /** The incidents that count for it, by id. */
  incidentIds: number[];
  /** The state from its own members, before dependencies. */
  ownState: ServiceStateName;
}

const RANK: Record<ServiceStateName, number> = { operational: 0, degraded: 1, outage: 2 };

/** Hosts as the store knows them: name and labels (for group membership). */
export interface KnownHost {
  hostname: string;
  labels: Readonly<Record<string, string>>;
}

/** Whether an incident counts towards service states (see the module comment). */
export function countsForService(incident: IncidentRecord): boolean {
  if (isServiceIncident(incident)) return false;
  const active = incident.status === 'open' || incident.status === 'acknowledged';
  return active && incident.hold !== 'silenced' && incident.hold !== 'maintenance';
}

export function decideServiceStates(catalogue: ServiceCatalogue, hosts: readonly KnownHost[], incidents: readonly IncidentRecord[]): ServiceState[] {
  const counted = incidents.filter(countsForService);
  const own = new Map(catalogue.services.map((service) => [service.name, ownState(service, hosts, counted)] as const));
  const resolved = new Map<string, ServiceState>();
  const resolve = (name: string): ServiceState => {
    const done = resolved.get(name);
    if (done) return done;
    const base = own.get(name)!;
    let result = base;
    for (const dependency of catalogue.get(name)?.dependsOn ?? []) {
      if (!own.has(dependency)) continue;
      const their = resolve(dependency);
      if (RANK[their.state] > RANK[result.state]) result = { ...result, state: their.state, reason: `depends on ${dependency} (${their.state}: ${their.reason})` };
    }
    resolved.set(name, result);
    return result;
  };
  return catalogue.services.map((service) => resolve(service.name));
}

function ownState(service: CatalogueService, hosts: readonly KnownHost[], counted: readonly IncidentRecord[]): ServiceState {
  const members = new Set(service.hosts);
  for (const host of hosts) if (service.hasHost(host.hostname, host.labels)) members.add(host.hostname);
  const mine = counted.filter((incident) => service.touches(incident.host, incident.labels));
  const critical = mine.filter((incident) => incident.severity === 'critical');
  const unhealthy = [...members].filter((host) => critical.some((incident) => (incident.host || incident.labels.host) === host)).sort();
  const base = { name: service.name, hosts: [...members].sort(), unhealthyHosts: unhealthy, incidentIds: mine.map((i) => i.id) };
  const minHealthy = service.minHealthy ?? 1;
  const healthy = members.size - unhealthy.length;
  if (members.size > 0 && healthy < minHealthy) {
    const reason = `${healthy} of ${members.size} member host(s) healthy, fewer than ${minHealthy} (unhealthy: ${unhealthy.join(', ')})`;
    return { ...base, state: 'outage', ownState: 'outage', reason };
  }
  if (critical.length > 0) {
    const reason = critical.map((incident) => `critical incident #${incident.id} ${incident.ruleName} on ${incident.host || '?'}`).join('; ');
    return { ...base, state: 'degraded', ownState: 'degraded', reason };
  }
  const reason = mine.length > 0 ? `${mine.length} non-critical incident(s), no critical one` : 'no active incident';
  return { ...base, state: 'operational', ownState: 'operational', reason };
}
