/**
 * Console sessions across a collector restart, on a real collector process: a session signed in
 * before the restart still reads and (with its CSRF token) writes after it; signing out ends it, and
 * it stays ended after another restart; the database keeps only the digest of the cookie's value.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, spawnTripline, waitFor, type TriplineProcess } from '../support/processes.js';

const OPERATOR_TOKEN = 'restart-operator-token-0123456789';

describe('console sessions across a collector restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-session-restart-'));
  let collector: TriplineProcess | undefined;
  let base = '';

  const start = async () => {
    collector = spawnTripline(['collector', '--config', join(dir, 'tripline.yaml')], join(dir, 'collector.log'));
    await waitFor('collector ready', async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.ok);
  };
  const stop = async () => {
    expect(await collector!.kill('SIGTERM')).toBe(0);
    collector = undefined;
  };
  afterAll(async () => collector?.kill('SIGTERM'));

  it('keeps a signed-in session through a restart and ends it for good on sign-out', async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    writeFileSync(
      join(dir, 'tripline.yaml'),
      `dataDir: ${join(dir, 'data')}
collector:
  listen: { host: 127.0.0.1, port: ${port} }
  agentTokens: ['restart-agent-token-0123456789']
incidents: { reachability: { enabled: false }, operatorTokens: ['${OPERATOR_TOKEN}'] }
`,
    );
    await start();
    const signIn = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: OPERATOR_TOKEN }) });
    expect(signIn.status).toBe(200);
    const cookie = /^(tripline_session=[^;]+)/.exec(signIn.headers.get('set-cookie')!)![1]!;
    const { csrfToken } = (await signIn.json()) as { csrfToken: string };
    const withCookie = (init: RequestInit = {}) => ({ ...init, headers: { cookie, ...(init.headers as Record<string, string>) } });

    await stop();
    await start();
    const session = await fetch(`${base}/api/v1/session`, withCookie());
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ role: 'operator', csrfToken });
    expect((await fetch(`${base}/api/v1/incidents`, withCookie())).status).toBe(200);
    // A write with the session after the restart: the same CSRF token still admits it.
    const silence = await fetch(`${base}/api/v1/silences`, withCookie({ method: 'POST', headers: { 'content-type': 'application/json', 'x-tripline-csrf': csrfToken }, body: JSON.stringify({ matchers: ['host="restart-host"'], expiresAt: new Date(Date.now() + 3_600_000).toISOString() }) }));
    expect(silence.status).toBe(201);
    const silences = (await (await fetch(`${base}/api/v1/silences`, withCookie())).json()) as { silences: Array<{ createdBy: string }> };
    expect(silences.silences.map((x) => x.createdBy)).toEqual(['config:operatorTokens[0]']);

    // The database holds the digest of the session id, never the cookie's value.
    const id = cookie.split('=')[1]!;
    const db = new Database(join(dir, 'data', 'tripline.db'), { readonly: true });
    const rows = db.prepare('SELECT * FROM console_sessions').all() as Array<Record<string, unknown>>;
    db.close();
    expect(rows.map((r) => [r.id_sha256, r.role, r.name])).toEqual([[createHash('sha256').update(id).digest('hex'), 'operator', 'config:operatorTokens[0]']]);
    expect(JSON.stringify(rows)).not.toContain(id);

    const signOut = await fetch(`${base}/api/v1/session`, withCookie({ method: 'DELETE' }));
    expect([signOut.status, signOut.headers.get('set-cookie')]).toEqual([200, expect.stringContaining('tripline_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0')]);
    expect((await fetch(`${base}/api/v1/session`, withCookie())).status).toBe(401);
    await stop();

    await start();
    const after = await fetch(`${base}/api/v1/session`, withCookie());
    expect(after.status).toBe(401);
    expect((await fetch(`${base}/api/v1/incidents`, withCookie())).status).toBe(401);
  }, 120_000);
});
