/**
 * Sweeps when collectors share one store (SQLite, and PostgreSQL on a real temporary server, each
 * collector on its own connection): a collector judges the silence of absent rules and forgets old
 * window buffers on its own batches, over every state it holds, also those of hosts whose reports
 * now land on another collector. Its copy of such a host is stale, so it must not change the
 * store's: each row belongs to the collector that took its host's latest report
 * (Store.claimHostRuleStates), a sweep elsewhere gives way to it and takes the store's copy, and a
 * row nobody wrote for RULE_STATE_ADOPT_AFTER_MS (its collector died) is taken over, then judged.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createAlertPipeline, RULE_STATE_ADOPT_AFTER_MS, type AlertPipeline } from '../../collector/alerting/alertPipeline.js';
import { createMissedReportWatcher } from '../../collector/alerting/missedReportWatcher.js';
import { createIncidentService } from '../../collector/incidents/incidentService.js';
import { incidentPolicy } from '../../collector/incidents/incidentPolicy.js';
import { createStoreEnvironment } from '../../collector/incidents/storeEnvironment.js';
import type { Store } from '../../collector/store/store.js';
import type { Rule } from '../../rules/index.js';
import { testRule } from '../rules/ruleScenario.js';
import { incidentsConfig, T0 } from '../support/lifecycleHarness.js';
import { storeEngines, type StoreEngine } from '../support/storeEngines.js';

const log = pino({ level: 'silent' });

/** Fires for a host whose load sent nothing for a minute. */
const silentRule = testRule({ name: 'load_silent', metric: 'load_ratio', absent: { seconds: 60 }, summary: '{{ labels.host }} silent' });

/** Fires while a host's load averages above 0.8 over a minute. */
const loadRule = testRule({
  name: 'load_high',
  metric: 'load_ratio',
  window: { function: 'avg', windowSeconds: 60 },
  fire: { op: 'above', threshold: 0.8 },
  clear: { op: 'atOrBelow', threshold: 0.8 },
  summary: '{{ labels.host }} loaded',
});

function collector(store: Store, holder: string, rules: readonly Rule[]): AlertPipeline {
  const config = incidentsConfig();
  const environment = createStoreEnvironment(store, config, { nowMs: () => T0 }, 0);
  const incidents = createIncidentService({ route: () => ({ desks: ['desk'], reason: 'test' }), policy: incidentPolicy(config), environment, log });
  return createAlertPipeline({ rules, initialStates: store.loadRuleStates(), incidents, log, sharedStates: { holder } });
}

/** Collectors, each with its own store on one database (on PostgreSQL: its own connection). */
function cluster(engine: StoreEngine, rules: readonly Rule[]) {
  const database = engine.database();
  const store = database.open();
  const collectors = new Map<string, { store: Store; pipeline: AlertPipeline }>();
  const start = (holder: string) => {
    const own = database.open();
    collectors.set(holder, { store: own, pipeline: collector(own, holder, rules) });
  };
  const sequences = new Map<string, number>();
  /** One report of `host`'s load, `seconds` after T0, through collector `via`. */
  const report = (via: string, host: string, seconds: number, load: number) => {
    const atMs = T0 + seconds * 1000;
    const samples = [{ metric: 'load_ratio', value: load, labels: { host }, atMs }];
    const sequence = (sequences.get(host) ?? 0) + 1;
    sequences.set(host, sequence);
    const { store: own, pipeline } = collectors.get(via)!;
    const { commit } = own.transaction((tx) => {
      tx.insertReport({ agentId: host, hostname: host, labels: {}, version: 'test', intervalSeconds: 15, sequence, receivedAtMs: atMs, samples, checks: [] });
      return pipeline.process(tx, samples, atMs);
    });
    commit();
  };
  /** Every 15 s from `from` to `to` seconds: each of `reports` ([collector, host, load]) once. */
  const every15s = (from: number, to: number, reports: ReadonlyArray<readonly [string, string, number]>) => {
    for (let seconds = from; seconds <= to; seconds += 15) for (const [via, host, load] of reports) report(via, host, seconds, load);
  };
  const incidents = () => store.listIncidents({ limit: 100 }).reverse().map((i) => `${i.id}:${i.status}:${i.summary}`);
  const stored = (ruleName: string, host: string) => [...store.loadRuleStates().values()].find((state) => state.ruleName === ruleName && state.labels.host === host);
  /** A pass of the `missed-reports` job on collector `via`, `seconds` after T0 (every collector started at T0). */
  const watch = (via: string, seconds: number) => {
    const { store: own, pipeline } = collectors.get(via)!;
    createMissedReportWatcher({ store: own, pipeline, clock: { nowMs: () => T0 + seconds * 1000 }, log, intervalMs: 15_000, startedAtMs: T0 }).tick();
  };
  return { start, report, every15s, watch, incidents, stored };
}

