/**
 * Agent enrollment and administration.
 *
 * - `POST /api/v1/enroll` with `Authorization: Bearer <enrollment token>` and `{agentId, hostname}`
 *   answers `{agentId, credential}`: a random per-agent credential, stored only as its SHA-256. The
 *   agent then reports with it, and only under that agent id. An id can be enrolled once.
 * - `GET /api/v1/agents` and `POST /api/v1/agents/{id}/revoke` need an admin token
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
      if (holder !== undefined) throw new ApiError('TRIPLINE_CONFLICT', `host ${JSON.stringify(hostname)} is enrolled already, as agent ${holder.agentId}; revoke that agent first (tripline agents revoke ${holder.agentId})`);
      if (!store.enrollAgent({ agentId, hostname, credentialSha256: credentialDigest(credential), atMs: nowMs() })) {
        throw new ApiError('TRIPLINE_CONFLICT', `agent ${agentId} is already enrolled; a revoked id cannot enrol again`);
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
}
