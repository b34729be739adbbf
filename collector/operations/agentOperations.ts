/**
 * Enrolled agents and the hosts that report: list them, and revoke an enrolled agent's credential
 * (its reports are refused from its next request on).
 */
import type { Clock } from '../clock.js';
import type { EnrolledAgent } from '../domain/enrolledAgent.js';
import type { HostRecord } from '../domain/host.js';
import type { Store } from '../store/store.js';
import { OperationError } from './operationError.js';

export interface AgentOperations {
  /** Known hosts and their last report. */
  listHosts(): HostView[];
  /** Enrolled agents, revoked ones included. */
  listAgents(): AgentView[];
  /** Revokes an agent's credential; not-found when there is no such agent or it was revoked already. */
  revokeAgent(agentId: string): void;
}

export function createAgentOperations({ store, clock }: { store: Store; clock: Clock }): AgentOperations {
  return {
    listHosts: () => store.listHosts().map(hostView),
    listAgents: () => store.listAgents().map(agentView),
    revokeAgent(agentId) {
      if (!store.revokeAgent(agentId, clock.nowMs())) throw new OperationError('not-found', `no enrolled, unrevoked agent ${agentId}`);
    },
  };
}

function hostView(host: HostRecord) {
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
