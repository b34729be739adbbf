/**
 * `tripline tokens create|list|revoke` and `tripline audit`: named API tokens with a role, made and
 * revoked straight in the database (its file permissions are the authorization, as for `agents`),
 * and the audit log of operator actions. A new token is printed once; only its SHA-256 is kept.
 */
import { ROLES, type Role } from '../../collector/domain/apiToken.js';
import { formatTable } from '../formatTable.js';
import { CliError, cliActor, refusalsToStderr, reworded, withOperations } from './withOperations.js';

export function tokensCreateCommand(name: string, options: { config?: string; role: string }): number {
  if (!ROLES.includes(options.role as Role)) throw new CliError(`--role must be one of ${ROLES.join(', ')}, not ${JSON.stringify(options.role)}`);
  return withOperations(options.config, false, (operations) => {
    const made = reworded(
      () => operations.createToken({ name, role: options.role as Role, createdBy: cliActor() }),
      (error) => error.message,
    );
    process.stdout.write(`${made.token}\n`);
    process.stderr.write(`token ${made.name} (${made.role}) created; it is shown only this once: present it as "Authorization: Bearer <token>"\n`);
    return 0;
  });
}

export function tokensListCommand(options: { config?: string; json?: boolean }): number {
  return withOperations(options.config, true, (operations) => {
    const tokens = operations.listTokens();
    if (options.json) {
      process.stdout.write(`${JSON.stringify(tokens, null, 2)}\n`);
      return 0;
    }
    if (tokens.length === 0) {
      process.stdout.write('no API tokens (tripline tokens create NAME --role viewer|operator|admin)\n');
      return 0;
    }
    process.stdout.write(formatTable(['NAME', 'ROLE', 'CREATED', 'BY', 'REVOKED'], tokens.map((t) => [t.name, t.role, t.createdAt, t.createdBy, t.revokedAt ?? '-'])));
    return 0;
  });
}

export function tokensRevokeCommand(name: string, options: { config?: string }): number {
  return withOperations(options.config, false, (operations) =>
    refusalsToStderr(['not-found'], () => {
      operations.revokeToken(name);
      process.stdout.write(`revoked ${name}\n`);
      return 0;
    }),
  );
}

export function auditCommand(options: { config?: string; json?: boolean; limit?: string }): number {
  const limit = options.limit === undefined ? 100 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new CliError(`--limit must be a positive whole number, not ${JSON.stringify(options.limit)}`);
  return withOperations(options.config, true, (operations) => {
    const entries = operations.listAudit(limit);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
      return 0;
    }
    if (entries.length === 0) {
      process.stdout.write('no operator actions recorded\n');
      return 0;
    }
    process.stdout.write(formatTable(['ID', 'AT', 'ACTOR', 'ACTION', 'TARGET', 'DETAIL'], entries.map((e) => [String(e.id), e.at, e.actor, e.action, e.target, JSON.stringify(e.detail)])));
    return 0;
  });
}
