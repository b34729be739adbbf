/**
 * The operations layer on its own, as the HTTP API, the CLI and the benchmarks share it: a real
 * SQLite store in memory, the incident core wired as the collector wires it, and a fixed clock.
 * Every refusal is an OperationError whose problem and field the adapters turn into their answers.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createAlertPipeline } from '../../collector/alerting/alertPipeline.js';
import { createIncidentCore } from '../../collector/incidents/incidentCore.js';
import { createOperations, type Operations } from '../../collector/operations/createOperations.js';
import { OperationError } from '../../collector/operations/operationError.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import { loadConfig } from '../../config/loadConfig.js';
import { diskRule } from '../incidents/lifecycleRules.js';
import { parseDurationMs } from '../../config/duration.js';

/** Wednesday 1 January 2025, 11:10 UTC: 12:10 in Berlin. */
const NOW = Date.UTC(2025, 0, 1, 11, 10);

/** A config file of this YAML text (the defaults for everything it leaves out). */
function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tripline-operations-')), 'config.yaml');
  writeFileSync(file, text);
  return file;
}

function setup(timeZone = 'UTC', configText?: string) {
  const store = openSqliteStore({ file: ':memory:' });
  const { config } = loadConfig(configText === undefined ? undefined : configFile(configText), {});
  config.timeZone = timeZone;
  config.incidents.reachability.enabled = false;
  config.desks = [{ type: 'webhook', name: 'ops', url: 'http://127.0.0.1:9/never', timeout: parseDurationMs('1s'), headers: {}, rateLimitPerMinute: 600 }];
  const clock = { nowMs: () => NOW };
  const log = pino({ level: 'silent' });
  const core = createIncidentCore({ store, config, clock, log });
  const operations = createOperations({ store, config, clock, core });
  const pipeline = createAlertPipeline({ rules: [diskRule], initialStates: new Map(), incidents: core.service, log });
  /** A full disk reported by `host` now: the disk rule fires at once. */
  const fullDisk = (host: string) => {
    const samples = [{ metric: 'filesystem_used_ratio', labels: { host, mount: '/' }, value: 0.97, atMs: NOW }];
    const { commit } = store.transaction((tx) => {
      tx.insertReport({ agentId: host, hostname: host, labels: {}, version: 't', intervalSeconds: 15, sequence: 1, receivedAtMs: NOW, samples, checks: [] });
      return pipeline.process(tx, samples, NOW);
    });
    commit();
    return store.listIncidents().find((i) => i.host === host)!;
  };
  return { store, operations, fullDisk };
}

/** What an operation threw: its problem, field and message. */
function refusal(action: () => unknown): Pick<OperationError, 'problem' | 'field' | 'message'> {
  try {
    action();
  } catch (error) {
    if (error instanceof OperationError) return { problem: error.problem, field: error.field, message: error.message };
    throw error;
  }
  throw new Error('the operation did not refuse');
}

