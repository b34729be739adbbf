/**
 * Console sessions and roles on the injected clock: a session expires after its TTL, the oldest go
 * beyond the cap, a token grants the highest role holding it, and the access hook refuses a lower
 * role (403), an expired session (401) and a session write without its CSRF token (403).
 */
import Fastify from 'fastify';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAccessControl } from '../../collector/http/accessControl.js';
import { createApiAuthenticator } from '../../collector/http/apiAccess.js';
import { handleApiError } from '../../collector/http/apiErrors.js';
import { registerConsoleRoutes } from '../../collector/http/consoleRoutes.js';
import { cookieValue, createConsoleSessions } from '../../collector/http/consoleSessions.js';
import { createReportRateLimiter } from '../../collector/http/reportRateLimiter.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';

const VIEWER = 'viewer-token-0123456789abcdef';
const OPERATOR = 'operator-token-0123456789abcdef';

function setup() {
  let now = 1_000_000;
  const store = openSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'tripline-sessions-')), 'tripline.db') });
  const sessions = createConsoleSessions({ store, nowMs: () => now, ttlMs: 60_000, maxSessions: 3 });
  const authenticate = createApiAuthenticator({ findApiTokenByDigest: () => undefined }, { viewerTokens: [VIEWER], operatorTokens: [OPERATOR, VIEWER], adminTokens: [] });
  const access = createAccessControl({ authenticate, sessions });
  const app = Fastify();
  app.setErrorHandler(handleApiError);
  app.post('/write', { onRequest: access.require('operator') }, async () => ({ ok: true }));
  app.get('/admin', { onRequest: access.require('admin') }, async () => ({ ok: true }));
  return { store, sessions, access, app, advance: (ms: number) => (now += ms) };
}

