/**
 * The audit log and named tokens over the API, on a real collector (loopback HTTP, SQLite file):
 * every audited operator action done over HTTP leaves exactly one audit entry, under the name of the
 * token that did it; a refused action leaves none; no entry, no token list, no log line and no
 * database file ever holds a secret (API tokens, the agent and enrollment tokens, an agent's
 * credential) or a token's digest. The list of actions is checked against OPERATION_ACCESS, so a new
 * audited operation fails this test until it is exercised here.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenDigest } from '../../collector/auth/apiTokens.js';
import { systemClock } from '../../collector/clock.js';
import { startCollector, type RunningCollector } from '../../collector/collector.js';
import { credentialDigest } from '../../collector/http/agentAuthenticator.js';
import type { Operations } from '../../collector/operations/createOperations.js';
import { OPERATION_ACCESS } from '../../collector/operations/operationAccess.js';
import { createTokenOperations } from '../../collector/operations/tokenOperations.js';
import { parseDurationMs } from '../../config/duration.js';
import { loadConfig } from '../../config/loadConfig.js';
import { REPORT_SCHEMA_VERSION, REPORTS_PATH, type Report } from '../../contract/report.js';
import { diskRule } from '../incidents/lifecycleRules.js';
import { waitFor } from '../support/processes.js';

const AGENT_TOKEN = 'audit-shared-agent-token-0123456789';
const ENROLLMENT_TOKEN = 'audit-enrollment-token-0123456789';
/** Every secret the collector was handed or made; none may appear in an entry, a list, a log line or the database. */
const secrets: string[] = [AGENT_TOKEN, ENROLLMENT_TOKEN];
const tokens = { admin: '', alice: '', viewer: '' };

function report(host: string, used: number): Report {
  const at = new Date().toISOString();
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    agent: { id: `agent-${host}`, hostname: host, version: 'test', intervalSeconds: 15, labels: {} },
    sequence: 1,
    sentAt: at,
    observations: [{ metric: 'filesystem_used_ratio', labels: { mount: '/' }, value: used, at }],
    checks: [],
  };
}

