/**
 * The incident service's environment in the collector: silences and maintenance windows from the
 * store, the topology from config plus what agents report (rebuilt at most every `topologyTtlMs`).
 */
import type { IncidentsConfig } from '../../config/incidentsConfigSchema.js';
import type { Clock } from '../clock.js';
import type { HostRecord } from '../domain/host.js';
import type { StoreReads } from '../store/store.js';
import type { IncidentEnvironment } from './incidentService.js';
import { buildTopology, type Topology, type TopologyHostFacts } from './topology.js';

export function createStoreEnvironment(
  store: Pick<StoreReads, 'listSilences' | 'listMaintenance' | 'listHosts'>,
  config: IncidentsConfig,
  clock: Clock,
  topologyTtlMs = 30_000,
): IncidentEnvironment {
  let cached: { topology: Topology; builtAtMs: number } | undefined;
  return {
    silences: (nowMs) => store.listSilences(nowMs),
    maintenance: () => store.listMaintenance(),
    topology: () => {
      const nowMs = clock.nowMs();
      if (!cached || nowMs - cached.builtAtMs >= topologyTtlMs) {
        cached = { topology: buildTopology(config.topology, store.listHosts().map(hostFacts)), builtAtMs: nowMs };
      }
      return cached.topology;
    },
  };
}

/** What topology needs of a host: its addresses and default gateway, as its agent last reported them. */
export function hostFacts(host: HostRecord): TopologyHostFacts {
  return { hostname: host.hostname, addresses: host.addresses, defaultGateway: host.defaultGateway };
}
