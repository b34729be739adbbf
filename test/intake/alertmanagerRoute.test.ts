/**
 * The Alertmanager intake over real HTTP against a real collector (SQLite file, loopback, a webhook
 * desk): tokens, 422 with the field path (and nothing applied), a firing alert opening one incident
 * with its service, priority, runbook and ticket, the same notification again changing nothing, its
 * resolve resolving, a stale retry after the resolve opening nothing, a new episode re-opening, and a
 * rule reload leaving its incident alone.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../collector/collector.js';
import { REPORT_SCHEMA_VERSION, REPORTS_PATH, type Report } from '../../contract/report.js';
import { loadConfig } from '../../config/loadConfig.js';
import { parseDurationMs } from '../../config/duration.js';
import { diskRule } from '../incidents/lifecycleRules.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/processes.js';

const AGENT_TOKEN = 'intake-agent-token-0123456789';
const OPERATOR_TOKEN = 'intake-operator-token-0123456789';
const VIEWER_TOKEN = 'intake-viewer-token-0123456789';
const PATH = '/api/v1/intake/alertmanager';
const SECRET = 'intake-webhook-secret-0123456789';
const REARM_SECONDS = 2;

const startsAt = new Date(Date.now() - 60_000).toISOString();
const firing = {
  status: 'firing',
  labels: { alertname: 'CheckoutLatencyHigh', job: 'payments-api', instance: 'pay-1:8080', severity: 'critical' },
  annotations: { summary: 'checkout p99 over 2s', runbook_url: 'https://wiki.example.com/runbooks/latency' },
  startsAt,
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://prometheus.example.com:9090/graph?g0.expr=x',
  fingerprint: '5f1e2d3c4b5a6978',
};
const notification = (alerts: unknown[], status = 'firing') => ({
  version: '4', groupKey: '{}:{alertname="CheckoutLatencyHigh"}', truncatedAlerts: 0, status, receiver: 'tripline',
  groupLabels: { alertname: 'CheckoutLatencyHigh' }, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://alertmanager:9093', alerts,
});

describe('Alertmanager intake', () => {
  let collector: RunningCollector;
  let desk: WebhookReceiver;
  /** The alert's second episode (it fired again after its resolve). */
  let again = firing;
  const post = async (body: unknown, token = OPERATOR_TOKEN) => {
    const response = await fetch(`${collector.url}${PATH}`, {
      method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  /** The alerts' incidents (the service incident a critical alert opens for payments, when the service watcher runs, is not one of them). */
  const incidents = async () =>
    ((await (await fetch(`${collector.url}/api/v1/incidents`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } })).json()) as { incidents: Array<Record<string, any>> }).incidents.filter((i) => i.ruleName !== 'tripline:service');
  const deskOps = () => desk.received.filter((r) => r.payload.incident.ruleName === 'CheckoutLatencyHigh').map((r) => r.payload.operation);

  beforeAll(async () => {
    desk = await startWebhookReceiver(SECRET);
    const { config } = loadConfig(undefined, {});
    config.dataDir = mkdtempSync(join(tmpdir(), 'tripline-intake-'));
    config.collector.listen.port = 0;
    config.collector.agentTokens = [AGENT_TOKEN];
    config.collector.viewerTokens = [VIEWER_TOKEN];
    config.incidents.operatorTokens = [OPERATOR_TOKEN];
    config.incidents.reachability.enabled = false;
    config.incidents.resolveSettle = parseDurationMs('0s');
    config.incidents.rearmAfter = parseDurationMs(`${REARM_SECONDS}s`);
    config.desks = [{ type: 'webhook', name: 'ops', url: desk.url, secret: SECRET, timeout: parseDurationMs('1s'), headers: {}, rateLimitPerMinute: 600 }];
    config.routing.fallback = ['ops'];
    config.delivery.pollInterval = parseDurationMs('50ms');
    config.services = {
      payments: { description: 'Card payments', owner: 'payments-team', impact: 'high', members: { hosts: [], groups: [], matchers: ['job="payments-api"'] }, dependsOn: [], desks: [] },
    };
    collector = await startCollector({ config, rules: [diskRule], log: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await collector?.stop();
    await desk?.close();
  });

  it('needs an operator token: none is 401, a viewer 403', async () => {
    expect((await post(notification([firing]), '')).status).toBe(401);
    expect(await post(notification([firing]), VIEWER_TOKEN)).toMatchObject({ status: 403, body: { error: { code: 'TRIPLINE_FORBIDDEN' } } });
  });

  it.each([
    // [what, payload, field path]
    ['another version', { ...notification([firing]), version: '3' }, 'body/version'],
    ['no alerts array', { ...notification([firing]), alerts: undefined }, 'body'],
    ['a start that is no time', notification([firing, { ...firing, startsAt: 'yesterday' }]), 'body/alerts/1/startsAt'],
    ['an alert without alertname', notification([{ ...firing, labels: { job: 'x' } }]), 'body/alerts/0/labels'],
    ['a label value that is not a string', notification([{ ...firing, labels: { ...firing.labels, replica: 2 } }]), 'body/alerts/0/labels/replica'],
    ['an unknown status', notification([{ ...firing, status: 'pending' }]), 'body/alerts/0/status'],
    ['a receiver name of 100,000 characters', { ...notification([firing]), receiver: 'r'.repeat(100_000) }, 'body/receiver'],
  ])('%s is a 422 naming %s, and nothing is applied', async (_what, payload, path) => {
    const answer = await post(payload);
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({ code: 'TRIPLINE_ALERT_PAYLOAD_INVALID', path });
    expect(answer.body.error.message.startsWith(path)).toBe(true);
    expect(await incidents()).toEqual([]);
  });

  it('a gzip body is read like a plain one (a proxy that compresses); another encoding is a 415 naming the header', async () => {
    const send = (body: Buffer | string, encoding: string) =>
      fetch(`${collector.url}${PATH}`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'content-encoding': encoding, authorization: `Bearer ${OPERATOR_TOKEN}` } });
    const empty = JSON.stringify(notification([]));
    const gzipped = await send(gzipSync(empty), 'gzip');
    expect(gzipped.status).toBe(200);
    expect(await gzipped.json()).toEqual({ alerts: 0, opened: 0, resolved: 0, unchanged: 0 });
    const brotli = await send(empty, 'br');
    expect(brotli.status).toBe(415);
    expect(await brotli.json()).toMatchObject({ error: { code: 'TRIPLINE_UNSUPPORTED_ENCODING', path: 'headers/content-encoding' } });
    const corrupt = await send('not gzip', 'gzip');
    expect(corrupt.status).toBe(400);
    expect(await corrupt.json()).toMatchObject({ error: { code: 'TRIPLINE_MALFORMED_GZIP' } });
  });

  it('body that is no JSON is a 400', async () => {
    expect(await post('{"version":')).toMatchObject({ status: 400, body: { error: { code: 'TRIPLINE_MALFORMED_JSON' } } });
  });

  it('a firing alert opens one incident with its service, the matrix priority, host and runbook, and a ticket', async () => {
    expect(await post(notification([firing]))).toEqual({ status: 200, body: { alerts: 1, opened: 1, resolved: 0, unchanged: 0 } });
    const [incident] = await incidents();
    // impact high (payments, by job="payments-api") x urgency high (critical) = P1
    expect(incident).toMatchObject({ ruleName: 'CheckoutLatencyHigh', host: 'pay-1', severity: 'critical', status: 'open', priority: 'P1', services: ['payments'], summary: 'checkout p99 over 2s' });
    expect(incident!.why).toMatchObject({ runbook: 'https://wiki.example.com/runbooks/latency', breachingSinceMs: Date.parse(startsAt) });
    await expect.poll(deskOps, { timeout: 10_000 }).toEqual(['open']);
    const open = desk.received.find((r) => r.payload.operation === 'open')!.payload;
    expect(open.incident).toMatchObject({ priority: 'P1', services: ['payments'], facts: { runbookUrl: 'https://wiki.example.com/runbooks/latency', breachStartedAt: startsAt } });
  });

  it('the same notification again (group_interval, a retry) changes nothing', async () => {
    expect((await post(notification([firing]))).body).toEqual({ alerts: 1, opened: 0, resolved: 0, unchanged: 1 });
    expect(await incidents()).toHaveLength(1);
  });

  it('a rule reload does not retire it: no Tripline rule owns it', async () => {
    collector.replaceRules([{ ...diskRule, name: 'other_rule' }]);
    const at = new Date().toISOString();
    const report: Report = {
      schemaVersion: REPORT_SCHEMA_VERSION, agent: { id: 'agent-x', hostname: 'x', version: 'test', intervalSeconds: 15, labels: {} }, sequence: 1, sentAt: at,
      observations: [{ metric: 'filesystem_used_ratio', labels: { mount: '/' }, value: 0.1, at }], checks: [],
    };
    const sent = await fetch(`${collector.url}${REPORTS_PATH}`, { method: 'POST', body: JSON.stringify(report), headers: { 'content-type': 'application/json', authorization: `Bearer ${AGENT_TOKEN}` } });
    expect(sent.status).toBe(200);
    expect((await incidents())[0]).toMatchObject({ status: 'open' });
  });

  it('its resolve resolves the incident and the ticket', async () => {
    const endsAt = new Date().toISOString();
    expect((await post(notification([{ ...firing, status: 'resolved', endsAt }], 'resolved'))).body).toEqual({ alerts: 1, opened: 0, resolved: 1, unchanged: 0 });
    expect((await incidents())[0]).toMatchObject({ status: 'resolved', resolvedAt: endsAt });
    await expect.poll(deskOps, { timeout: 10_000 }).toEqual(['open', 'resolve']);
  });

  it('a late retry of the firing notification opens nothing; a new episode re-opens the incident', async () => {
    expect((await post(notification([firing]))).body).toMatchObject({ opened: 0, unchanged: 1 });
    expect((await incidents())[0]).toMatchObject({ status: 'resolved' });
    again = { ...firing, startsAt: new Date().toISOString() };
    expect((await post(notification([again]))).body).toMatchObject({ opened: 1 });
    const list = await incidents();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ status: 'open', occurrences: 2 });
    await expect.poll(deskOps, { timeout: 10_000 }).toEqual(['open', 'resolve', 'reopen']);
  });

  it('resolved by hand while it still fires: the resolve holds until rearmAfter, then the next firing notification opens it again', async () => {
    const [incident] = await incidents();
    const id = incident!.id as number;
    const act = (kind: 'resolve') =>
      fetch(`${collector.url}/api/v1/incidents/${id}/${kind}`, { method: 'POST', body: JSON.stringify({ comment: 'looked fine' }), headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_TOKEN}` } });
    const timeline = async () =>
      ((await (await fetch(`${collector.url}/api/v1/incidents/${id}/explain`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } })).json()) as { timeline: Array<{ kind: string; text: string }> }).timeline;
    const current = again;
    expect((await act('resolve')).status).toBe(200);
    // Before the re-arm time the operator's resolve holds.
    expect((await post(notification([current]))).body).toMatchObject({ opened: 0, unchanged: 1 });
    expect((await incidents())[0]).toMatchObject({ status: 'resolved' });
    await new Promise((resolve) => setTimeout(resolve, REARM_SECONDS * 1000 + 200));
    // A report runs the collector's re-arm sweep: it cannot tell whether the alert still fires, so it leaves it to the notification ...
    const at = new Date().toISOString();
    const report: Report = {
      schemaVersion: REPORT_SCHEMA_VERSION, agent: { id: 'agent-x', hostname: 'x', version: 'test', intervalSeconds: 15, labels: {} }, sequence: 2, sentAt: at,
      observations: [{ metric: 'filesystem_used_ratio', labels: { mount: '/' }, value: 0.1, at }], checks: [],
    };
    expect((await fetch(`${collector.url}${REPORTS_PATH}`, { method: 'POST', body: JSON.stringify(report), headers: { 'content-type': 'application/json', authorization: `Bearer ${AGENT_TOKEN}` } })).status).toBe(200);
    await expect.poll(async () => (await timeline()).map((e) => e.kind), { timeout: 5_000 }).toContain('rearm-deferred');
    expect((await timeline()).map((e) => e.text).join('\n')).not.toContain('the problem cleared');
    // ... whose next firing one opens it again, with its ticket.
    expect((await post(notification([current]))).body).toMatchObject({ opened: 1 });
    expect((await incidents())[0]).toMatchObject({ status: 'open', occurrences: 3 });
    expect((await timeline()).map((e) => e.kind)).toContain('rearmed');
    await expect.poll(deskOps, { timeout: 10_000 }).toEqual(['open', 'resolve', 'reopen', 'resolve', 'reopen']);

    // Resolved by hand again, and this time the alert resolves: the re-arm is dropped, truthfully.
    expect((await act('resolve')).status).toBe(200);
    expect((await post(notification([{ ...current, status: 'resolved', endsAt: new Date().toISOString() }], 'resolved'))).body).toMatchObject({ opened: 0, resolved: 0, unchanged: 1 });
    expect((await incidents())[0]).toMatchObject({ status: 'resolved' });
    const after = (await timeline()).map((e) => `${e.kind}: ${e.text}`);
    expect(after.slice(after.findLastIndex((e) => e.startsWith('resolved: resolved by hand')))).toContain('rearm-dropped: not re-armed: the problem cleared after the manual resolve');
    // A late firing retry of that episode opens nothing now.
    await new Promise((resolve) => setTimeout(resolve, REARM_SECONDS * 1000 + 200));
    expect((await post(notification([current]))).body).toMatchObject({ opened: 0, unchanged: 1 });
    expect((await incidents())[0]).toMatchObject({ status: 'resolved' });
  }, 30_000);

  it('(the status page is off by default: no /status)', async () => {
    expect((await fetch(`${collector.url}/status`)).status).toBe(404);
    expect((await fetch(`${collector.url}/status.json`)).status).toBe(404);
  });
});
