/**
 * Who may do what over the API: roles in order, viewer < operator < admin, each granted by its
 * tokens (`collector.viewerTokens`, `incidents.operatorTokens`, `collector.adminTokens`) as a
 * bearer token, or by a console session (cookie plus the CSRF header on writes). `require(role)`
 * is an onRequest hook: 401 when nobody is signed in, 403 when the role is too low or a write's
 * CSRF token is missing or wrong. Tokens compare in constant time.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ROLES, roleIncludes, type Role } from '../domain/apiToken.js';
import { createAgentAuthenticator } from './agentAuthenticator.js';
import { setPrincipal, type Principal, type TokenAuthenticator } from './apiAccess.js';
import { ApiError } from './apiErrors.js';
import { cookieValue, CSRF_HEADER, SESSION_COOKIE, type ConsoleSessions } from './consoleSessions.js';

export { ROLES, type Role };

export interface AccessControl {
  /** The role a bearer token grants, if any (a revoked token grants none). */
  roleOfToken(token: string): Role | undefined;
  /** Whom a bearer token names, if it is valid and not revoked (a console sign-in keeps the name for the audit log). */
  principalOfToken(token: string): Principal | undefined;
  /** An onRequest hook that admits `role` or higher, and records who the request is from (principalOf). */
  require(role: Role): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

/**
 * `authenticate` finds a bearer token among the config's tokens (viewer, operator, admin, and the
 * local admin of `tripline start`) and the named tokens of the database (apiAccess.ts).
 */
export function createAccessControl({ authenticate, sessions }: { authenticate: TokenAuthenticator; sessions: ConsoleSessions }): AccessControl {
  const principalOfToken = (token: string): Principal | undefined => {
    const found = authenticate(`Bearer ${token}`);
    return found === undefined || found.revoked ? undefined : { name: found.name, role: found.role };
  };
  return {
    roleOfToken: (token) => principalOfToken(token)?.role,
    principalOfToken,
    require(needed) {
      return async (request, reply) => {
        const authorization = request.headers.authorization;
        const sessionId = cookieValue(request.headers.cookie, SESSION_COOKIE);
        let principal: Principal;
        if (authorization !== undefined || sessionId === undefined) {
          reply.header('www-authenticate', 'Bearer');
          const found = authenticate(authorization);
          if (found === undefined) throw new ApiError('TRIPLINE_UNAUTHORIZED', `missing or invalid API token; this needs ${needed} (tripline tokens create NAME --role ${needed})`);
          if (found.revoked) throw new ApiError('TRIPLINE_FORBIDDEN', `token ${found.name} was revoked`);
          principal = { name: found.name, role: found.role };
        } else {
          const session = sessions.find(sessionId);
          if (session === undefined) throw new ApiError('TRIPLINE_UNAUTHORIZED', 'the console session expired or is unknown; sign in again');
          if (request.method !== 'GET' && request.method !== 'HEAD' && !sameToken(request.headers[CSRF_HEADER], session.csrfToken)) {
            throw new ApiError('TRIPLINE_FORBIDDEN', `a console write needs the session's CSRF token in ${CSRF_HEADER}`);
          }
          principal = { name: session.name ?? `console:${session.role}`, role: session.role };
        }
        if (!roleIncludes(principal.role, needed)) {
          throw new ApiError('TRIPLINE_FORBIDDEN', `${principal.name} has role ${principal.role}; ${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]} needs ${needed}`);
        }
        setPrincipal(request, principal);
      };
    },
  };
}

function sameToken(sent: string | string[] | undefined, expected: string): boolean {
  return typeof sent === 'string' && createAgentAuthenticator([expected])(`Bearer ${sent}`);
}
