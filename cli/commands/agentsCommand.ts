/**
 * `tripline agents list [--json]` and `tripline agents revoke <id>`: enrolled agents, read and
 * revoked straight in the database (the file's permissions are the authorization), so they work
 * with the collector running or not. A revoked agent's reports are refused from its next request.
 */
import { formatTable } from '../formatTable.js';
import { refusalsToStderr, withOperations } from './withOperations.js';

export function agentsListCommand(options: { config?: string; json?: boolean }): number {
  return withOperations(options.config, true, (operations) => {
    const agents = operations.listAgents();
    if (options.json) {
      process.stdout.write(`${JSON.stringify(agents, null, 2)}\n`);
      return 0;
    }
    if (agents.length === 0) {
      process.stdout.write('no enrolled agents\n');
      return 0;
    }
    process.stdout.write(formatTable(['AGENT', 'HOSTNAME', 'ENROLLED', 'REVOKED'], agents.map((a) => [a.agentId, a.hostname, a.enrolledAt, a.revokedAt ?? '-'])));
    return 0;
  });
}

export function agentsRevokeCommand(agentId: string, options: { config?: string }): number {
  return withOperations(options.config, false, (operations) =>
    refusalsToStderr(['not-found'], () => {
      operations.revokeAgent(agentId);
      process.stdout.write(`revoked ${agentId}\n`);
      return 0;
    }),
  );
}

/** `tripline agents reset <hostname|agentId>`: forget the host's enrolment so a reimaged host enrols again under its hostname. */
export function agentsResetCommand(target: string, options: { config?: string; by?: string }): number {
  return withOperations(options.config, false, (operations) =>
    refusalsToStderr(['not-found'], () => {
      const result = operations.resetAgent(target, options.by ?? process.env.USER ?? 'cli');
      process.stdout.write(`reset the agent of ${result.hostname}: ${result.agents} enrolment(s) forgotten, ${result.resolvedIncidents.length} incident(s) resolved; the host may enrol again\n`);
      return 0;
    }),
  );
}

/** `tripline hosts list [--json]`: every host with its state and when it last reported. */
export function hostsListCommand(options: { config?: string; json?: boolean }): number {
  return withOperations(options.config, true, (operations) => {
    const hosts = operations.listHosts();
    if (options.json) {
      process.stdout.write(`${JSON.stringify(hosts, null, 2)}\n`);
      return 0;
    }
    if (hosts.length === 0) {
      process.stdout.write('no hosts have reported\n');
      return 0;
    }
    process.stdout.write(formatTable(['HOSTNAME', 'AGENT', 'STATE', 'LAST REPORT', 'INTERVAL', 'VERSION'], hosts.map((h) => [h.hostname, h.agentId, h.state, h.lastReportAt, `${h.intervalSeconds}s`, h.version])));
    return 0;
  });
}

/** `tripline hosts decommission <hostname>`: its agents revoked, its incidents resolved, its silence opens nothing; history kept. */
export function hostsDecommissionCommand(hostname: string, options: { config?: string; by?: string }): number {
  return withOperations(options.config, false, (operations) =>
    refusalsToStderr(['not-found'], () => {
      const result = operations.decommissionHost(hostname, options.by ?? process.env.USER ?? 'cli');
      process.stdout.write(`decommissioned ${result.hostname}: ${result.agents} agent(s) revoked, ${result.resolvedIncidents.length} incident(s) resolved; its history is kept\n`);
      return 0;
    }),
  );
}
