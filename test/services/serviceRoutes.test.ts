/**
 * The service view over real HTTP against a real collector (SQLite file, loopback): a fault on one
 * member host degrades the service, the incident carries the priority from the matrix (urgency
 * from the rule), the runbook of the rule, and the services it touches; an unknown service is 404.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../collector/collector.js';
import { REPORT_SCHEMA_VERSION, REPORTS_PATH, type Report } from '../../contract/report.js';
import { loadConfig } from '../../config/loadConfig.js';
import { parseDurationMs } from '../../config/duration.js';
import { diskRule } from '../incidents/lifecycleRules.js';

const AGENT_TOKEN = 'services-agent-token-0123456789';

function report(host: string, used: number, group?: string): Report {
  const at = new Date().toISOString();
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    agent: { id: `agent-${host}`, hostname: host, version: 'test', intervalSeconds: 15, labels: group ? { group } : {} },
    sequence: 1,
    sentAt: at,
    observations: [{ metric: 'filesystem_used_ratio', labels: { mount: '/' }, value: used, at }],
    checks: [],
  };
}

/** The services API needs a viewer token. */
const VIEWER_TOKEN = 'services-viewer-token-0123456789';

describe('services API', () => {
  let collector: RunningCollector;
  const received: Array<Record<string, any>> = [];
  const receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push(JSON.parse(body) as Record<string, any>);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const get = async (path: string) => {
    const response = await fetch(`${collector.url}${path}`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const send = async (r: Report) =>
    (await fetch(`${collector.url}${REPORTS_PATH}`, { method: 'POST', body: JSON.stringify(r), headers: { 'content-type': 'application/json', authorization: `Bearer ${AGENT_TOKEN}` } })).status;

  beforeAll(async () => {
    await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
    const hook = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    const { config } = loadConfig(undefined, {});
    config.dataDir = mkdtempSync(join(tmpdir(), 'tripline-services-'));
    config.collector.publicUrl = 'https://tripline.example.com/';
    config.collector.listen.port = 0;
    config.collector.agentTokens = [AGENT_TOKEN];
    config.collector.viewerTokens = [VIEWER_TOKEN];
    config.incidents.reachability.enabled = false;
    config.desks = [
      { type: 'webhook', name: 'ops', url: hook, timeout: parseDurationMs('1s'), headers: {}, rateLimitPerMinute: 600 },
      { type: 'webhook', name: 'payments-desk', url: 'http://127.0.0.1:9/never', timeout: parseDurationMs('1s'), headers: {}, rateLimitPerMinute: 600 },
    ];
    config.routing.fallback = ['ops'];
    config.delivery.pollInterval = parseDurationMs('50ms');
    config.services = {
      payments: { description: 'Card payments', owner: 'payments-team', impact: 'high', members: { hosts: ['pay-1', 'pay-2'], groups: [], matchers: [] }, dependsOn: ['database'], desks: ['payments-desk'] },
      database: { description: '', owner: 'dba', impact: 'medium', members: { hosts: [], groups: ['db'], matchers: [] }, dependsOn: [], desks: [] },
    };
    const rule = { ...diskRule, urgency: 'medium' as const, runbook: 'https://wiki.example.com/runbooks/disk-full' };
    const critical = { ...diskRule, name: 'filesystem_full', version: 'c1', fire: { op: 'above' as const, threshold: 0.99 }, severity: 'critical' as const };
    collector = await startCollector({ config, rules: [rule, critical], log: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await collector?.stop();
    await new Promise((ok) => receiver.close(ok));
  });

  it('lists the catalogue; a warning on a member is listed with its priority, runbook and routing, and leaves the service operational', async () => {
    expect(await send(report('db-1', 0.5, 'db'))).toBe(200);
    const before = await get('/api/v1/services');
    expect(before.body.services.map((s: any) => [s.name, s.state])).toEqual([['payments', 'operational'], ['database', 'operational']]);
    expect(before.body.services[1].hosts).toEqual(['db-1']);

    expect(await send(report('pay-1', 0.97))).toBe(200);
    const incident = (await get('/api/v1/incidents')).body.incidents[0];
    // impact high (payments) x urgency medium (the rule's) = P2
    expect(incident).toMatchObject({ host: 'pay-1', priority: 'P2', impact: 'high', urgency: 'medium', services: ['payments'] });
    expect(incident.priorityReason).toBe('impact high (service payments) x urgency medium (rule filesystem_space_low) = P2');
    expect(incident.why.runbook).toBe('https://wiki.example.com/runbooks/disk-full');
    // the disk rule is a warning: listed, but the service stays operational
    const payments = (await get('/api/v1/services/payments')).body;
    expect(payments).toMatchObject({ name: 'payments', state: 'operational', incidents: [{ host: 'pay-1', priority: 'P2', severity: 'warning' }] });
    // routed to the fallback, plus the desk of the service
    const detail = (await get(`/api/v1/incidents/${incident.id}`)).body;
    expect(detail.timeline.find((e: any) => e.kind === 'routed').text).toBe('no routes configured: every desk (ops); service payments adds payments-desk');
  });

  it('sends the desk the priority and the facts to act on: value, threshold and unit, breach start, runbook, link', async () => {
    await expect.poll(() => received.find((r) => r.operation === 'open' && r.incident.host === 'pay-1'), { timeout: 10_000 }).toBeDefined();
    const open = received.find((r) => r.operation === 'open' && r.incident.host === 'pay-1')!;
    expect(open.incident).toMatchObject({ priority: 'P2', impact: 'high', urgency: 'medium', services: ['payments'] });
    expect(open.incident.facts).toMatchObject({
      metric: 'filesystem_used_ratio', value: 0.97, comparison: 'above', threshold: 0.9, unit: 'ratio', breachStartedAt: expect.any(String),
      runbookUrl: 'https://wiki.example.com/runbooks/disk-full', link: `https://tripline.example.com/api/v1/incidents/${open.incident.id}`, occurrences: 1,
    });
  });

  it('a critical fault on one of two hosts degrades the service, on both an outage; the dependent follows its dependency', async () => {
    expect(await send(report('pay-2', 0.995))).toBe(200);
    const one = (await get('/api/v1/services/payments')).body;
    expect(one).toMatchObject({ state: 'degraded', unhealthyHosts: ['pay-2'] });
    expect(one.incidents.find((i: any) => i.ruleName === 'filesystem_full')).toMatchObject({ priority: 'P1' });
    expect(await send({ ...report('db-1', 0.995, 'db'), sequence: 2 })).toBe(200);
    const all = (await get('/api/v1/services')).body.services;
    expect(all.map((s: any) => [s.name, s.state, s.ownState])).toEqual([['payments', 'outage', 'degraded'], ['database', 'outage', 'outage']]);
  });

  it('answers 404 for a service the catalogue does not have', async () => {
    const answer = await get('/api/v1/services/nope');
    expect(answer).toEqual({ status: 404, body: { error: { code: 'TRIPLINE_NOT_FOUND', message: 'no service named "nope" (services: payments, database)' } } });
  });

  it('serves a viewer the service report of a month; a malformed or future month is a 400 naming the field', async () => {
    const month = new Date().toISOString().slice(0, 7);
    const answer = await get(`/api/v1/reports/services?month=${month}`);
    expect(answer.status).toBe(200);
    expect(answer.body.month).toBe(month);
    expect(answer.body.services.map((s: any) => s.service)).toEqual(['payments', 'database']);
    // opened this month: pay-1's warning, and on pay-2 both the warning and the critical rule
    expect(answer.body.services[0]).toMatchObject({ service: 'payments', incidents: 3, acknowledged: 0, slaBreaches: 0, mttaMinutes: null, availabilityPercent: expect.any(Number) });
    const bad = await get('/api/v1/reports/services?month=2026-13');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'TRIPLINE_VALIDATION_FAILED', message: 'querystring/month must be YYYY-MM (such as 2026-11), not "2026-13"' });
    const malformed = await get('/api/v1/reports/services?month=november');
    expect(malformed.status).toBe(400);
    expect(JSON.stringify(malformed.body)).toContain('month');
    expect((await get('/api/v1/reports/services?month=2999-01')).body.error.message).toBe('querystring/month is 2999-01, which has not begun yet');
    expect((await fetch(`${collector.url}/api/v1/reports/services?month=${month}`)).status).toBe(401);
  });
});
