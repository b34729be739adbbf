/**
 * The web console on the API's port: sign-in sessions under /api/v1/session, the built files of
 * dist/console at / (hashed names cached for good, index.html revalidated), and index.html for
 * every other GET outside the API, so the console's own paths survive a reload.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AccessControl } from './accessControl.js';
import { sendApiError } from './apiErrors.js';
import type { ReportRateLimiter } from './reportRateLimiter.js';
import { ErrorSchema } from './apiSchemas.js';
import { cookieValue, SESSION_COOKIE, type ConsoleSession, type ConsoleSessions } from './consoleSessions.js';

export interface ConsoleRoutesOptions {
  access: AccessControl;
  sessions: ConsoleSessions;
  /** Called with the session id a sign-out ends (its live streams end too). */
  onSignOut(sessionId: string | undefined): void;
  /** Serve the console's files (collector.console.enabled). */
  serveFiles: boolean;
  /** Where the built console is; found next to the compiled collector when absent. */
  directory?: string;
  /** Set the cookie's Secure flag (the API is served over HTTPS). */
  secureCookie: boolean;
  nowMs: () => number;
  /** Failed sign-ins per client address (collector.console.signInFailuresPerMinute). */
  signInFailures: ReportRateLimiter;
}

const SessionSchema = Type.Object({
  role: Type.Union([Type.Literal('viewer'), Type.Literal('operator'), Type.Literal('admin')]),
  csrfToken: Type.String({ description: 'Send it back in the x-tripline-csrf header on every write made with the session cookie' }),
  expiresAt: Type.String({ format: 'date-time' }),
});
const SignInBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false });

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};
/** What the console's page may load: only its own files; uPlot sets inline styles. */
const CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export function registerConsoleRoutes(app: FastifyInstance, options: ConsoleRoutesOptions): void {
  const { access, sessions } = options;
  const view = (s: ConsoleSession) => ({ role: s.role, csrfToken: s.csrfToken, expiresAt: new Date(s.expiresAtMs).toISOString() });
  const cookie = (value: string, maxAgeSeconds: number) =>
    `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${options.secureCookie ? '; Secure' : ''}`;

  app.post<{ Body: { token: string } }>(
    '/api/v1/session',
    // Public, so its body is small: a token in JSON.
    { config: { access: 'public' }, bodyLimit: 4096, schema: { summary: 'Console sign-in: exchange an API token for a session cookie (HttpOnly, SameSite=Strict) and a CSRF token', body: SignInBody, response: { 200: SessionSchema, 401: ErrorSchema, 429: ErrorSchema } } },
    async (request, reply) => {
      // Too many failures from this address: refused before the token is even looked at.
      const wait = options.signInFailures.retryAfter(request.ip);
      if (wait !== undefined) {
        request.log.warn({ address: request.ip }, 'console sign-in refused: too many failed sign-ins from this address');
        return sendApiError(reply.header('retry-after', String(wait)), 'TRIPLINE_RATE_LIMITED', `too many failed sign-ins from this address; retry in ${wait} s`);
      }
      const principal = access.principalOfToken(request.body.token);
      if (principal === undefined) {
        options.signInFailures.take(request.ip);
        request.log.info({ address: request.ip }, 'console sign-in failed: unknown token');
        return sendApiError(reply, 'TRIPLINE_UNAUTHORIZED', 'this token grants no role (viewer, operator or admin)');
      }
      const { role } = principal;
      const { id, session } = sessions.open(role, principal.name);
      request.log.info({ role }, 'console sign-in');
      return reply.header('set-cookie', cookie(id, Math.floor((session.expiresAtMs - options.nowMs()) / 1000))).send(view(session));
    },
  );
  app.get('/api/v1/session', { config: { access: 'public' }, schema: { summary: "The console session of this browser's cookie", response: { 200: SessionSchema, 401: ErrorSchema } } }, async (request, reply) => {
    const session = sessions.find(cookieValue(request.headers.cookie, SESSION_COOKIE));
    return session === undefined ? sendApiError(reply, 'TRIPLINE_UNAUTHORIZED', 'not signed in') : view(session);
  });
  app.delete('/api/v1/session', { config: { access: 'public' }, schema: { summary: 'Sign out: end the session and clear its cookie' } }, async (request, reply) => {
    const sessionId = cookieValue(request.headers.cookie, SESSION_COOKIE);
    sessions.close(sessionId);
    options.onSignOut(sessionId);
    return reply.header('set-cookie', cookie('', 0)).send({ signedOut: true });
  });

  if (!options.serveFiles) return;
  const files = loadConsoleFiles(options.directory ?? findConsoleDirectory());
  const send = (reply: FastifyReply, name: string, ifNoneMatch: string | undefined) => {
    const file = files.get(name);
    if (file === undefined) return sendApiError(reply, 'TRIPLINE_NOT_FOUND', 'the console is not built; run `npm run build`');
    reply.header('etag', file.etag).header('x-content-type-options', 'nosniff').header('referrer-policy', 'same-origin');
    reply.header('cache-control', name === 'index.html' ? 'no-cache' : 'public, max-age=31536000, immutable');
    if (name === 'index.html') reply.header('content-security-policy', CONTENT_SECURITY_POLICY).header('x-frame-options', 'DENY');
    if (ifNoneMatch === file.etag) return reply.code(304).send();
    return reply.type(file.type).send(file.body);
  };
  app.get('/', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => send(reply, 'index.html', request.headers['if-none-match']));
  app.get('/*', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (path.startsWith('/api/') || path.startsWith('/prometheus/')) return sendApiError(reply, 'TRIPLINE_NOT_FOUND', `no route GET ${path}`);
    const name = path.slice(1);
    return send(reply, files.has(name) ? name : 'index.html', request.headers['if-none-match']);
  });
}

interface ConsoleFile {
  body: Buffer;
  type: string;
  etag: string;
}

/** The built console's files by name (flat: esbuild writes one directory). */
function loadConsoleFiles(directory: string | undefined): Map<string, ConsoleFile> {
  const files = new Map<string, ConsoleFile>();
  if (directory === undefined || !existsSync(directory)) return files;
  for (const name of readdirSync(directory)) {
    const body = readFileSync(join(directory, name));
    files.set(name, { body, type: TYPES[extname(name)] ?? 'application/octet-stream', etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  return files;
}

/** dist/console beside the compiled collector (dist/collector/http), or under the repo when run from source. */
function findConsoleDirectory(): string | undefined {
  const here = import.meta.dirname;
  return [resolve(here, '../../console'), resolve(here, '../../dist/console')].find((dir) => existsSync(join(dir, 'index.html')) && !readFileSync(join(dir, 'index.html'), 'utf8').includes('%SCRIPT%'));
}
