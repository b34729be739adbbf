/**
 * Who may call which route. Every route has an access: `public` (health, readiness, metrics),
 * `agent` (report intake and enrollment, which check their own credentials), or the least role
 * (`viewer`, `operator`, `admin`) of the API token it needs. A route states it in its `config.access`;
 * without one, reads (GET, HEAD) need a viewer and everything else an operator, so a new route is
 * never open by accident. A token is a named API token from the database (`tripline tokens create`)
 * or one of the config's `collector.adminTokens` (admin) and `incidents.operatorTokens` (operator).
 * No or an unknown token is 401; a revoked one or a role too low is 403 `TRIPLINE_FORBIDDEN`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tokenDigest } from '../auth/apiTokens.js';
import type { Clock } from '../clock.js';
import { roleIncludes, type Role } from '../domain/apiToken.js';
import type { Operations } from '../operations/createOperations.js';
import { actingAs } from '../operations/operationAccess.js';
import type { Store } from '../store/store.js';
import { bearer, createAgentAuthenticator } from './agentAuthenticator.js';
import { ApiError } from './apiErrors.js';

/** Who may call a route. */
export type RouteAccess = 'public' | 'agent' | Role;

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

/** Whom a request's token names. */
export interface Principal {
  name: string;
  role: Role;
}

/** What the access check needs. */
export interface ApiAccessOptions {
  store: Store;
  clock: Clock;
  operations: Operations;
  /** Config tokens with the admin role (collector.adminTokens). */
  adminTokens: readonly string[];
  /** Config tokens with the operator role (incidents.operatorTokens). */
  operatorTokens: readonly string[];
  /** An admin token named `local-admin`, kept in the data directory by `tripline start`. */
  localAdminToken?: string;
}

/** The principal of each authenticated request. */
const principals = new WeakMap<FastifyRequest, Principal>();

/** The principal of an authenticated request (routes of a role); throws for a route that had none. */
export function principalOf(request: FastifyRequest): Principal {
  const principal = principals.get(request);
  if (principal === undefined) throw new Error(`route ${request.routeOptions.url} has no principal: is its access public or agent?`);
  return principal;
}

/** Registers the access check of every route, and answers the operations a request runs as its principal (audited under its name). */
export function registerApiAccess(app: FastifyInstance, options: ApiAccessOptions): (request: FastifyRequest) => Operations {
  const authenticate = createApiAuthenticator(options);
  app.addHook('onRequest', async (request, reply) => {
    const access = accessOf(request);
    if (access === 'public' || access === 'agent') return;
    const found = authenticate(request.headers.authorization);
    if (found === undefined) {
      reply.header('www-authenticate', 'Bearer');
      throw new ApiError('TRIPLINE_UNAUTHORIZED', 'missing or invalid API token (tripline tokens create NAME --role viewer|operator|admin)');
    }
    if (found.revoked) throw new ApiError('TRIPLINE_FORBIDDEN', `token ${found.name} was revoked`);
    if (!roleIncludes(found.role, access)) throw new ApiError('TRIPLINE_FORBIDDEN', `token ${found.name} has role ${found.role}; ${request.method} ${request.routeOptions.url} needs ${access}`);
    principals.set(request, { name: found.name, role: found.role });
  });
  const acting = new WeakMap<FastifyRequest, Operations>();
  return (request) => {
    let operations = acting.get(request);
    if (operations === undefined) {
      operations = actingAs(options.operations, options, principalOf(request).name);
      acting.set(request, operations);
    }
    return operations;
  };
}

/** A route's access: its own, or by method; an unknown route (404) is public, so it answers 404. */
function accessOf(request: FastifyRequest): RouteAccess {
  if (request.routeOptions.url === undefined) return 'public';
  const declared = request.routeOptions.config.access;
  if (declared !== undefined) return declared;
  return request.method === 'GET' || request.method === 'HEAD' ? 'viewer' : 'operator';
}

type Found = { name: string; role: Role; revoked: boolean };

/** Finds a bearer token: the config's tokens (constant-time), then named tokens by digest. */
export function createApiAuthenticator(options: Pick<ApiAccessOptions, 'store' | 'adminTokens' | 'operatorTokens' | 'localAdminToken'>): (header: string | undefined) => Found | undefined {
  const configTokens: Array<{ matches: (header: string | undefined) => boolean; found: Found }> = [
    ...(options.localAdminToken === undefined ? [] : [{ matches: createAgentAuthenticator([options.localAdminToken]), found: { name: 'local-admin', role: 'admin' as const, revoked: false } }]),
    ...options.adminTokens.map((token, index) => ({ matches: createAgentAuthenticator([token]), found: { name: `config:adminTokens[${index}]`, role: 'admin' as const, revoked: false } })),
    ...options.operatorTokens.map((token, index) => ({ matches: createAgentAuthenticator([token]), found: { name: `config:operatorTokens[${index}]`, role: 'operator' as const, revoked: false } })),
  ];
  return (header) => {
    for (const candidate of configTokens) if (candidate.matches(header)) return candidate.found;
    const presented = bearer(header);
    if (presented === undefined) return undefined;
    const token = options.store.findApiTokenByDigest(tokenDigest(presented));
    return token === undefined ? undefined : { name: token.name, role: token.role, revoked: token.revokedAtMs !== null };
  };
}
