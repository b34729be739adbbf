/**
 * Operator actions over real HTTP on loopback against a real collector: acknowledge and resolve
 * with their desk operations, explain, silences and maintenance windows, and the unhappy paths
 * (bad matcher 400 with its field path, unknown incident 404, acting on a resolved incident 409,
 * no operator token 401).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../collector/collector.js';
import { REPORT_SCHEMA_VERSION, REPORTS_PATH, type Report } from '../../contract/report.js';
import { systemClock } from '../../collector/clock.js';
import { createTokenOperations } from '../../collector/operations/tokenOperations.js';
import { loadConfig } from '../../config/loadConfig.js';
import { diskRule } from '../incidents/lifecycleRules.js';
import { parseDurationMs } from '../../config/duration.js';

const AGENT_TOKEN = 'routes-agent-token-0123456789';
/** A config operator token (incidents.operatorTokens): still accepted, under the name config:operatorTokens[0]. */
const CONFIG_OPERATOR_TOKEN = 'routes-operator-token-0123456789';
/** Named tokens, made as `tripline tokens create` makes them. */
const tokens = { alice: '', viewer: '' };

function report(sequence: number, used: number, host = 'routes-host'): Report {
  const at = new Date().toISOString();
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    agent: { id: `agent-${host}`, hostname: host, version: 'test', intervalSeconds: 15, labels: {} },
    sequence,
    sentAt: at,
    observations: [{ metric: 'filesystem_used_ratio', labels: { mount: '/' }, value: used, at }],
    checks: [],
  };
}