describe('audit log and API tokens', () => {
  let collector: RunningCollector;
  let dataDir: string;
  const logLines: string[] = [];
  const call = async (method: string, path: string, token: string | null, body?: unknown) => {
    const response = await fetch(`${collector.url}${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
  };
  /** Runs one action over HTTP and answers the audit entries it added (read with the admin token). */
  const audited = async <A extends { status: number; body: Record<string, any> }>(run: () => Promise<A>, expectedStatus: number) => {
    const before = (await call('GET', '/api/v1/audit?limit=10000', tokens.admin)).body.entries as Array<{ id: number }>;
    const answer = await run();
    expect(answer.status, JSON.stringify(answer.body)).toBe(expectedStatus);
    const after = (await call('GET', '/api/v1/audit?limit=10000', tokens.admin)).body.entries as Array<{ id: number; actor: string; action: string; target: string; detail: unknown }>;
    const known = new Set(before.map((e) => e.id));
    return { answer, added: after.filter((e) => !known.has(e.id)) };
  };
  const covered = new Set<string>();
  /** One action: exactly one entry, of this action, under this actor's name, on this target. */
  const expectOneEntry = async <A extends { status: number; body: Record<string, any> }>(action: keyof Operations, actor: string, target: string, run: () => Promise<A>, status = 200): Promise<A> => {
    const { answer, added } = await audited(run, status);
    expect(added.map((e) => [e.actor, e.action, e.target])).toEqual([[actor, action, target]]);
    covered.add(action);
    return answer;
  };

  beforeAll(async () => {
    const { config } = loadConfig(undefined, {});
    dataDir = mkdtempSync(join(tmpdir(), 'tripline-audit-'));
    config.dataDir = dataDir;
    config.collector.listen.port = 0;
    config.collector.agentTokens = [AGENT_TOKEN];
    config.collector.enrollmentTokens = [ENROLLMENT_TOKEN];
    config.incidents.reachability.enabled = false;
    // A desk that refuses connections, and one attempt: its deliveries go dead at once, to be retried by hand.
    config.desks = [{ type: 'webhook', name: 'ops', url: 'http://127.0.0.1:9/never', timeout: parseDurationMs('1s'), headers: {}, rateLimitPerMinute: 600 }];
    config.delivery.maxAttempts = 1;
    config.delivery.pollInterval = parseDurationMs('100ms');
    const log = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
    collector = await startCollector({ config, rules: [diskRule], log });
    const made = createTokenOperations({ store: collector.store, clock: systemClock });
    tokens.admin = made.createToken({ name: 'root', role: 'admin', createdBy: 'test' }).token;
    tokens.alice = made.createToken({ name: 'alice', role: 'operator', createdBy: 'test' }).token;
    tokens.viewer = made.createToken({ name: 'wall-screen', role: 'viewer', createdBy: 'test' }).token;
    secrets.push(tokens.admin, tokens.alice, tokens.viewer);
  });
  afterAll(async () => collector?.stop());

  it('creates a token over the API: the secret in that answer only; listed without secrets; works at once; revoked, refused', async () => {
    const created = await expectOneEntry('createToken', 'root', 'bob', () => call('POST', '/api/v1/tokens', tokens.admin, { name: 'bob', role: 'operator' }), 201);
    expect(created.body).toEqual({ name: 'bob', role: 'operator', token: expect.stringMatching(/^tlk_[A-Za-z0-9_-]{43}$/) });
    expect(created.headers.get('cache-control')).toBe('no-store');
    const bob = created.body.token as string;
    secrets.push(bob);
    expect((await call('GET', '/api/v1/whoami', bob)).body).toEqual({ name: 'bob', role: 'operator' });

    const listed = await call('GET', '/api/v1/tokens', tokens.admin);
    expect(listed.body.tokens.find((t: { name: string }) => t.name === 'bob')).toEqual({ name: 'bob', role: 'operator', createdAt: expect.any(String), createdBy: 'root', revokedAt: null });
    expect(Object.keys(listed.body.tokens[0]).sort()).toEqual(['createdAt', 'createdBy', 'name', 'revokedAt', 'role']);

    // Refusals: a name taken, a bad name or role (with the field path), a role too low. None is audited.
    const refusals: Array<[string | null, unknown, number, string | undefined]> = [
      [tokens.admin, { name: 'bob', role: 'viewer' }, 409, undefined],
      [tokens.admin, { name: 'Bad Name', role: 'viewer' }, 400, 'body/name'],
      [tokens.admin, { name: 'carol', role: 'root' }, 400, 'body/role'],
      [tokens.admin, { name: 'carol', role: 'viewer', token: 'chosen-by-me' }, 400, 'body'],
      [tokens.alice, { name: 'carol', role: 'viewer' }, 403, undefined],
      [null, { name: 'carol', role: 'viewer' }, 401, undefined],
    ];
    for (const [token, body, status, path] of refusals) {
      const { answer, added } = await audited(() => call('POST', '/api/v1/tokens', token, body), status);
      if (path !== undefined) expect(answer.body.error.path).toBe(path);
      expect(added).toEqual([]);
    }
    expect((await call('GET', '/api/v1/tokens', tokens.alice)).status).toBe(403);

    await expectOneEntry('revokeToken', 'root', 'bob', () => call('POST', '/api/v1/tokens/bob/revoke', tokens.admin));
    expect((await call('GET', '/api/v1/whoami', bob)).status).toBe(403);
    expect((await call('GET', '/api/v1/tokens', tokens.admin)).body.tokens.find((t: { name: string }) => t.name === 'bob').revokedAt).toEqual(expect.any(String));
    const again = await audited(() => call('POST', '/api/v1/tokens/bob/revoke', tokens.admin), 404);
    expect(again.added).toEqual([]);
  });

  it('records every incident, silence, maintenance and delivery action once, under the acting token', async () => {
    expect((await call('POST', REPORTS_PATH, AGENT_TOKEN, report('audit-host', 0.95))).status).toBe(200);
    const incident = collector.store.listIncidents().find((i) => i.host === 'audit-host')!;
    await expectOneEntry('acknowledge', 'alice', String(incident.id), () => call('POST', `/api/v1/incidents/${incident.id}/acknowledge`, tokens.alice, { comment: 'on it' }));
    // Refused: acknowledged already (409), a viewer (403). No entry.
    expect((await audited(() => call('POST', `/api/v1/incidents/${incident.id}/acknowledge`, tokens.alice, {}), 409)).added).toEqual([]);
    expect((await audited(() => call('POST', `/api/v1/incidents/${incident.id}/resolve`, tokens.viewer, {}), 403)).added).toEqual([]);

    // The open went dead at the refusing desk (one attempt); retry it by hand.
    const dead = await waitFor('a dead delivery', () => collector.store.outboxForIncident(incident.id).find((o) => o.state === 'dead'));
    await expectOneEntry('retryDelivery', 'alice', String(dead.id), () => call('POST', `/api/v1/deliveries/${dead.id}/retry`, tokens.alice));
    await expectOneEntry('resolve', 'root', String(incident.id), () => call('POST', `/api/v1/incidents/${incident.id}/resolve`, tokens.admin, { comment: 'fixed' }));

    const silence = await expectOneEntry('addSilence', 'alice', '-', () => call('POST', '/api/v1/silences', tokens.alice, { matchers: ['host="audit-host"'], expiresAt: '2999-01-01T00:00:00Z' }), 201);
    await expectOneEntry('expireSilence', 'alice', String(silence.body.silence.id), () => call('DELETE', `/api/v1/silences/${silence.body.silence.id}`, tokens.alice));
    const window = await expectOneEntry('addMaintenance', 'alice', '-', () => call('POST', '/api/v1/maintenance', tokens.alice, { cron: '0 2 * * 0', duration: '1h', host: 'audit-host' }), 201);
    await expectOneEntry('removeMaintenance', 'alice', String(window.body.maintenance.id), () => call('DELETE', `/api/v1/maintenance/${window.body.maintenance.id}`, tokens.alice));
  });

  it('records agent and host actions once, under the admin token; a free-text by is refused', async () => {
    const enrolled = await call('POST', '/api/v1/enroll', ENROLLMENT_TOKEN, { agentId: 'agent-kept', hostname: 'kept-host' });
    expect(enrolled.status).toBe(200);
    secrets.push(enrolled.body.credential);
    await expectOneEntry('revokeAgent', 'root', 'agent-kept', () => call('POST', '/api/v1/agents/agent-kept/revoke', tokens.admin));
    expect((await audited(() => call('POST', '/api/v1/agents/agent-kept/revoke', tokens.admin), 404)).added).toEqual([]);
    const byRefused = await audited(() => call('POST', '/api/v1/agents/agent-kept/reset', tokens.admin, { by: 'mallory' }), 400);
    expect(byRefused.answer.body.error).toMatchObject({ code: 'TRIPLINE_VALIDATION_FAILED', path: 'body/by' });
    expect(byRefused.added).toEqual([]);
    await expectOneEntry('resetAgent', 'root', 'agent-kept', () => call('POST', '/api/v1/agents/agent-kept/reset', tokens.admin));

    expect((await call('POST', REPORTS_PATH, AGENT_TOKEN, report('retired-host', 0.96))).status).toBe(200);
    expect((await audited(() => call('POST', '/api/v1/hosts/retired-host/decommission', tokens.alice), 403)).added).toEqual([]);
    await expectOneEntry('decommissionHost', 'root', 'retired-host', () => call('POST', '/api/v1/hosts/retired-host/decommission', tokens.admin));
    const incident = collector.store.listIncidents().find((i) => i.host === 'retired-host')!;
    expect(collector.store.incidentEvents(incident.id).map((e) => e.text)).toContain('host decommissioned: retired-host was decommissioned by root');
  });

  it('records the status notice, set and cleared, under the acting token', async () => {
    await expectOneEntry('setStatusNotice', 'alice', '-', () => call('PUT', '/api/v1/status/notice', tokens.alice, { text: 'Payments are slow' }));
    expect((await audited(() => call('PUT', '/api/v1/status/notice', tokens.viewer, { text: 'x' }), 403)).added).toEqual([]);
    await expectOneEntry('clearStatusNotice', 'alice', '-', () => call('DELETE', '/api/v1/status/notice', tokens.alice));
    expect((await audited(() => call('DELETE', '/api/v1/status/notice', tokens.alice), 409)).added).toEqual([]);
  });

  it('has exercised every audited operation, and no secret or digest is in the audit log, the token list, the log or the database', async () => {
    const auditedOperations = Object.entries(OPERATION_ACCESS).filter(([, a]) => a.audited).map(([name]) => name);
    expect([...covered].sort()).toEqual(auditedOperations.sort());

    const digests = secrets.flatMap((s) => [tokenDigest(s), credentialDigest(s)]);
    const outputs = {
      audit: JSON.stringify((await call('GET', '/api/v1/audit?limit=10000', tokens.admin)).body),
      tokens: JSON.stringify((await call('GET', '/api/v1/tokens', tokens.admin)).body),
      agents: JSON.stringify((await call('GET', '/api/v1/agents', tokens.admin)).body),
      log: logLines.join(''),
    };
    expect(outputs.audit).toContain('"actor":"alice"');
    expect(logLines.length).toBeGreaterThan(0);
    for (const [where, text] of Object.entries(outputs)) {
      for (const secret of [...secrets, ...digests]) expect(text.includes(secret), `${where} holds ${secret.slice(0, 8)}…`).toBe(false);
    }
    // The database keeps digests of tokens, never a token itself.
    const files = readdirSync(dataDir).filter((f) => f.startsWith('tripline.db'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const bytes = readFileSync(join(dataDir, file)).toString('latin1');
      for (const secret of secrets) expect(bytes.includes(secret), `${file} holds ${secret.slice(0, 8)}…`).toBe(false);
    }
  });
});