describe('console sessions and roles', () => {
  it('expires a session after its TTL and drops the oldest beyond the cap', () => {
    const { sessions, advance } = setup();
    const first = sessions.open('viewer');
    advance(59_999);
    expect(sessions.find(first.id)?.role).toBe('viewer');
    advance(1);
    expect(sessions.find(first.id)).toBeUndefined();
    const ids = [1, 2, 3, 4].map(() => sessions.open('operator').id);
    expect(ids.map((id) => sessions.find(id) !== undefined)).toEqual([false, true, true, true]);
  });

  it('keeps sessions by digest only, and a closed session stays closed for another instance over the same database', () => {
    const { store, sessions } = setup();
    const { id, session } = sessions.open('operator', 'ops-token');
    const again = createConsoleSessions({ store, nowMs: () => 1_000_000, ttlMs: 60_000 });
    expect(again.find(id)).toEqual(session);
    expect(again.find(`${id}x`)).toBeUndefined();
    expect(store.findConsoleSession(id)).toBeUndefined();
    again.close(id);
    expect(sessions.find(id)).toBeUndefined();
  });

  it('ends the sessions of a named token when it is revoked, and only those', () => {
    const { store, sessions } = setup();
    store.insertApiToken({ name: 'alice', role: 'operator', createdAtMs: 1, createdBy: 'test', tokenSha256: 'a'.repeat(64) });
    store.insertApiToken({ name: 'bob', role: 'viewer', createdAtMs: 1, createdBy: 'test', tokenSha256: 'b'.repeat(64) });
    const alice = [sessions.open('operator', 'alice').id, sessions.open('operator', 'alice').id];
    const bob = sessions.open('viewer', 'bob').id;
    const configured = sessions.open('viewer', 'config:viewerTokens[0]').id;
    expect(store.revokeApiToken('alice', 2)).toBe(true);
    expect(alice.map((id) => sessions.find(id))).toEqual([undefined, undefined]);
    expect(sessions.find(bob)?.name).toBe('bob');
    expect(sessions.find(configured)?.name).toBe('config:viewerTokens[0]');
    // A second revoke changes nothing and ends nobody else's session.
    expect(store.revokeApiToken('alice', 3)).toBe(false);
    expect(store.revokeApiToken('nobody', 3)).toBe(false);
    expect(sessions.find(bob)?.name).toBe('bob');
  });

  it('grants the highest role of a token, none for an unknown one', () => {
    const { access } = setup();
    expect([access.roleOfToken(VIEWER), access.roleOfToken(OPERATOR), access.roleOfToken('nope')]).toEqual(['operator', 'operator', undefined]);
  });

  it('admits a session write with its CSRF token only, and refuses a lower role or an expired session', async () => {
    const { sessions, app, advance } = setup();
    const viewer = sessions.open('viewer');
    const operator = sessions.open('operator');
    const write = (id: string, csrf?: string) => app.inject({ method: 'POST', url: '/write', headers: { cookie: `other=1; tripline_session=${id}`, ...(csrf ? { 'x-tripline-csrf': csrf } : {}) } });
    expect((await write(operator.id, operator.session.csrfToken)).json()).toEqual({ ok: true });
    expect((await write(operator.id)).json().error).toMatchObject({ code: 'TRIPLINE_FORBIDDEN', message: "a console write needs the session's CSRF token in x-tripline-csrf" });
    expect((await write(operator.id, viewer.session.csrfToken)).statusCode).toBe(403);
    expect((await write(viewer.id, viewer.session.csrfToken)).json().error).toMatchObject({ code: 'TRIPLINE_FORBIDDEN', message: 'console:viewer has role viewer; POST /write needs operator' });
    expect((await app.inject({ method: 'GET', url: '/admin', headers: { authorization: `Bearer ${OPERATOR}` } })).json().error).toMatchObject({
      code: 'TRIPLINE_FORBIDDEN',
      message: 'config:operatorTokens[0] has role operator; GET /admin needs admin',
    });
    advance(60_000);
    expect((await write(operator.id, operator.session.csrfToken)).json().error).toMatchObject({ code: 'TRIPLINE_UNAUTHORIZED', message: 'the console session expired or is unknown; sign in again' });
  });

  it('reads one cookie out of a Cookie header', () => {
    expect(cookieValue('a=1; tripline_session=abc; b=2', 'tripline_session')).toBe('abc');
    expect(cookieValue('a=1', 'tripline_session')).toBeUndefined();
    expect(cookieValue(undefined, 'tripline_session')).toBeUndefined();
  });

  it('refuses sign-ins from an address after too many failures (429 with Retry-After, even with a good token) until the pace drops; other addresses and good sign-ins are not counted', async () => {
    const { access, sessions } = setup();
    let now = 5_000_000;
    const clock = { nowMs: () => now };
    const app = Fastify();
    app.setErrorHandler(handleApiError);
    registerConsoleRoutes(app, { access, sessions, onSignOut: () => undefined, serveFiles: false, secureCookie: false, nowMs: clock.nowMs, signInFailures: createReportRateLimiter(3, clock) });
    const signIn = (token: string, remoteAddress = '192.0.2.7') => app.inject({ method: 'POST', url: '/api/v1/session', payload: { token }, remoteAddress });
    expect((await signIn(VIEWER)).statusCode).toBe(200); // a good sign-in costs nothing
    for (let i = 0; i < 3; i++) expect((await signIn(`wrong-token-${i}-0123456789`)).statusCode).toBe(401);
    const refused = await signIn(VIEWER);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error: { code: 'TRIPLINE_RATE_LIMITED' } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.body).not.toContain(VIEWER);
    expect((await signIn(VIEWER, '198.51.100.9')).statusCode).toBe(200); // another address
    now += 19_000;
    expect((await signIn(VIEWER)).statusCode).toBe(429); // 3 a minute: one back after 20 s
    now += 1_000;
    expect((await signIn(VIEWER)).statusCode).toBe(200);
    expect((await signIn('wrong-again-0123456789')).statusCode).toBe(401);
    expect((await signIn(VIEWER)).statusCode).toBe(429);
  });
});
