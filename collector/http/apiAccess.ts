/**
 * Who may call which route. Every route has an access: `public` (health, readiness, metrics),
 * `agent` (report intake and enrollment, which check their own credentials), or the least role
 * (`viewer`, `operator`, `admin`) of the API token it needs. A route states it in its `config.access`;
 * without one, reads (GET, HEAD) need a viewer and everything else an operator, so a new route is
 * never open by accident. A token is a named API token from the database (`tripline tokens create`)
 * or one of the config's `collector.viewerTokens`, `incidents.operatorTokens`, `collector.adminTokens`;
 * a console session (accessControl.ts) stands for the token it signed in with. No or an unknown
 * token is 401; a revoked one or a role too low is 403 `TRIPLINE_FORBIDDEN`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tokenDigest } from '../auth/apiTokens.js';
import type { Clock } from '../clock.js';
import { ROLES, type Role } from '../domain/apiToken.js';
import type { Operations } from '../operations/createOperations.js';
import { actingAs } from '../operations/operationAccess.js';
import type { Store } from '../store/store.js';
import { bearer, createAgentAuthenticator } from './agentAuthenticator.js';
import type { AccessControl } from './accessControl.js';

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

/** A bearer token found: whom it names, its role, and whether it was revoked. */
export type FoundToken = { name: string; role: Role; revoked: boolean };

/** Finds the token of an `Authorization: Bearer` header. */
export type TokenAuthenticator = (header: string | undefined) => FoundToken | undefined;

/** The principal of each authenticated request. */
const principals = new WeakMap<FastifyRequest, Principal>();

/** Records who a request is from (AccessControl.require does, once the role is checked). */
export function setPrincipal(request: FastifyRequest, principal: Principal): void {
  principals.set(request, principal);
}

/** The principal of an authenticated request (routes of a role); throws for a route that had none. */
export function principalOf(request: FastifyRequest): Principal {
  const principal = principals.get(request);
  if (principal === undefined) throw new Error(`route ${request.routeOptions.url} has no principal: is its access public or agent?`);
  return principal;
}

/** What the access check of every route needs. */
export interface ApiAccessOptions {
  store: Store;
  clock: Clock;
  operations: Operations;
  access: AccessControl;
}

/**
 * Checks every route's access before anything else runs (AccessControl.require with the route's
 * role), and answers the operations a request runs as its principal (audited under its name).
 */
export function registerApiAccess(app: FastifyInstance, options: ApiAccessOptions): (request: FastifyRequest) => Operations {
  const checks = new Map(ROLES.map((role) => [role, options.access.require(role)] as const));
  // Not async: the agents' reports, most of all requests, pass without a promise of their own.
  app.addHook('onRequest', (request, reply, done) => {
    const access = accessOf(request);
    if (access === 'public' || access === 'agent') done();
    else checks.get(access)!(request, reply).then(() => done(), done);
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

/** The tokens of the config, by role, and the local admin of `tripline start`. */
export interface ConfigTokens {
  viewerTokens: readonly string[];
  operatorTokens: readonly string[];
  adminTokens: readonly string[];
  /** Named `local-admin`. */
  localAdminToken?: string;
}

/** Finds a bearer token: the config's tokens (constant-time, named `config:<key>[N]`), then named tokens by digest. */
export function createApiAuthenticator(store: Pick<Store, 'findApiTokenByDigest'>, tokens: ConfigTokens): TokenAuthenticator {
  const configured = (key: 'viewerTokens' | 'operatorTokens' | 'adminTokens', role: Role) =>
    tokens[key].map((token, index) => ({ matches: createAgentAuthenticator([token]), found: { name: `config:${key}[${index}]`, role, revoked: false } }));
  const candidates: Array<{ matches: (header: string | undefined) => boolean; found: FoundToken }> = [
    ...(tokens.localAdminToken === undefined ? [] : [{ matches: createAgentAuthenticator([tokens.localAdminToken]), found: { name: 'local-admin', role: 'admin' as const, revoked: false } }]),
    ...configured('adminTokens', 'admin'),
    ...configured('operatorTokens', 'operator'),
    ...configured('viewerTokens', 'viewer'),
  ];
  return (header) => {
    let found: FoundToken | undefined;
    // Every configured token is compared, so the time taken does not tell which matched.
    for (const candidate of candidates) if (candidate.matches(header) && found === undefined) found = candidate.found;
    if (found !== undefined) return found;
    const presented = bearer(header);
    if (presented === undefined) return undefined;
    const token = store.findApiTokenByDigest(tokenDigest(presented));
    return token === undefined ? undefined : { name: token.name, role: token.role, revoked: token.revokedAtMs !== null };
  };
}
