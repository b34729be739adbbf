/**
 * Agent enrollment and administration.
 *
 * - `POST /api/v1/enroll` with `Authorization: Bearer <enrollment token>` and `{agentId, hostname}`
 *   answers `{agentId, credential}`: a random per-agent credential, stored only as its SHA-256. The
 *   agent then reports with it, and only under that agent id. An id can be enrolled once.
 * - `GET /api/v1/agents`, `POST /api/v1/agents/{id}/revoke`, `POST /api/v1/agents/{id}/reset` (a
 *   reimaged host: forget its enrolment so it enrols again) and `POST /api/v1/hosts/{hostname}/decommission`
 *   need an admin token
 *   (`collector.adminTokens`); with none configured they always answer 401. The CLI
 *   (`tripline agents list|revoke`) works on the database directly instead.
 */
import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import { HOSTNAME_PATTERN } from '../../contract/report.js';
import type { Operations } from '../operations/createOperations.js';
import type { Store } from '../store/store.js';
import { createAgentAuthenticator, credentialDigest } from './agentAuthenticator.js';
import { principalOf } from './apiAccess.js';
import { ApiError } from './apiErrors.js';

const EnrollBody = Type.Object(
  {
    agentId: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' }),
    hostname: Type.String({ minLength: 1, maxLength: 253, pattern: HOSTNAME_PATTERN }),
  },
  { additionalProperties: false },
);
const EnrollAnswer = Type.Object({ agentId: Type.String(), credential: Type.String() }, { additionalProperties: false });
const AgentIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' }) });

/** Dependencies of the agent routes: the store records enrollments, the operations list and revoke. */
export interface AgentRoutesOptions {
  store: Store;
  operations: Operations;
  enrollmentTokens: readonly string[];
  /** The onRequest hook that admits admins (AccessControl.require('admin')). */
  requireAdmin: onRequestHookHandler;
  /** The operations a request runs as its token (audited under its name). */
  operationsFor: (request: FastifyRequest) => Operations;
  nowMs: () => number;
}

export function registerAgentRoutes(app: FastifyInstance, { store, operations, operationsFor, enrollmentTokens, requireAdmin, nowMs }: AgentRoutesOptions): void {
  const enrollmentToken = createAgentAuthenticator(enrollmentTokens);

  app.post<{ Body: { agentId: string; hostname: string } }>(
    '/api/v1/enroll',
    {
      schema: { body: EnrollBody, response: { 200: EnrollAnswer } },
      config: { access: 'agent' },
      onRequest: async (request, reply) => {
        if (!enrollmentToken(request.headers.authorization)) {
          reply.header('www-authenticate', 'Bearer');
          throw new ApiError('TRIPLINE_UNAUTHORIZED', 'missing or invalid enrollment token');
        }
      },
    },
    async (request) => {
      const credential = randomBytes(32).toString('base64url');
      const { agentId, hostname } = request.body;
      const holder = store.activeAgentsOnHost(hostname)[0];
      if (holder !== undefined) {
        throw new ApiError(
          'TRIPLINE_CONFLICT',
          `host ${JSON.stringify(hostname)} is enrolled already, as agent ${holder.agentId} (since ${new Date(holder.enrolledAtMs).toISOString()}); if the host was reimaged, reset its agent first (tripline agents reset ${hostname})`,
        );
      }
      if (!store.enrollAgent({ agentId, hostname, credentialSha256: credentialDigest(credential), atMs: nowMs() })) {
        throw new ApiError('TRIPLINE_CONFLICT', enrolledIdConflict(store, agentId));
      }
      request.log.info({ agentId, hostname }, 'agent enrolled');
      return { agentId, credential };
    },
  );

  app.get('/api/v1/agents', { config: { access: 'admin' }, onRequest: requireAdmin }, async () => ({ agents: operations.listAgents() }));

  app.post<{ Params: { id: string } }>('/api/v1/agents/:id/revoke', { config: { access: 'admin' }, onRequest: requireAdmin, schema: { params: AgentIdParams } }, async (request) => {
    const { id } = request.params;
    operationsFor(request).revokeAgent(id);
    request.log.info({ agentId: id }, 'agent revoked');
    return { agentId: id, revoked: true };
  });

  app.post<{ Params: { id: string } }>(
    '/api/v1/agents/:id/reset',
    { config: { access: 'admin' }, onRequest: requireAdmin, preValidation: noBody, schema: { params: AgentIdParams } },
    async (request) => operationsFor(request).resetAgent(request.params.id, principalOf(request).name),
  );
  app.post<{ Params: { hostname: string } }>(
    '/api/v1/hosts/:hostname/decommission',
    { config: { access: 'admin' }, onRequest: requireAdmin, preValidation: noBody, schema: { params: Type.Object({ hostname: Type.String({ minLength: 1, maxLength: 253, pattern: HOSTNAME_PATTERN }) }) } },
    async (request) => operationsFor(request).decommissionHost(request.params.hostname, principalOf(request).name),
  );
}

/**
 * Reset and decommission take no body (none, or `{}`): who acted is the token's name, so a
 * free-text `by` is refused with its field path, as acknowledge refuses it.
 */
async function noBody(request: FastifyRequest): Promise<void> {
  const body = request.body as unknown;
  if (body === undefined || body === null) return;
  const field = typeof body === 'object' && !Array.isArray(body) ? Object.keys(body)[0] : '';
  if (field === undefined) return;
  const path = field === '' ? 'body' : `body/${field}`;
  throw new ApiError('TRIPLINE_VALIDATION_FAILED', `${path} is not accepted: this action takes no body (it is recorded under the token's name)`, path);
}

/** The truth about an agent id that cannot enrol: enrolled now, or revoked (and how to let it in again). */
function enrolledIdConflict(store: Store, agentId: string): string {
  const agent = store.listAgents().find((a) => a.agentId === agentId);
  if (agent?.revokedAtMs != null) {
    return `agent ${agentId} (host ${agent.hostname}) was revoked at ${new Date(agent.revokedAtMs).toISOString()}; a revoked agent id cannot enrol again. Reset it to let it enrol (tripline agents reset ${agentId})`;
  }
  const since = agent ? ` (host ${agent.hostname}, since ${new Date(agent.enrolledAtMs).toISOString()})` : '';
  return `agent ${agentId} is enrolled already${since}; if its host was reimaged, reset it first (tripline agents reset ${agentId})`;
}
