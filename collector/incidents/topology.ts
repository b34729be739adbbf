/**
 * Which hosts depend on which: parents declared in config (`incidents.topology.hosts`) plus, when
 * learning is on, the host whose address is an agent's default gateway. The agent reports its
 * addresses and default gateway when it can; a host without them simply has no learned parent.
 *
 * "Parent P is down" means: P has an active incident of a down rule on host P (default
 * `agent_silent`) that the collector's ping did not find reachable (verdict `host-down`, or not yet
 * probed), or an active incident of a target-down rule (default `ping_loss_high`) whose `target`
 * label is P.
 */
import { isIP } from 'node:net';
import type { IncidentsConfig } from '../../config/incidentsConfigSchema.js';
import type { IncidentRecord } from '../domain/incident.js';
import type { IncidentPolicy } from './incidentPolicy.js';

export interface Topology {
  parentsOf(host: string): readonly string[];
  /** The IP literal to ping for a host, if known. */
  addressOf(host: string): string | undefined;
  /** 0 for a host without parents; parents always have a lower depth than their children. */
  depthOf(host: string): number;
}

/** What the topology needs of a known host; `addresses` and `defaultGateway` may be missing. */
export interface TopologyHostFacts {
  hostname: string;
  addresses?: readonly string[];
  defaultGateway?: string | null;
}

export function buildTopology(config: IncidentsConfig['topology'], hosts: readonly TopologyHostFacts[]): Topology {
  const parents = new Map<string, string[]>();
  const addresses = new Map<string, string>();
  const byAddress = new Map<string, string>();
  for (const host of hosts) {
    for (const address of host.addresses ?? []) if (isIP(address)) byAddress.set(address, host.hostname);
    const first = (host.addresses ?? []).find((a) => isIP(a) !== 0);
    if (first) addresses.set(host.hostname, first);
  }
  for (const [name, declared] of Object.entries(config.hosts)) {
    if (declared.address && isIP(declared.address)) {
      addresses.set(name, declared.address);
      byAddress.set(declared.address, name);
    }
    parents.set(name, [...declared.parents]);
  }
  if (config.learnGateways) {
    for (const host of hosts) {
      const gateway = host.defaultGateway ? byAddress.get(host.defaultGateway) : undefined;
      if (!gateway || gateway === host.hostname) continue;
      const list = parents.get(host.hostname) ?? [];
      if (!list.includes(gateway)) parents.set(host.hostname, [...list, gateway]);
    }
  }
  const depths = new Map<string, number>();
  const depthOf = (host: string, seen: Set<string> = new Set()): number => {
    const known = depths.get(host);
    if (known !== undefined) return known;
    if (seen.has(host)) return 0; // a cycle in the declared topology: break it rather than loop
    seen.add(host);
    const depth = Math.max(-1, ...(parents.get(host) ?? []).map((p) => depthOf(p, seen))) + 1;
    depths.set(host, depth);
    return depth;
  };
  return {
    parentsOf: (host) => parents.get(host) ?? [],
    addressOf: (host) => addresses.get(host),
    depthOf: (host) => depthOf(host),
  };
}

/** Whether an active incident says its host (or target) is down, and which host that is. */
export function downHostOf(incident: IncidentRecord, policy: IncidentPolicy): string | undefined {
  if (incident.status !== 'open' && incident.status !== 'acknowledged') return undefined;
  // A host whose problem cleared is up, though its incident still settles before it resolves.
  if (incident.settlingSinceMs !== null) return undefined;
  if (policy.downRules.includes(incident.ruleName)) {
    const reachability = incident.why.reachability as { verdict?: string } | undefined;
    return reachability?.verdict === 'agent-down' ? undefined : incident.host;
  }
  if (policy.targetDownRules.includes(incident.ruleName)) return incident.labels.target || undefined;
  return undefined;
}

/** The first down parent of `host` (direct parents, then theirs), with the incident that says so. */
export function findDownParent(
  host: string,
  topology: Topology,
  downHosts: { get(host: string): IncidentRecord | undefined },
): { host: string; incident: IncidentRecord } | undefined {
  const seen = new Set<string>([host]);
  let frontier = [...topology.parentsOf(host)];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const parent of frontier) {
      if (seen.has(parent)) continue;
      seen.add(parent);
      const incident = downHosts.get(parent);
      if (incident) return { host: parent, incident };
      next.push(...topology.parentsOf(parent));
    }
    frontier = next;
  }
  return undefined;
}
