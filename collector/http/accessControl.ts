/**
 * Who may do what over the API: roles in order, viewer < operator < admin, each granted by its
 * tokens (`collector.viewerTokens`, `incidents.operatorTokens`, `collector.adminTokens`) as a
 * bearer token, or by a console session (cookie plus the CSRF header on writes). `require(role)`
 * is an onRequest hook: 401 when nobody is signed in, 403 when the role is too low or a write's
 * CSRF token is missing or wrong. Tokens compare in constant time.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createAgentAuthenticator } from './agentAuthenticator.js';
import { ApiError } from './apiErrors.js';
import { cookieValue, CSRF_HEADER, SESSION_COOKIE, type ConsoleSessions } from './consoleSessions.js';

export type Role = 'viewer' | 'operator' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

/** Where each role's tokens are configured, for the refusal that says how to get one. */
const CONFIG_KEYS: Record<Role, string> = { viewer: 'collector.viewerTokens', operator: 'incidents.operatorTokens', admin: 'collector.adminTokens' };

export interface AccessControl {
  /** The role a bearer token grants (the highest of those holding it), if any. */
  roleOfToken(token: string): Role | undefined;
  /** An onRequest hook that admits `role` or higher. */
  require(role: Role): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

export function createAccessControl({ tokens, sessions }: { tokens: Readonly<Record<Role, readonly string[]>>; sessions: ConsoleSessions }): AccessControl {
  const checkers = ROLES.map((role) => ({ role, matches: createAgentAuthenticator(tokens[role]) })).reverse();
  const roleOfToken = (token: string): Role | undefined => checkers.find((c) => c.matches(`Bearer ${token}`))?.role;
  const rank = (role: Role) => ROLES.indexOf(role);
  return {
    roleOfToken,
    require(needed) {
      const anyToken = ROLES.some((r) => rank(r) >= rank(needed) && tokens[r].length > 0);
      return async (request, reply) => {
        const authorization = request.headers.authorization;
        const sessionId = cookieValue(request.headers.cookie, SESSION_COOKIE);
        let role: Role | undefined;
        if (authorization !== undefined || sessionId === undefined) {
          reply.header('www-authenticate', 'Bearer');
          if (!anyToken) throw new ApiError('TRIPLINE_UNAUTHORIZED', `no ${needed} tokens configured (${CONFIG_KEYS[needed]}); use the CLI on the collector host`);
          role = checkers.find((c) => c.matches(authorization))?.role;
          if (role === undefined) throw new ApiError('TRIPLINE_UNAUTHORIZED', `missing or invalid ${needed} token`);
        } else {
          const session = sessions.find(sessionId);
          if (session === undefined) throw new ApiError('TRIPLINE_UNAUTHORIZED', 'the console session expired or is unknown; sign in again');
          if (request.method !== 'GET' && request.method !== 'HEAD' && !sameToken(request.headers[CSRF_HEADER], session.csrfToken)) {
            throw new ApiError('TRIPLINE_FORBIDDEN', `a console write needs the session's CSRF token in ${CSRF_HEADER}`);
          }
          role = session.role;
        }
        if (rank(role) < rank(needed)) throw new ApiError('TRIPLINE_FORBIDDEN', `the ${role} role may not do this; it needs ${needed}`);
      };
    },
  };
}

function sameToken(sent: string | string[] | undefined, expected: string): boolean {
  return typeof sent === 'string' && createAgentAuthenticator([expected])(`Bearer ${sent}`);
}