describe('operations', () => {
  it('acknowledge and resolve answer with the incident and the reason, and refuse what the state forbids', () => {
    const { operations, fullDisk, store } = setup();
    const { id } = fullDisk('web-1');
    expect(operations.acknowledge(id, { by: 'alice', comment: 'looking' })).toMatchObject({ incident: { id, status: 'acknowledged' }, reason: 'acknowledged by alice: looking' });
    expect(refusal(() => operations.acknowledge(id, { by: 'bob', comment: '' }))).toEqual({
      problem: 'conflict',
      field: undefined,
      message: `incident ${id} is acknowledged; only an open incident can be acknowledged`,
    });
    expect(operations.resolve(id, { by: 'alice', comment: '' }).incident.status).toBe('resolved');
    expect(refusal(() => operations.resolve(999, { by: 'alice', comment: '' }))).toMatchObject({ problem: 'not-found', message: 'incident 999 does not exist' });
    expect(refusal(() => operations.explainIncident(999))).toMatchObject({ problem: 'not-found' });
    expect(store.outboxForIncident(id).map((o) => o.operation)).toEqual(['open', 'update', 'resolve']);
    expect(operations.explainIncident(id).timeline.map((e) => e.kind)).toEqual(['opened', 'routed', 'acknowledged', 'resolved']);
  });

  it.each<[string, (operations: Operations) => unknown, Partial<OperationError>]>([
    // the second matcher does not parse: named by its index
    ['a bad matcher', (o) => o.addSilence({ matchers: ['host="web-1"', 'mount=~"("'], expiresAtMs: NOW + 3_600_000, createdBy: 'a' }), { problem: 'invalid', field: { path: 'matchers/1', subject: 'field' } }],
    // a silence that would be over before it begins
    ['an expiry now', (o) => o.addSilence({ matchers: ['host="web-1"'], expiresAtMs: NOW, createdBy: 'a' }), { problem: 'invalid', field: { path: 'expiresAt', subject: 'field' }, message: 'must be after startsAt and in the future' }],
    // an expiry before its own start
    ['an expiry before the start', (o) => o.addSilence({ matchers: ['host="web-1"'], startsAtMs: NOW + 7_200_000, expiresAtMs: NOW + 3_600_000, createdBy: 'a' }), { problem: 'invalid', field: { path: 'expiresAt', subject: 'field' } }],
    // no such silence
    ['an unknown silence', (o) => o.expireSilence(42), { problem: 'not-found', message: 'silence 42 does not exist' }],
    // a minute out of range, in node-cron's terms
    ['a bad cron', (o) => o.addMaintenance({ cron: '61 * * * *', durationMs: parseDurationMs('1h'), host: 'db-1' }), { problem: 'invalid', field: { path: 'cron', subject: 'field' }, message: 'is not a valid cron expression: "61" is not a valid minute (0-59)' }],
    // both a host and a group: the input as a whole is wrong, pointed at host
    ['both host and group', (o) => o.addMaintenance({ cron: '0 2 * * 0', durationMs: parseDurationMs('1h'), host: 'db-1', group: 'db' }), { problem: 'invalid', field: { path: 'host', subject: 'input' }, message: 'must name exactly one of host and group' }],
    // neither
    ['neither host nor group', (o) => o.addMaintenance({ cron: '0 2 * * 0', durationMs: parseDurationMs('1h') }), { problem: 'invalid', field: { path: 'host', subject: 'input' } }],
    // no such window
    ['an unknown window', (o) => o.removeMaintenance(7), { problem: 'not-found', message: 'maintenance window 7 does not exist' }],
    // no such delivery
    ['an unknown delivery', (o) => o.retryDelivery(5), { problem: 'not-found', message: 'delivery 5 does not exist' }],
    // no such agent
    ['an unknown agent', (o) => o.revokeAgent('nobody'), { problem: 'not-found', message: 'no enrolled, unrevoked agent nobody' }],
  ])('refuses %s', (_what, action, expected) => {
    const { operations } = setup();
    expect(refusal(() => action(operations))).toMatchObject(expected);
  });

  it('adds, lists and expires silences as the API shows them', () => {
    const { operations } = setup();
    const silence = operations.addSilence({ matchers: ['host="web-1"', 'mount=~"/data.*"'], expiresAtMs: NOW + 3_600_000, comment: 'disk swap', createdBy: 'alice' });
    expect(silence).toEqual({ id: 1, matchers: ['host="web-1"', 'mount=~"/data.*"'], comment: 'disk swap', createdBy: 'alice', startsAt: '2025-01-01T11:10:00.000Z', expiresAt: '2025-01-01T12:10:00.000Z' });
    expect(operations.listSilences({ includeExpired: false })).toHaveLength(1);
    expect(operations.expireSilence(1).expiresAt).toBe('2025-01-01T11:10:00.000Z');
    expect(operations.listSilences({ includeExpired: false })).toHaveLength(0);
    expect(operations.listSilences({ includeExpired: true })).toHaveLength(1);
  });

  it.each([
    // daily 12:00 is 12:00 UTC in UTC, and 11:00 UTC in Berlin in winter
    ['UTC', '2025-01-01T12:00:00.000Z'],
    ['Europe/Berlin', '2025-01-02T11:00:00.000Z'],
  ])('gives a window\'s next start in the configured time zone (%s)', (timeZone, nextStart) => {
    const { operations } = setup(timeZone);
    expect(operations.addMaintenance({ cron: '0 12 * * *', durationMs: parseDurationMs('30m'), group: 'db' })).toEqual({ id: 1, cron: '0 12 * * *', duration: '1800s', host: null, group: 'db', comment: '', nextStart });
    expect(operations.listMaintenance().map((w) => w.nextStart)).toEqual([nextStart]);
    operations.removeMaintenance(1);
    expect(operations.listMaintenance()).toEqual([]);
  });

  it.each([
    // 11:10 UTC is 12:10 in Berlin: inside the 12:00 window there, not in UTC
    ['Europe/Berlin', 'maintenance', false],
    ['UTC', null, true],
  ])('holds an incident in a window read in the configured time zone (%s)', (timeZone, hold, ticketed) => {
    const { operations, fullDisk } = setup(timeZone);
    operations.addMaintenance({ cron: '0 12 * * *', durationMs: parseDurationMs('30m'), host: 'web-1' });
    expect(fullDisk('web-1')).toMatchObject({ hold, ticketed });
  });

  it('retries only a dead delivery, with the dead ones after it, and notes it on the incident', () => {
    const { operations, fullDisk, store } = setup();
    const { id } = fullDisk('web-1');
    operations.resolve(id, { by: 'alice', comment: '' });
    const [open, resolve] = store.outboxForIncident(id);
    expect(refusal(() => operations.retryDelivery(open!.id))).toEqual({ problem: 'conflict', field: undefined, message: `delivery ${open!.id} is pending, not dead: only dead letters can be retried` });
    store.transaction((tx) => {
      tx.markOutboxDead(open!.id, 'TRIPLINE_DESK_REJECTED: no');
      tx.markOutboxDead(resolve!.id, 'TRIPLINE_DESK_REJECTED: no open');
    });
    const retried = operations.retryDelivery(open!.id);
    expect(retried.retried).toEqual([open!.id, resolve!.id]);
    expect(retried.deliveries.map((d) => d.state)).toEqual(['pending', 'pending']);
    expect(operations.explainIncident(id).timeline.at(-1)).toMatchObject({ kind: 'desk-retry', text: 'dead open at ops queued again by an operator (with 1 operation(s) after it)' });
  });

  it('shows a delivery that failed before desk codes took the TRIPLINE_ prefix as it was stored', () => {
    const { operations, fullDisk, store } = setup();
    const { id } = fullDisk('web-1');
    const [open] = store.outboxForIncident(id);
    store.transaction((tx) => tx.markOutboxDead(open!.id, 'DESK_REJECTED: ops answered HTTP 400: bad field'));
    expect(operations.listDeliveries({ state: 'dead' })).toEqual([expect.objectContaining({ id: open!.id, lastError: 'DESK_REJECTED: ops answered HTTP 400: bad field' })]);
    expect(operations.retryDelivery(open!.id).retried).toEqual([open!.id]);
  });

  it('lists and revokes enrolled agents', () => {
    const { operations, store } = setup();
    store.enrollAgent({ agentId: 'agent-1', hostname: 'h1', credentialSha256: 'x'.repeat(64), atMs: NOW - 60_000 });
    operations.revokeAgent('agent-1');
    expect(operations.listAgents()).toEqual([{ agentId: 'agent-1', hostname: 'h1', enrolledAt: '2025-01-01T11:09:00.000Z', revokedAt: '2025-01-01T11:10:00.000Z' }]);
    expect(refusal(() => operations.revokeAgent('agent-1'))).toMatchObject({ problem: 'not-found' });
  });

  it('filters incidents by host, severity, rule and page, and shows a host with one as a problem in the fleet', () => {
    const { operations, fullDisk } = setup();
    const a = fullDisk('web-1');
    const b = fullDisk('web-2');
    expect(operations.listIncidents({ host: 'web-2' }).map((i) => i.id)).toEqual([b.id]);
    expect(operations.listIncidents({ ruleName: diskRule.name, status: 'active' }).map((i) => i.id)).toEqual([b.id, a.id]);
    expect(operations.listIncidents({ severity: 'no-such-severity' })).toEqual([]);
    expect(operations.listIncidents({ beforeId: b.id }).map((i) => i.id)).toEqual([a.id]);
    operations.resolve(a.id, { by: 'alice', comment: '' });
    expect(operations.listIncidents({ host: 'web-1', status: 'active' })).toEqual([]);
    const fleet = operations.fleet();
    expect(fleet.hosts.map((h) => [h.hostname, h.status, h.openIncidents, h.worstSeverity])).toEqual([
      ['web-1', 'ok', 0, null],
      ['web-2', 'problem', 1, diskRule.severity],
    ]);
  });

  it("shows each host's services in the fleet and filters the fleet by service", () => {
    const { operations, fullDisk } = setup(
      'UTC',
      `services:
  shop:
    description: The web shop
    owner: web-team
    impact: high
    members: { hosts: [web-1, web-2] }
  checkout:
    description: Checkout
    owner: web-team
    impact: medium
    members: { hosts: [web-2] }
`,
    );
    for (const host of ['web-1', 'web-2', 'db-1']) fullDisk(host);
    expect(operations.fleet().hosts.map((h) => [h.hostname, h.services])).toEqual([
      ['db-1', []],
      ['web-1', ['shop']],
      ['web-2', ['shop', 'checkout']],
    ]);
    expect(operations.fleet({ service: 'checkout' }).hosts.map((h) => h.hostname)).toEqual(['web-2']);
    expect(operations.fleet({ service: 'shop', status: 'problem' })).toMatchObject({ total: 2, counts: { ok: 0, problem: 2, silent: 0 } });
    expect(operations.fleet({ service: 'no-such-service' })).toMatchObject({ total: 0, hosts: [] });
  });
});
