/**
 * Aggregate rules when collectors share one store (SQLite, and PostgreSQL on a real temporary
 * server): two alert pipelines (two collectors, each with its own memory), members of one group
 * reporting to different ones. Only the judge (the `aggregates` lease holder, setCrossHostJudge)
 * judges the groups, over every collector's members, so the group fires and resolves once; the
 * other only writes its members. When the judge changes, the new one takes up the group's state.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createAlertPipeline, type AlertPipeline } from '../../collector/alerting/alertPipeline.js';
import { createIncidentService } from '../../collector/incidents/incidentService.js';
import { incidentPolicy } from '../../collector/incidents/incidentPolicy.js';
import { createStoreEnvironment } from '../../collector/incidents/storeEnvironment.js';
import type { Store } from '../../collector/store/store.js';
import { testRule } from '../rules/ruleScenario.js';
import { incidentsConfig, T0 } from '../support/lifecycleHarness.js';
import { storeEngines, type StoreEngine } from '../support/storeEngines.js';

const log = pino({ level: 'silent' });

/** More than half of a group's hosts above 0.5 memory. */
const groupRule = testRule({
  name: 'web_memory_pressure',
  metric: 'memory_used_ratio',
  aggregate: { by: ['group'], function: 'ratio', member: { op: 'above', threshold: 0.5 }, staleAfterSeconds: 300 },
  fire: { op: 'above', threshold: 0.5 },
  clear: { op: 'atOrBelow', threshold: 0.5 },
  summary: '{{ matchingCount }} of {{ seriesCount }} {{ labels.group }} hosts short of memory',
});

function collector(store: Store, holder: string): AlertPipeline {
  const config = incidentsConfig();
  const clock = { nowMs: () => T0 };
  const environment = createStoreEnvironment(store, config, clock, 0);
  const incidents = createIncidentService({ route: () => ({ desks: ['desk'], reason: 'test' }), policy: incidentPolicy(config), environment, log });
  return createAlertPipeline({ rules: [groupRule], initialStates: store.loadRuleStates(), incidents, log, sharedStates: { holder } });
}

function cluster(engine: StoreEngine) {
  const store = engine.open();
  const pipelines = { a: collector(store, 'a'), b: collector(store, 'b') };
  const sequences = new Map<string, number>();
  /** One report of `host` (group web) at memory `used`, `seconds` after T0, through collector `via`. */
  const report = (via: 'a' | 'b', host: string, seconds: number, used: number) => {
    const atMs = T0 + seconds * 1000;
    const samples = [{ metric: 'memory_used_ratio', value: used, labels: { host, group: 'web' }, atMs }];
    const sequence = (sequences.get(host) ?? 0) + 1;
    sequences.set(host, sequence);
    const { commit } = store.transaction((tx) => {
      tx.insertReport({ agentId: host, hostname: host, labels: { group: 'web' }, version: 'test', intervalSeconds: 15, sequence, receivedAtMs: atMs, samples, checks: [] });
      return pipelines[via].process(tx, samples, atMs);
    });
    commit();
  };
  /** A pass of `via`'s aggregates job, `seconds` after T0. */
  const judge = (via: 'a' | 'b', seconds: number) => {
    const { commit } = store.transaction((tx) => pipelines[via].judgeCrossHost(tx, T0 + seconds * 1000));
    commit();
  };
  const incidents = () => store.listIncidents({ limit: 100 }).reverse().map((i) => `${i.id}:${i.status}:${i.summary}`);
  return { store, pipelines, report, judge, incidents };
}

