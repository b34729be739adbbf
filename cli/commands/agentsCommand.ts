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