describe.each(storeEngines())('sweeps over collectors sharing a store ($name)', (engine) => {
  it('does not judge silent a host that moved to another collector; its new collector does, once it is silent', () => {
    const { start, every15s, incidents, stored } = cluster(engine, [silentRule]);
    start('a');
    start('b');
    every15s(0, 30, [['a', 'host-1', 0.2], ['a', 'host-2', 0.2]]);
    // host-1 moves to B; A goes on with host-2, and its copy of host-1 stops at 30 s: silent for a minute from 91 s on
    every15s(45, 150, [['b', 'host-1', 0.2], ['a', 'host-2', 0.2]]);
    expect(incidents()).toEqual([]);
    expect(stored('load_silent', 'host-1')).toMatchObject({ status: 'inactive', lastSampleAtMs: T0 + 150_000 });
    // now host-1 is silent: B, which took its last report, fires once; A's sweeps give way to B's rows
    every15s(165, 300, [['a', 'host-2', 0.2], ['b', 'host-3', 0.2]]);
    expect(incidents()).toEqual(['1:open:host-1 silent']);
    expect(stored('load_silent', 'host-1')).toMatchObject({ status: 'firing', lastSampleAtMs: T0 + 150_000 });
  });

  it('keeps the window state another collector fires on, however old the copy a sweep here forgets', () => {
    const { start, every15s, report, incidents, stored } = cluster(engine, [loadRule]);
    start('a');
    start('b');
    every15s(0, 30, [['a', 'host-1', 0.2], ['a', 'host-2', 0.2]]);
    // on B host-1's load averages 0.95 over the minute from 75 s: firing there
    every15s(45, 90, [['b', 'host-1', 0.95], ['a', 'host-2', 0.2]]);
    expect(incidents()).toEqual(['1:open:host-1 loaded']);
    // A's copy (inactive, newest point at 30 s) has left the window: its sweep and its checkpoint give way to B's row
    every15s(105, 150, [['a', 'host-2', 0.2]]);
    expect(stored('load_high', 'host-1')).toMatchObject({ status: 'firing' });
    // B goes on where it was: a minute of low load resolves the incident, once
    every15s(165, 240, [['b', 'host-1', 0.1]]);
    expect(incidents()).toEqual(['1:resolved:host-1 loaded']);
    // and host-1 back on A: A takes B's rows at its report and judges from them
    report('a', 'host-1', 255, 0.95);
    expect(incidents()).toEqual(['1:resolved:host-1 loaded']);
  });

  it("takes over the rows of a collector that died, RULE_STATE_ADOPT_AFTER_MS after its last write, and judges them", () => {
    const { start, every15s, incidents, stored } = cluster(engine, [silentRule]);
    start('a');
    every15s(0, 30, [['a', 'host-1', 0.2]]);
    // A dies with host-1 (both silent from 30 s); B, started meanwhile, holds host-1's state from the store
    start('b');
    const adoptable = 30 + RULE_STATE_ADOPT_AFTER_MS / 1000;
    every15s(45, adoptable, [['b', 'host-2', 0.2]]);
    // silent for a minute since 91 s, but A's row is A's until nobody wrote it for RULE_STATE_ADOPT_AFTER_MS
    expect(incidents()).toEqual([]);
    every15s(adoptable + 15, adoptable + 30, [['b', 'host-2', 0.2]]);
    expect(incidents()).toEqual(['1:open:host-1 silent']);
    expect(stored('load_silent', 'host-1')).toMatchObject({ status: 'firing', lastSampleAtMs: T0 + 30_000 });
  });

  it('judges silent a host whose collector died with it, where the missed-reports job runs, without holding it before', () => {
    const { start, every15s, watch, incidents, stored } = cluster(engine, [silentRule]);
    // B starts first: it never held host-1's states
    start('b');
    start('a');
    every15s(0, 30, [['a', 'host-1', 0.2]]);
    // A dies with host-1; B runs the missed-reports job: its batch of host-1's missed reports takes host-1's rows
    for (let seconds = 45; seconds <= 105; seconds += 15) watch('b', seconds);
    expect(incidents()).toEqual(['1:open:host-1 silent']);
    expect(stored('load_silent', 'host-1')).toMatchObject({ status: 'firing', lastSampleAtMs: T0 + 30_000 });
  });
});