describe.each(storeEngines())('aggregate rules over collectors sharing a store ($name)', (engine) => {
  it('fires once on the judge, counting the members reported to the other collector, and resolves there', () => {
    const { pipelines, report, judge, incidents } = cluster(engine);
    pipelines.a.setCrossHostJudge(true);
    for (const [via, host] of [['a', 'web-1'], ['a', 'web-2'], ['b', 'web-3'], ['b', 'web-4']] as const) report(via, host, 0, 0.2);
    judge('a', 1);
    expect(incidents()).toEqual([]);
    // 3 of 4 breach, two of them on B: A alone would see 1 of 2 (not above 0.5), B alone 2 of 2
    report('a', 'web-1', 15, 0.9);
    report('b', 'web-3', 15, 0.9);
    report('b', 'web-4', 15, 0.9);
    // B is not the judge: its batches only write members, whatever its own share says
    expect(incidents()).toEqual([]);
    judge('b', 16);
    expect(incidents()).toEqual([]);
    judge('a', 16);
    expect(incidents()).toEqual(['1:open:3 of 4 web hosts short of memory']);
    judge('a', 17);
    expect(incidents()).toHaveLength(1);
    report('b', 'web-3', 30, 0.2);
    report('b', 'web-4', 30, 0.2);
    expect(incidents()).toEqual(['1:open:3 of 4 web hosts short of memory']);
    judge('a', 31);
    expect(incidents()).toEqual(['1:resolved:3 of 4 web hosts short of memory']);
  });

  it('moves to another judge, which takes up the group where the first left it', () => {
    const { store, pipelines, report, judge, incidents } = cluster(engine);
    pipelines.a.setCrossHostJudge(true);
    for (const [via, host] of [['a', 'web-1'], ['a', 'web-2'], ['b', 'web-3'], ['b', 'web-4']] as const) report(via, host, 0, 0.9);
    judge('a', 1);
    expect(incidents()).toEqual(['1:open:4 of 4 web hosts short of memory']);
    // A's lease moves to B (A died or lost the store): B reloads the firing group and every member
    pipelines.a.setCrossHostJudge(false);
    pipelines.b.setCrossHostJudge(true);
    judge('b', 2);
    expect(incidents()).toHaveLength(1);
    // the group clears only counting A's members: B resolves it, once
    report('a', 'web-1', 15, 0.2);
    report('a', 'web-2', 15, 0.2);
    report('b', 'web-3', 15, 0.2);
    judge('a', 16);
    expect(incidents()).toEqual(['1:open:4 of 4 web hosts short of memory']);
    judge('b', 16);
    expect(incidents()).toEqual(['1:resolved:4 of 4 web hosts short of memory']);
    // members of hosts gone silent are forgotten by the judge, in the store too
    report('a', 'web-1', 400, 0.2);
    judge('b', 401);
    const members = [...store.loadRuleStates().values()].filter((state) => state.fingerprint.startsWith('member:')).map((state) => state.labels.host);
    expect(members).toEqual(['web-1']);
  });

  it('a collector that does not judge drops the members of hosts that left it, and reads them all when it becomes the judge', () => {
    const { pipelines, report, judge, incidents } = cluster(engine);
    pipelines.a.setCrossHostJudge(true);
    for (const host of ['web-1', 'web-2', 'web-3', 'web-4']) report('b', host, 0, 0.9);
    judge('a', 1);
    expect(incidents()).toEqual(['1:open:4 of 4 web hosts short of memory']);
    const heldByB = pipelines.b.heldStateCount();
    // the hosts move to A and clear there; B's copies of their members (0.9) go stale
    for (let seconds = 15; seconds <= 375; seconds += 60) for (const host of ['web-1', 'web-2', 'web-3', 'web-4']) report('a', host, seconds, 0.2);
    judge('a', 376);
    expect(incidents()).toEqual(['1:resolved:4 of 4 web hosts short of memory']);
    // one batch of another host on B, past staleAfter (300 s): B drops the four members it held, keeps web-5's
    expect(heldByB).toBe(4);
    report('b', 'web-5', 390, 0.2);
    expect(pipelines.b.heldStateCount()).toBe(1);
    // B becomes the judge: it judges the members A wrote (five at 0.2), then three of them at 0.9 (the incident re-opens)
    pipelines.a.setCrossHostJudge(false);
    pipelines.b.setCrossHostJudge(true);
    judge('b', 391);
    expect(incidents()).toEqual(['1:resolved:4 of 4 web hosts short of memory']);
    for (const host of ['web-1', 'web-2']) report('a', host, 400, 0.9);
    judge('b', 401);
    expect(incidents()).toEqual(['1:resolved:4 of 4 web hosts short of memory']);
    report('a', 'web-3', 415, 0.9);
    judge('b', 416);
    expect(incidents().map((incident) => incident.split(':').slice(0, 2).join(':'))).toEqual(['1:open']);
  });
});
