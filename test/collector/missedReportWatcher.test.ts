/**
 * The missed-report watcher on a real SQLite store with the incident core wired as the collector
 * wires it: it reads only overdue hosts, judges them a slice per transaction, gives the event loop
 * back between slices, and never judges a host that reported while it yielded by a stale silence.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createAlertPipeline } from '../../collector/alerting/alertPipeline.js';
import { createMissedReportWatcher } from '../../collector/alerting/missedReportWatcher.js';
import { createIncidentCore } from '../../collector/incidents/incidentCore.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { Store } from '../../collector/store/store.js';
import { parseDurationMs } from '../../config/duration.js';
import { loadConfig } from '../../config/loadConfig.js';
import { agentSilentRule } from '../incidents/lifecycleRules.js';

const T0 = Date.UTC(2025, 0, 1, 12, 0);
const HOSTS = ['h1', 'h2', 'h3', 'h4', 'h5'];

function setup(onYield: (store: Store, report: (host: string) => void) => void = () => {}, startedAtMs?: number) {
  const store = openSqliteStore({ file: ':memory:' });
  const { config } = loadConfig(undefined, {});
  config.incidents.reachability.enabled = false;
  config.incidents.resolveSettle = parseDurationMs('0s');
  let nowMs = T0;
  const clock = { nowMs: () => nowMs };
  const log = pino({ level: 'silent' });
  const core = createIncidentCore({ store, config, clock, log });
  const pipeline = createAlertPipeline({ rules: [agentSilentRule], initialStates: new Map(), incidents: core.service, log });
  const transactions: string[][] = [];
  const sequences = new Map<string, number>();
  const report = (host: string) => {
    const sequence = (sequences.get(host) ?? -1) + 1;
    sequences.set(host, sequence);
    const samples = [{ metric: 'agent_missed_reports', labels: { host }, value: 0, atMs: nowMs }];
    const { commit } = store.transaction((tx) => {
      tx.insertReport({ agentId: host, hostname: host, labels: {}, version: 't', intervalSeconds: 15, sequence, receivedAtMs: nowMs, samples, checks: [] });
      return pipeline.process(tx, samples, nowMs);
    });
    commit();
  };
  // Records the hosts each of the watcher's transactions judged.
  const recordingPipeline = {
    ...pipeline,
    process: (tx: Parameters<typeof pipeline.process>[0], samples: Parameters<typeof pipeline.process>[1], atMs: number) => {
      transactions.push(samples.map((s) => s.labels.host!));
      return pipeline.process(tx, samples, atMs);
    },
  };
  let yields = 0;
  const watcher = createMissedReportWatcher({
    store,
    pipeline: recordingPipeline,
    clock,
    log,
    intervalMs: 1000,
    sliceHosts: 2,
    ...(startedAtMs === undefined ? {} : { startedAtMs }),
    yieldToIngest: async () => {
      yields++;
      onYield(store, report);
    },
  });
  const silent = () => store.listIncidents().filter((i) => i.ruleName === 'agent_silent' && i.status === 'open').map((i) => i.host).sort();
  return { store, watcher, report, transactions, yields: () => yields, silent, at: (seconds: number) => (nowMs = T0 + seconds * 1000) };
}

describe('missed-report watcher', () => {
  it('after a collector outage counts silence from its start: the fleet sending its spool is not silent, a host that died is, three intervals later', async () => {
    // Every host reported at T0; the collector was down from then until T0 + 10 min.
    const h = setup(undefined, T0 + 600_000);
    for (const host of HOSTS) h.report(host);
    h.at(605);
    await h.watcher.run();
    expect(h.transactions).toEqual([]);
    expect(h.silent()).toEqual([]);
    // The agents deliver what they spooled, except h5's, whose host died during the outage.
    h.at(610);
    for (const host of HOSTS.slice(0, 4)) h.report(host);
    h.at(644);
    await h.watcher.run();
    expect(h.silent()).toEqual([]);
    h.at(646);
    await h.watcher.run();
    expect(h.silent()).toEqual(['h5']);
  });

  it('without a start time given, counts from when the watcher was made', async () => {
    const h = setup();
    for (const host of HOSTS) h.report(host);
    h.at(46);
    await h.watcher.run();
    expect(h.silent()).toEqual(HOSTS);
  });

  it('judges a healthy fleet without a transaction: no host is overdue', async () => {
    const h = setup();
    for (const host of HOSTS) h.report(host);
    h.at(14);
    await h.watcher.run();
    expect(h.transactions).toEqual([]);
    expect(h.yields()).toBe(0);
  });

  it('judges a fleet gone silent a slice per transaction, yielding between slices', async () => {
    const h = setup();
    for (const host of HOSTS) h.report(host);
    h.at(600);
    await h.watcher.run();
    // Five overdue hosts in slices of two: three transactions, the event loop given back between them.
    expect(h.transactions).toEqual([['h1', 'h2'], ['h3', 'h4'], ['h5']]);
    expect(h.yields()).toBe(2);
    expect(h.silent()).toEqual(HOSTS);
  });

  it('tick makes the same pass in slices without yielding', () => {
    const h = setup();
    for (const host of HOSTS) h.report(host);
    h.at(600);
    h.watcher.tick();
    expect(h.transactions).toEqual([['h1', 'h2'], ['h3', 'h4'], ['h5']]);
    expect(h.yields()).toBe(0);
    expect(h.silent()).toEqual(HOSTS);
  });

  it('a host that reports while the pass yields is not judged silent afterwards', async () => {
    let first = true;
    const h = setup((_store, report) => {
      // The first yield: h4 reports (its report commits between the watcher's slices).
      if (first) report('h4');
      first = false;
    });
    for (const host of HOSTS) h.report(host);
    h.at(600);
    await h.watcher.run();
    expect(h.transactions).toEqual([['h1', 'h2'], ['h3', 'h5']]);
    expect(h.silent()).toEqual(['h1', 'h2', 'h3', 'h5']);
  });

  it('leaves decommissioned hosts out', async () => {
    const h = setup();
    for (const host of HOSTS) h.report(host);
    h.store.transaction((tx) => tx.retireHost('h2', T0, 'revoke'));
    h.at(600);
    await h.watcher.run();
    expect(h.transactions.flat()).toEqual(['h1', 'h3', 'h4', 'h5']);
    expect(h.silent()).toEqual(['h1', 'h3', 'h4', 'h5']);
  });
});