describe('operator actions API', () => {
  let collector: RunningCollector;
  const call = async (method: string, path: string, body?: unknown, token: string | null = tokens.alice) => {
    const response = await fetch(`${collector.url}${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const sendReport = (r: Report) => call('POST', REPORTS_PATH, r, AGENT_TOKEN);

  beforeAll(async () => {
    const { config } = loadConfig(undefined, {});
    config.dataDir = mkdtempSync(join(tmpdir(), 'tripline-routes-'));
    config.collector.listen.port = 0;
    config.collector.agentTokens = [AGENT_TOKEN];
    config.incidents.operatorTokens = [CONFIG_OPERATOR_TOKEN];
    config.incidents.reachability.enabled = false;
    config.desks = [{ type: 'webhook', name: 'ops', url: 'http://127.0.0.1:9/never', timeout: parseDurationMs('1s'), headers: {}, rateLimitPerMinute: 600 }];
    config.delivery.pollInterval = parseDurationMs('1h');
    collector = await startCollector({ config, rules: [diskRule], log: pino({ level: 'silent' }) });
    const made = createTokenOperations({ store: collector.store, clock: systemClock });
    tokens.alice = made.createToken({ name: 'alice', role: 'operator', createdBy: 'test' }).token;
    tokens.viewer = made.createToken({ name: 'wall-screen', role: 'viewer', createdBy: 'test' }).token;
  });
  afterAll(async () => collector?.stop());

  it('acknowledges, then refuses a second acknowledge with 409, resolves by hand, refuses again', async () => {
    expect((await sendReport(report(1, 0.95))).status).toBe(200);
    const id = collector.store.listIncidents()[0]!.id;
    const ack = await call('POST', `/api/v1/incidents/${id}/acknowledge`, { comment: 'looking' });
    expect(ack).toMatchObject({ status: 200, body: { incident: { status: 'acknowledged' }, reason: 'acknowledged by alice: looking' } });
    expect(await call('POST', `/api/v1/incidents/${id}/acknowledge`, {})).toEqual({
      status: 409,
      body: { error: { code: 'TRIPLINE_CONFLICT', message: `incident ${id} is acknowledged; only an open incident can be acknowledged` } },
    });
    expect((await call('POST', `/api/v1/incidents/${id}/resolve`, {})).body.incident.status).toBe('resolved');
    const again = await call('POST', `/api/v1/incidents/${id}/acknowledge`, {});
    expect(again.body.error).toEqual({ code: 'TRIPLINE_CONFLICT', message: `incident ${id} is resolved; only an open incident can be acknowledged` });
    expect(collector.store.outboxForIncident(id).map((o) => o.operation)).toEqual(['open', 'update', 'resolve']);
    const explained = await call('GET', `/api/v1/incidents/${id}/explain`, undefined, tokens.viewer);
    expect(explained.body.why).toMatchObject({ rule: 'filesystem_space_low', ruleVersion: diskRule.version, value: 0.95 });
    expect(explained.body.why.gates.map((g: { gate: string }) => g.gate)).toEqual(['flap', 'dedup', 'reopen', 'silence', 'maintenance', 'topology', 'grouping', 'reachability']);
    expect(explained.body.timeline.map((e: { kind: string }) => e.kind)).toEqual(['opened', 'routed', 'acknowledged', 'resolved']);
  });

  it('records who acted by the token, not by what the body says, and audits it', async () => {
    expect((await sendReport(report(1, 0.96, 'audited-host'))).status).toBe(200);
    const id = collector.store.listIncidents().find((i) => i.host === 'audited-host')!.id;
    // A free-text `by` is no longer taken: the token names who acted.
    expect((await call('POST', `/api/v1/incidents/${id}/acknowledge`, { by: 'mallory' })).status).toBe(400);
    expect((await call('POST', `/api/v1/incidents/${id}/acknowledge`, { comment: 'mine' }, CONFIG_OPERATOR_TOKEN)).body.reason).toBe('acknowledged by config:operatorTokens[0]: mine');
    expect(collector.store.listAudit(1)[0]).toMatchObject({ actor: 'config:operatorTokens[0]', action: 'acknowledge', target: String(id) });
    // A viewer reads but does not act.
    const refused = await call('POST', `/api/v1/incidents/${id}/resolve`, {}, tokens.viewer);
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'TRIPLINE_FORBIDDEN', message: 'wall-screen has role viewer; POST /api/v1/incidents/:id/resolve needs operator' } } });
  });

  it('answers 404 for an unknown incident and 401 without an operator token', async () => {
    expect(await call('POST', '/api/v1/incidents/99999/resolve', {})).toEqual({ status: 404, body: { error: { code: 'TRIPLINE_NOT_FOUND', message: 'incident 99999 does not exist' } } });
    expect((await call('POST', '/api/v1/incidents/1/resolve', {}, null)).status).toBe(401);
    expect((await call('POST', '/api/v1/silences', { matchers: ['host="x"'], expiresAt: '2999-01-01T00:00:00Z' }, 'wrong-token-0123456789')).status).toBe(401);
  });

  it('creates, lists and expires silences; a bad matcher is a 400 naming its index', async () => {
    const bad = await call('POST', '/api/v1/silences', { matchers: ['host="web-1"', 'mount=~"(["'], expiresAt: '2999-01-01T00:00:00Z' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'TRIPLINE_VALIDATION_FAILED', path: 'body/matchers/1' });
    const missing = await call('POST', '/api/v1/silences', { matchers: ['host="web-1"'] });
    expect(missing.body.error).toMatchObject({ code: 'TRIPLINE_VALIDATION_FAILED', path: 'body' });
    expect(missing.body.error.message).toContain('expiresAt');
    const created = await call('POST', '/api/v1/silences', { matchers: ['host="silenced-host"'], expiresAt: '2999-01-01T00:00:00Z', comment: 'disk swap' });
    expect(created).toMatchObject({ status: 201, body: { silence: { matchers: ['host="silenced-host"'], comment: 'disk swap' } } });
    expect((await sendReport(report(1, 0.97, 'silenced-host'))).status).toBe(200);
    const silenced = collector.store.listIncidents().find((i) => i.host === 'silenced-host')!;
    expect(silenced).toMatchObject({ hold: 'silenced', ticketed: false });
    const listed = (await call('GET', '/api/v1/incidents?status=active', undefined, tokens.viewer)).body.incidents.find((i: { id: number }) => i.id === silenced.id);
    expect(listed).toMatchObject({ hold: 'silenced', ticketed: false, occurrences: 1, flapping: false, parentIncidentId: null });
    expect(collector.store.outboxForIncident(silenced.id)).toEqual([]);
    expect((await call('GET', '/api/v1/silences', undefined, tokens.viewer)).body.silences).toHaveLength(1);
    expect((await call('DELETE', `/api/v1/silences/${created.body.silence.id}`)).status).toBe(200);
    expect((await call('GET', '/api/v1/silences', undefined, tokens.viewer)).body.silences).toHaveLength(0);
    expect((await call('DELETE', '/api/v1/silences/4242')).status).toBe(404);
  });

  it('creates, lists and removes maintenance windows; a bad cron or both host and group is a 400', async () => {
    expect((await call('POST', '/api/v1/maintenance', { cron: '61 * * * *', duration: '1h', host: 'db-1' })).body.error).toMatchObject({ path: 'body/cron' });
    expect((await call('POST', '/api/v1/maintenance', { cron: '0 2 * * 0', duration: '1h', host: 'db-1', group: 'db' })).body.error).toMatchObject({ path: 'body/host' });
    expect((await call('POST', '/api/v1/maintenance', { cron: '0 2 * * 0', duration: 'soon', group: 'db' })).body.error).toMatchObject({ path: 'body/duration' });
    const created = await call('POST', '/api/v1/maintenance', { cron: '0 2 * * 0', duration: '2h', group: 'db' });
    expect(created).toMatchObject({ status: 201, body: { maintenance: { cron: '0 2 * * 0', duration: '7200s', group: 'db', host: null } } });
    expect(created.body.maintenance.nextStart).toMatch(/T02:00:00.000Z$/);
    expect((await call('GET', '/api/v1/maintenance', undefined, tokens.viewer)).body.maintenance).toHaveLength(1);
    expect((await call('DELETE', `/api/v1/maintenance/${created.body.maintenance.id}`)).status).toBe(200);
    expect((await call('DELETE', `/api/v1/maintenance/${created.body.maintenance.id}`)).status).toBe(404);
  });
});
