/**
 * Named API tokens and the audit log over the API, for admins only:
 *
 * - `POST /api/v1/tokens` `{name, role}` answers 201 `{name, role, token}`: the secret appears in
 *   this one answer (`Cache-Control: no-store`) and nowhere else: not in the list, not in the audit
 *   entry (which keeps the name and role), not in the log (request logging is off, and the route
 *   logs only the name).
 * - `GET /api/v1/tokens`: every token's name, role, who made it and when, revoked or not; never a
 *   secret or a digest.
 * - `POST /api/v1/tokens/{name}/revoke`: refused from the token's next request on.
 * - `GET /api/v1/audit[?limit=N]`: operator actions, newest first.
 *
 * Creating and revoking run as the calling token, so both are audited under its name.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TOKEN_NAME_PATTERN } from '../auth/apiTokens.js';
import { ROLES } from '../domain/apiToken.js';
import type { Operations } from '../operations/createOperations.js';
import { principalOf } from './apiAccess.js';
import { ErrorSchema } from './apiSchemas.js';

const TokenName = Type.String({ pattern: TOKEN_NAME_PATTERN, maxLength: 64 });
const RoleSchema = Type.Union(ROLES.map((role) => Type.Literal(role)));
const CreateBody = Type.Object({ name: TokenName, role: RoleSchema }, { additionalProperties: false });
const Created = Type.Object({ name: Type.String(), role: RoleSchema, token: Type.String() }, { additionalProperties: false });
const TokenSchema = Type.Object(
  { name: Type.String(), role: RoleSchema, createdAt: Type.String(), createdBy: Type.String(), revokedAt: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: false },
);
const AuditQuery = Type.Object({ limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$' })) }, { additionalProperties: false });

/** Registers the token and audit routes; `operationsFor` runs an operation as the request's token. */
export function registerTokenRoutes(app: FastifyInstance, operations: Operations, operationsFor: (request: FastifyRequest) => Operations): void {
  const admin = { access: 'admin' as const };
  app.get('/api/v1/tokens', { config: admin, schema: { summary: 'Named API tokens: name, role, who made them, revoked or not (never a secret)', response: { 200: Type.Object({ tokens: Type.Array(TokenSchema) }) } } }, async () => ({
    tokens: operations.listTokens(),
  }));
  app.post<{ Body: { name: string; role: (typeof ROLES)[number] } }>(
    '/api/v1/tokens',
    { config: admin, schema: { summary: 'Make a named token; its secret is in this answer only', body: CreateBody, response: { 201: Created, 400: ErrorSchema, 409: ErrorSchema } } },
    async (request, reply) => {
      const made = operationsFor(request).createToken({ name: request.body.name, role: request.body.role, createdBy: principalOf(request).name });
      request.log.info({ token: made.name, role: made.role }, 'API token created');
      return reply.code(201).header('cache-control', 'no-store').send(made);
    },
  );
  app.post<{ Params: { name: string } }>(
    '/api/v1/tokens/:name/revoke',
    { config: admin, schema: { summary: 'Revoke a named token from its next request on', params: Type.Object({ name: TokenName }), response: { 200: Type.Object({ name: Type.String(), revoked: Type.Literal(true) }), 404: ErrorSchema } } },
    async (request) => {
      operationsFor(request).revokeToken(request.params.name);
      request.log.info({ token: request.params.name }, 'API token revoked');
      return { name: request.params.name, revoked: true as const };
    },
  );
  app.get<{ Querystring: { limit?: string } }>(
    '/api/v1/audit',
    { config: admin, schema: { summary: 'Operator actions, newest first, under the name of the token (or cli:<user>) that did them', querystring: AuditQuery } },
    async (request) => ({ entries: operations.listAudit(request.query.limit === undefined ? 100 : Number(request.query.limit)) }),
  );
}
