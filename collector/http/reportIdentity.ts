/**
 * Whether a report may speak for the agent and host it names, given who presented it: no agent
 * speaks for another.
 *
 * | credential               | agent.id                         | agent.hostname                                  | verdict |
 * |--------------------------|----------------------------------|-------------------------------------------------|---------|
 * | an enrolled agent's      | its own                          | the one it enrolled with                        | allowed |
 * | an enrolled agent's      | another                          | any                                             | 403     |
 * | an enrolled agent's      | its own                          | another                                         | 403     |
 * | a shared agent token     | an enrolled id (revoked or not)  | any                                             | 403     |
 * | a shared agent token     | not enrolled                     | the host of an enrolled agent (not revoked)     | 403     |
 * | a shared agent token     | not enrolled                     | no enrolled agent's                             | allowed |
 *
 * Shared tokens (`collector.agentTokens`) are still what `tripline start` and agents that do not
 * enrol use; they speak for any agent and host that no enrolled agent holds.
 */
import type { EnrolledAgent } from '../domain/enrolledAgent.js';
import type { ReportAuth } from './agentAuthenticator.js';

/** What the identity check reads of the enrolled agents: the agent of the claimed id and the active ones of the claimed host (Store.agentsClaimed), in one read. */
export interface EnrolledAgentLookup {
  agentsClaimed(agentId: string, hostname: string): readonly EnrolledAgent[];
}

/** Why the credential may not send this report, or undefined when it may. */
export function reportIdentityProblem(auth: Exclude<ReportAuth, { kind: 'revoked' }>, claimed: { id: string; hostname: string }, agents: EnrolledAgentLookup): string | undefined {
  switch (auth.kind) {
    case 'agent':
      if (auth.agentId !== claimed.id) return `this credential belongs to agent ${auth.agentId}, not ${claimed.id}`;
      if (auth.hostname !== claimed.hostname) {
        return `agent ${auth.agentId} enrolled as host ${JSON.stringify(auth.hostname)} and cannot report as ${JSON.stringify(claimed.hostname)}; a renamed host enrols again under a new agent id`;
      }
      return undefined;
    case 'token': {
      const concerned = agents.agentsClaimed(claimed.id, claimed.hostname);
      if (concerned.some((agent) => agent.agentId === claimed.id)) return `agent ${claimed.id} is enrolled: only its own credential may report for it, not a shared agent token`;
      const holder = concerned.find((agent) => agent.hostname === claimed.hostname && agent.revokedAtMs === null);
      if (holder !== undefined) return `host ${JSON.stringify(claimed.hostname)} belongs to enrolled agent ${holder.agentId}: only its credential may report for it`;
      return undefined;
    }
    default:
      return assertNever(auth);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected credential kind ${JSON.stringify(value)}`);
}
