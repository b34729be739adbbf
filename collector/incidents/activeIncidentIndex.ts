/**
 * The active incidents of one decision pass, indexed by host and by the host (or target) each says is
 * down, and kept current incident by incident. A storm (10,000 agents falling silent at once, each
 * signal opening an incident) then costs one lookup per signal instead of a scan of every active
 * incident, which made a pass quadratic in the size of the fleet.
 */
import type { IncidentRecord } from '../domain/incident.js';
import type { IncidentPolicy } from './incidentPolicy.js';
import { downHostOf } from './topology.js';

export interface ActiveIncidentIndex {
  /** Records `incident`'s current state: kept when open or acknowledged, dropped otherwise. */
  update(incident: IncidentRecord): void;
  delete(id: number): void;
  values(): IterableIterator<IncidentRecord>;
  /**
   * The host's own incident a new one of `fingerprint` would fold under: the oldest active one of the
   * host that has no parent incident, is of another fingerprint and is not waiting for a probe.
   */
  hostIncident(host: string, fingerprint: string): IncidentRecord | undefined;
  /** Which hosts (or targets) active incidents say are down: the first such incident for each. */
  readonly downHosts: { get(host: string): IncidentRecord | undefined };
}

export function createActiveIncidentIndex(active: readonly IncidentRecord[], policy: IncidentPolicy): ActiveIncidentIndex {
  const byId = new Map<number, IncidentRecord>();
  /** Per host, its active incidents, oldest first. */
  const byHost = new Map<string, IdOrdered>();
  /** Per down host (or target), the incidents that say so, oldest first. */
  const down = new Map<string, IdOrdered>();
  const downOf = new Map<number, string>();

  const leave = (groups: Map<string, IdOrdered>, key: string, id: number): void => {
    const group = groups.get(key);
    group?.incidents.delete(id);
    if (group?.incidents.size === 0) groups.delete(key);
  };
  const join = (groups: Map<string, IdOrdered>, key: string, incident: IncidentRecord): void => {
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = { incidents: new Map(), lastId: -Infinity }));
    putInIdOrder(group, incident);
  };
  const remove = (id: number): void => {
    const old = byId.get(id);
    if (old === undefined) return;
    byId.delete(id);
    leave(byHost, old.host, id);
    const downHost = downOf.get(id);
    if (downHost === undefined) return;
    downOf.delete(id);
    leave(down, downHost, id);
  };
  const update = (incident: IncidentRecord): void => {
    if (incident.status !== 'open' && incident.status !== 'acknowledged') return remove(incident.id);
    const old = byId.get(incident.id);
    if (old !== undefined && old.host !== incident.host) leave(byHost, old.host, incident.id);
    byId.set(incident.id, incident);
    join(byHost, incident.host, incident);
    const downHost = downHostOf(incident, policy);
    const before = downOf.get(incident.id);
    if (before !== undefined && before !== downHost) {
      leave(down, before, incident.id);
      downOf.delete(incident.id);
    }
    if (downHost === undefined) return;
    join(down, downHost, incident);
    downOf.set(incident.id, downHost);
  };
  for (const incident of active) update(incident);

  return {
    update,
    delete: remove,
    values: () => byId.values(),
    hostIncident(host, fingerprint) {
      for (const incident of byHost.get(host)?.incidents.values() ?? []) {
        if (incident.parentIncidentId === null && incident.fingerprint !== fingerprint && incident.hold !== 'probing') return incident;
      }
      return undefined;
    },
    downHosts: {
      get(host) {
        for (const incident of down.get(host)?.incidents.values() ?? []) return incident;
        return undefined;
      },
    },
  };
}

/** Incidents in id order (the store's order of active incidents), so "the first" is the oldest. */
interface IdOrdered {
  incidents: Map<number, IncidentRecord>;
  /** The highest id ever put in (an upper bound of the ids in `incidents`). */
  lastId: number;
}

function putInIdOrder(group: IdOrdered, incident: IncidentRecord): void {
  const { incidents } = group;
  if (incidents.has(incident.id)) return void incidents.set(incident.id, incident); // keeps its place
  incidents.set(incident.id, incident);
  if (incident.id > group.lastId) {
    group.lastId = incident.id;
    return;
  }
  // An older incident back among the active ones (rare): restore the order.
  const sorted = [...incidents.values()].sort((a, b) => a.id - b.id);
  incidents.clear();
  for (const entry of sorted) incidents.set(entry.id, entry);
}
