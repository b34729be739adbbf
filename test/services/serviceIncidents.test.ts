/**
 * Service incidents on a stepped clock, through the outbox to the ServiceNow and Jira fakes (each
 * faithful to its documented API: `parent_incident` on the Table API, POST /rest/api/2/issueLink):
 * a real SQLite file, the incident core and rules pipeline wired as the collector wires them, the
 * service watcher and the outbox worker run at chosen times.
 *
 * A fault on one member of a two-host service opens one service incident whose parent ticket has
 * the host ticket linked under it; a second fault joins the same parent; the resolve of the last
 * child resolves the parent. Unhappy paths: the desk refuses connections while the parent opens,
 * and the desk's answer to the parent's create is lost and the collector restarts: one parent,
 * child linked, every time.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createAlertPipeline } from '../../collector/alerting/alertPipeline.js';
import { createCollectorMetrics } from '../../collector/collectorMetrics.js';
import { createDesk } from '../../collector/desk/createDesk.js';
import { createOutboxWorker } from '../../collector/desk/outboxWorker.js';
import { describeIncident } from '../../collector/desk/ticketFacts.js';
import { isServiceIncident } from '../../collector/domain/serviceIncident.js';
import { createIncidentCore } from '../../collector/incidents/incidentCore.js';
import { createServiceWatcher } from '../../collector/services/serviceWatcher.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { Store } from '../../collector/store/store.js';
import { parseDurationMs } from '../../config/duration.js';
import { loadConfig } from '../../config/loadConfig.js';
import { testRule } from '../rules/ruleScenario.js';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy.js';
import { startJiraFake, type JiraFake } from '../support/fakes/jiraFake.js';
import { startServiceNowFake, type ServiceNowFake } from '../support/fakes/serviceNowFake.js';

const T0 = Date.UTC(2026, 10, 2, 9, 0);
const MINUTE = 60_000;
const SN_USER = 'tripline.integration';
const SN_PASSWORD = 'servicenow-password-service-incidents';
const JIRA_USER = 'ops@example.com';
const JIRA_TOKEN = 'jira-token-service-incidents';

const diskFull = testRule({ name: 'filesystem_full', metric: 'filesystem_used_ratio', fire: { op: 'above', threshold: 0.98 }, severity: 'critical', summary: 'Filesystem {{ labels.mount }} on {{ labels.host }} is full' });

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function setup() {
  const snow = await startServiceNowFake(SN_USER, SN_PASSWORD);
  const jira = await startJiraFake(JIRA_USER, JIRA_TOKEN, { indexLagMs: 0 });
  const proxy = await startFaultProxy(snow.url);
  closers.push(() => snow.close(), () => jira.close(), () => proxy.close());
  const file = join(mkdtempSync(join(tmpdir(), 'tripline-service-incidents-')), 'tripline.db');
  let now = T0;
  const clock = { nowMs: () => now };
  const { config } = loadConfig(undefined, {});
  config.incidents.reachability.enabled = false;
  config.incidents.resolveSettle = parseDurationMs('0s'); // a clear resolves at once: the lifecycle's settle time is not what this tests
  const timeout = parseDurationMs('5s');
  config.desks = [
    { type: 'servicenow', name: 'snow', url: proxy.url, mode: 'table', user: SN_USER, secret: SN_PASSWORD, timeout, rateLimitPerMinute: 6000, closeCode: 'Solved (Permanently)', closeNotes: 'Resolved by Tripline', eventSource: 'Tripline' },
    { type: 'jira', name: 'jira', url: jira.url, user: JIRA_USER, secret: JIRA_TOKEN, project: 'OPS', issueType: 'Incident', timeout, rateLimitPerMinute: 6000 },
  ];
  config.services = { payments: { description: 'Card payments', owner: 'payments-team', impact: 'high', members: { hosts: ['pay-1', 'pay-2'], groups: [], matchers: [] }, dependsOn: [], desks: [] } };
  const log = pino({ level: 'silent' });
  const desks = new Map(config.desks.map((d) => [d.name, createDesk(d, clock)] as const));
  const metrics = createCollectorMetrics({ activeIncidents: () => 0, outboxPending: () => 0, outboxDead: () => 0, unhealthyRules: () => 0 });

  /** One collector process over the database file: a restart is `stop()` and `start()` again. */
  const start = () => {
    const store = openSqliteStore({ file });
    const core = createIncidentCore({ store, config, clock, log });
    const pipeline = createAlertPipeline({ rules: [diskFull], initialStates: store.loadRuleStates(), incidents: core.service, log });
    const watcher = createServiceWatcher({ store, catalogue: core.catalogue, priority: config.priority, clock, log, intervalMs: 1000 });
    const worker = createOutboxWorker({
      store, desks, clock, log, metrics, maxAttempts: 10, initialBackoffSeconds: 1, maxBackoffSeconds: 60, pollIntervalMs: 1000, random: () => 0.5,
      describeIncident: (incident) => describeIncident({ store, classify: core.classify, publicUrl: '' }, incident),
    });
    return { store, pipeline, watcher, worker };
  };
  let collector = start();
  let sequence = 0;
  const report = (host: string, used: number) => {
    sequence++;
    const samples = [{ metric: 'filesystem_used_ratio', labels: { host, mount: '/' }, value: used, atMs: now }];
    const { commit } = collector.store.transaction((tx) => {
      tx.insertReport({ agentId: host, hostname: host, labels: {}, version: 't', intervalSeconds: 15, sequence, receivedAtMs: now, samples, checks: [] });
      return collector.pipeline.process(tx, samples, now);
    });
    commit();
  };
  /** Delivers everything due, stepping the clock past each backoff, until nothing is left to do. */
  const drain = async () => {
    for (let round = 0; round < 40; round++) {
      while ((await collector.worker.runOnce()) > 0);
      if (collector.store.countOutbox('pending') === 0) return;
      now += MINUTE;
    }
    throw new Error(`outbox not drained: ${JSON.stringify(collector.store.listOutbox({ state: 'pending' }))}`);
  };
  /** Runs the worker for a few minutes of the stepped clock (retries come due), without insisting that it finishes. */
  const deliverFor = async (minutes: number) => {
    for (let round = 0; round < minutes; round++) {
      while ((await collector.worker.runOnce()) > 0);
      now += MINUTE;
    }
  };
  const serviceIncidents = (store: Store) => store.listIncidents({ limit: 1000 }).filter(isServiceIncident);
  const hostIncident = (host: string) => collector.store.listIncidents({ host, limit: 10 })[0]!;
  return {
    snow, jira, proxy, report, drain, deliverFor, hostIncident,
    get store() {
      return collector.store;
    },
    get watcher() {
      return collector.watcher;
    },
    serviceIncidents: () => serviceIncidents(collector.store),
    at: (minutes: number) => {
      now = T0 + minutes * MINUTE;
    },
    restart: () => {
      collector.store.close();
      collector = start();
      collector.worker.start(); // releases leases held at the "crash"
      return collector.worker.stop();
    },
    close: () => collector.store.close(),
  };
}

