/**
 * Named API tokens with a role (viewer, operator, admin) and the audit log: create a token (its
 * secret shown once, kept only as its SHA-256; see collector/auth/apiTokens.ts), list and revoke
 * them, and read what was done under each name. The CLI creates tokens; the API reads the audit.
 */
import { newApiToken, TOKEN_NAME_PATTERN, tokenDigest } from '../auth/apiTokens.js';
import type { Clock } from '../clock.js';
import { ROLES, type ApiTokenRecord, type AuditEntry, type Role } from '../domain/apiToken.js';
import type { Store } from '../store/store.js';
import { OperationError } from './operationError.js';

export interface TokenOperations {
  /** Makes a token; invalid for a bad name or role, conflict for a name taken (revoked names stay taken). */
  createToken(input: { name: string; role: Role; createdBy: string }): { name: string; role: Role; token: string };
  /** Tokens, revoked ones included; never their secrets. */
  listTokens(): TokenView[];
  /** Revokes a token from its next request on; not-found when there is no such unrevoked token. */
  revokeToken(name: string): void;
  /** The newest audit entries first. */
  listAudit(limit?: number): AuditView[];
}

const NAME = new RegExp(TOKEN_NAME_PATTERN);

export function createTokenOperations({ store, clock }: { store: Store; clock: Clock }): TokenOperations {
  return {
    createToken({ name, role, createdBy }) {
      if (!NAME.test(name)) throw new OperationError('invalid', `token name ${JSON.stringify(name.slice(0, 80))} must be 1-64 of a-z 0-9 . _ @ - starting with a letter or digit`, { path: 'name', subject: 'field' });
      if (!ROLES.includes(role)) throw new OperationError('invalid', `role ${JSON.stringify(String(role).slice(0, 40))} must be one of ${ROLES.join(', ')}`, { path: 'role', subject: 'field' });
      const token = newApiToken();
      if (!store.insertApiToken({ name, role, tokenSha256: tokenDigest(token), createdAtMs: clock.nowMs(), createdBy })) {
        throw new OperationError('conflict', `a token named ${name} exists already (a revoked token's name is not reused, so the audit log stays unambiguous)`);
      }
      return { name, role, token };
    },
    listTokens: () => store.listApiTokens().map(tokenView),
    revokeToken(name) {
      if (!store.revokeApiToken(name, clock.nowMs())) throw new OperationError('not-found', `no unrevoked token named ${name}`);
    },
    listAudit: (limit = 100) => store.listAudit(Math.min(Math.max(1, limit), 10_000)).map(auditView),
  };
}

function tokenView(token: ApiTokenRecord) {
  return {
    name: token.name,
    role: token.role,
    createdAt: new Date(token.createdAtMs).toISOString(),
    createdBy: token.createdBy,
    revokedAt: token.revokedAtMs === null ? null : new Date(token.revokedAtMs).toISOString(),
  };
}

export type TokenView = ReturnType<typeof tokenView>;

function auditView(entry: AuditEntry) {
  return { id: entry.id, at: new Date(entry.atMs).toISOString(), actor: entry.actor, action: entry.action, target: entry.target, detail: JSON.parse(entry.detail) as unknown };
}

export type AuditView = ReturnType<typeof auditView>;
