/**
 * Enrolled agents and the hosts that report: list them, revoke an enrolled agent's credential
 * (its reports are refused from its next request on), decommission a host, and reset a host's
 * agent so that a reimaged host enrols again under the same hostname.
 */
import type { Clock } from '../clock.js';
import type { EnrolledAgent } from '../domain/enrolledAgent.js';
import type { HostRecord } from '../domain/host.js';
import type { IncidentService } from '../incidents/incidentService.js';
import type { Store } from '../store/store.js';
import { OperationError } from './operationError.js';

export interface AgentOperations {
  /** Known hosts and their last report. */
  listHosts(): HostView[];
  /** Enrolled agents, revoked ones included. */
  listAgents(): AgentView[];
  /** Revokes an agent's credential; not-found when there is no such agent or it was revoked already. */
  revokeAgent(agentId: string): void;
  /**
   * Decommissions a host: its agents' credentials are revoked, its silence opens no ticket, its
   * active incidents resolve with the reason "host decommissioned" (the desk hears it); its history
   * is kept for retention. Not-found when no host or agent has that name.
   */
  decommissionHost(hostname: string, by: string): HostLifecycleResult;
  /**
   * Resets a host's agent (by hostname or agent id) for a reimage: its enrolment is forgotten, so the
   * host enrols again under the same hostname (with a new agent id or the old one); until it
   * reports again, its silence opens nothing and its active incidents resolve ("agent reset").
   */
  resetAgent(hostnameOrAgentId: string, by: string): HostLifecycleResult;
}

/** What a decommission or reset changed. */
export interface HostLifecycleResult {
  hostname: string;
  hosts: number;
  agents: number;
  /** The incidents it resolved. */
  resolvedIncidents: number[];
}

export function createAgentOperations({ store, clock, incidents }: { store: Store; clock: Clock; incidents: IncidentService }): AgentOperations {
  const retire = (hostname: string, enrolment: 'revoke' | 'forget', by: string): HostLifecycleResult => {
    const nowMs = clock.nowMs();
    return store.transaction((tx) => {
      const changed = tx.retireHost(hostname, nowMs, enrolment);
      if (changed.hosts + changed.agents === 0 && !store.listHosts().some((host) => host.hostname === hostname)) {
        throw new OperationError('not-found', `no host or enrolled agent named ${hostname}`);
      }
      const kind = enrolment === 'revoke' ? 'host decommissioned' : 'agent reset';
      const resolvedIncidents = incidents.retire(tx, (incident) => (incident.host === hostname ? { kind, host: hostname, by } : undefined), nowMs);
      return { hostname, ...changed, resolvedIncidents };
    });
  };
  return {
    listHosts: () => store.listHosts().map((host) => hostView(host, clock.nowMs())),
    listAgents: () => store.listAgents().map(agentView),
    revokeAgent(agentId) {
      if (!store.revokeAgent(agentId, clock.nowMs())) throw new OperationError('not-found', `no enrolled, unrevoked agent ${agentId}`);
    },
    decommissionHost: (hostname, by) => retire(hostname, 'revoke', by),
    resetAgent(hostnameOrAgentId, by) {
      const byId = store.listAgents().find((agent) => agent.agentId === hostnameOrAgentId) ?? store.listHosts().find((host) => host.agentId === hostnameOrAgentId);
      return retire(byId?.hostname ?? hostnameOrAgentId, 'forget', by);
    },
  };
}

/** A host reports while it missed fewer than 3 of its intervals. */
const SILENT_AFTER_INTERVALS = 3;

function hostView(host: HostRecord, nowMs: number) {
  const silent = nowMs - host.lastReportAtMs > SILENT_AFTER_INTERVALS * host.intervalSeconds * 1000;
  return {
    agentId: host.agentId,
    hostname: host.hostname,
    labels: host.labels,
    version: host.version,
    intervalSeconds: host.intervalSeconds,
    lastSequence: host.lastSequence,
    firstSeenAt: iso(host.firstSeenAtMs),
    lastReportAt: iso(host.lastReportAtMs),
    addresses: host.addresses,
    defaultGateway: host.defaultGateway,
    inventory: host.inventory,
    state: host.decommissionedAtMs !== null ? ('decommissioned' as const) : silent ? ('silent' as const) : ('reporting' as const),
    decommissionedAt: host.decommissionedAtMs === null ? null : iso(host.decommissionedAtMs),
  };
}

export type HostView = ReturnType<typeof hostView>;

function agentView(agent: EnrolledAgent) {
  return {
    agentId: agent.agentId,
    hostname: agent.hostname,
    enrolledAt: iso(agent.enrolledAtMs),
    revokedAt: agent.revokedAtMs === null ? null : iso(agent.revokedAtMs),
  };
}

export type AgentView = ReturnType<typeof agentView>;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