/** The ServiceNow incidents, by the incident key Tripline gave them. */
const snowByKey = (snow: ServiceNowFake, key: string) => [...snow.incidents.values()].filter((i) => i.correlation_id === key);
/** The Jira issues, by the label Tripline gave them. */
const jiraByKey = (jira: JiraFake, key: string) => [...jira.issues.values()].filter((i) => i.labels.includes(key));

describe('service incidents', () => {
  it('a fault on one host opens one parent ticket with the host ticket under it; a second fault joins it; the last resolve resolves it', async () => {
    const t = await setup();
    closers.push(() => t.close());
    t.report('pay-1', 0.99);
    t.report('pay-2', 0.5);
    const first = t.hostIncident('pay-1');
    expect(t.watcher.runOnce()).toMatchObject({ opened: [expect.any(Number)], linked: [first.id] });
    const [parent] = t.serviceIncidents();
    expect(parent).toMatchObject({ status: 'open', labels: { service: 'payments' }, summary: 'Service payments is degraded (1 of 2 member hosts unhealthy: pay-1)' });
    expect(t.store.incidentPriority(parent!.id)).toMatchObject({ services: ['payments'], priority: 'P1' }); // impact high x urgency high (critical)
    await t.drain();

    const snowParent = snowByKey(t.snow, parent!.key);
    const snowChild = snowByKey(t.snow, first.key);
    expect(snowParent).toHaveLength(1);
    expect(snowChild[0]!.parent_incident).toBe(snowParent[0]!.sys_id);
    const jiraParent = jiraByKey(t.jira, parent!.key);
    expect(jiraParent).toHaveLength(1);
    expect(jiraByKey(t.jira, first.key)[0]!.links).toEqual([{ type: 'Relates', outward: jiraParent[0]!.key }]);

    // a second member fails: linked under the same parent, no second service incident
    t.at(5);
    t.report('pay-2', 0.99);
    const second = t.hostIncident('pay-2');
    expect(t.watcher.runOnce()).toMatchObject({ opened: [], linked: [second.id] });
    await t.drain();
    expect(t.serviceIncidents()).toHaveLength(1);
    expect(snowByKey(t.snow, second.key)[0]!.parent_incident).toBe(snowParent[0]!.sys_id);
    expect(jiraByKey(t.jira, second.key)[0]!.links).toEqual([{ type: 'Relates', outward: jiraParent[0]!.key }]);

    // one child resolves: the parent stays open; the last one resolves: so does the parent
    t.at(10);
    t.report('pay-1', 0.5);
    expect(t.watcher.runOnce()).toMatchObject({ resolved: [] });
    t.at(15);
    t.report('pay-2', 0.5);
    expect(t.watcher.runOnce()).toMatchObject({ resolved: [parent!.id] });
    await t.drain();
    expect(t.store.getIncident(parent!.id)).toMatchObject({ status: 'resolved', resolvedAtMs: T0 + 15 * MINUTE });
    expect(snowParent[0]!.state).toBe('6');
    expect(jiraParent[0]!.status).toBe('Done');
    expect([...t.snow.incidents.values()].map((i) => i.state)).toEqual(['6', '6', '6']);
    // nothing more to do on later passes
    t.at(20);
    expect(t.watcher.runOnce()).toEqual({ stateChanges: 0, opened: [], linked: [], resolved: [] });
  });

  it('the desk refusing connections while the parent opens: retried, one parent, child linked', async () => {
    const t = await setup();
    closers.push(() => t.close());
    t.report('pay-1', 0.99);
    await t.drain(); // the host ticket exists before the service degrades
    const child = t.hostIncident('pay-1');
    await t.proxy.refuse();
    t.watcher.runOnce();
    await t.deliverFor(3); // ServiceNow is down: its rows wait with backoff (Jira goes through)
    const parent = t.serviceIncidents()[0]!;
    expect(snowByKey(t.snow, parent.key)).toHaveLength(0);
    expect(t.store.outboxForIncident(parent.id).find((r) => r.desk === 'snow')).toMatchObject({ state: 'pending', lastError: expect.stringContaining('TRIPLINE_DESK') });
    // the watcher runs on meanwhile: no second service incident, no second link
    expect(t.watcher.runOnce()).toMatchObject({ opened: [], linked: [] });
    await t.proxy.resume();
    await t.drain();
    expect(snowByKey(t.snow, parent.key)).toHaveLength(1);
    expect(snowByKey(t.snow, child.key)[0]!.parent_incident).toBe(snowByKey(t.snow, parent.key)[0]!.sys_id);
    expect(t.serviceIncidents()).toHaveLength(1);
  });

  it("the desk's answer to the parent's create is lost and the collector restarts: the parent is found by its key, not made twice", async () => {
    const t = await setup();
    closers.push(() => t.close());
    t.report('pay-1', 0.99);
    await t.drain();
    const child = t.hostIncident('pay-1');
    t.proxy.inject({ kind: 'lose-response', match: { method: 'POST', path: /^\/api\/now\/table\/incident\?/ } });
    t.watcher.runOnce();
    await t.deliverFor(1); // the create reached ServiceNow, its answer did not come back: the row waits for its retry
    const parent = t.serviceIncidents()[0]!;
    expect(snowByKey(t.snow, parent.key)).toHaveLength(1);
    expect(t.store.getTicket(parent.id, 'snow')).toBeUndefined();
    await t.restart();
    expect(t.watcher.runOnce()).toMatchObject({ opened: [], linked: [] }); // found active by its fingerprint, links kept
    await t.drain();
    expect(snowByKey(t.snow, parent.key)).toHaveLength(1);
    expect(t.store.getTicket(parent.id, 'snow')?.externalId).toBe(snowByKey(t.snow, parent.key)[0]!.sys_id);
    expect(t.store.incidentEvents(parent.id).some((e) => e.kind === 'desk-open' && e.text.startsWith('recovered ticket'))).toBe(true);
    expect(snowByKey(t.snow, child.key)[0]!.parent_incident).toBe(snowByKey(t.snow, parent.key)[0]!.sys_id);
    expect(jiraByKey(t.jira, parent.key)).toHaveLength(1);
    expect(t.serviceIncidents()).toHaveLength(1);
  });

  it('a service incident a person resolved stays resolved while its children are still active: no second parent', async () => {
    const t = await setup();
    closers.push(() => t.close());
    t.report('pay-1', 0.99);
    t.watcher.runOnce();
    const parent = t.serviceIncidents()[0]!;
    t.store.transaction((tx) => tx.updateIncident(parent.id, { status: 'resolved', resolvedAtMs: T0, updatedAtMs: T0 }));
    t.at(1);
    expect(t.watcher.runOnce()).toMatchObject({ opened: [], linked: [], resolved: [] });
    expect(t.serviceIncidents()).toHaveLength(1);
  });
});
