/**
 * An onRequest hook that admits only requests carrying one of `tokens` as a bearer token
 * (compared in constant time). With no tokens configured it refuses everything and says which
 * config key would open it, so a write endpoint is never open by accident.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createAgentAuthenticator } from './agentAuthenticator.js';
import { ApiError } from './apiErrors.js';

export function requireBearer(tokens: readonly string[], role: string, configKey: string) {
  const authenticate = createAgentAuthenticator(tokens);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    reply.header('www-authenticate', 'Bearer');
    if (tokens.length === 0) throw new ApiError('TRIPLINE_UNAUTHORIZED', `no ${role} tokens configured (${configKey}); use the CLI on the collector host`);
    if (!authenticate(request.headers.authorization)) throw new ApiError('TRIPLINE_UNAUTHORIZED', `missing or invalid ${role} token`);
  };
}
