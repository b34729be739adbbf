/**
 * The `aggregates` job when its store fails (SQLite, and PostgreSQL on a real temporary server): a
 * pass whose transaction fails is logged ("judging aggregate rules failed") and rolled back as a
 * whole, the job keeps its schedule, and once the store answers again the group opens and resolves
 * its incident once, with one open and one resolve queued for the desk. Two collectors write the
 * members; the loop runs on a timer the test steps.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createAlertPipeline, type AlertPipeline } from '../../collector/alerting/alertPipeline.js';
import { createCrossHostJudge } from '../../collector/alerting/crossHostJudge.js';
import { createIncidentService } from '../../collector/incidents/incidentService.js';
import { incidentPolicy } from '../../collector/incidents/incidentPolicy.js';
import { createStoreEnvironment } from '../../collector/incidents/storeEnvironment.js';
import type { Store, StoreTransaction } from '../../collector/store/store.js';
import { testRule } from '../rules/ruleScenario.js';
import { incidentsConfig, T0 } from '../support/lifecycleHarness.js';
import { storeEngines } from '../support/storeEngines.js';

/** The sum of the web hosts' memory ratios above 1.5. */
const groupRule = testRule({
  name: 'web_memory_total',
  metric: 'memory_used_ratio',
  aggregate: { by: ['group'], function: 'sum', staleAfterSeconds: 300 },
  fire: { op: 'above', threshold: 1.5 },
  clear: { op: 'atOrBelow', threshold: 1.5 },
  summary: 'web memory {{ value }}',
});

/**
 * `store`, whose transactions fail while `failing.method` is set: that method of the transaction
 * throws, as a statement on a lost connection does, and the transaction rolls back.
 */
function flaky(store: Store, failing: { method?: keyof StoreTransaction }): Store {
  const failingTx = (tx: StoreTransaction): StoreTransaction =>
    new Proxy(tx, {
      get(target, name) {
        const value = Reflect.get(target, name) as unknown;
        if (name !== failing.method || typeof value !== 'function') return value;
        return () => {
          throw new Error('store unreachable (test)');
        };
      },
    });
  return new Proxy(store, {
    get(target, name) {
      if (name === 'transaction') return <T>(fn: (tx: StoreTransaction) => T): T => target.transaction((tx) => fn(failingTx(tx)));
      const value = Reflect.get(target, name) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe.each(storeEngines())('the aggregates job when the store fails ($name)', (engine) => {
  it('logs each failed pass, keeps running, and opens and resolves the group once when the store is back', async () => {
    const store = engine.open();
    let nowMs = T0;
    const clock = { nowMs: () => nowMs };
    const logged: Array<{ msg: string; err?: { message: string } }> = [];
    const log = pino({ level: 'error' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const silent = pino({ level: 'silent' });
    const pipeline = (holder: string): AlertPipeline => {
      const config = incidentsConfig();
      const incidents = createIncidentService({ route: () => ({ desks: ['desk'], reason: 'test' }), policy: incidentPolicy(config), environment: createStoreEnvironment(store, config, clock, 0), log: silent });
      return createAlertPipeline({ rules: [groupRule], initialStates: store.loadRuleStates(), incidents, log: silent, sharedStates: { holder } });
    };
    const pipelines = { a: pipeline('a'), b: pipeline('b') };
    let sequence = 0;
    const report = (via: 'a' | 'b', host: string, used: number) => {
      const samples = [{ metric: 'memory_used_ratio', value: used, labels: { host, group: 'web' }, atMs: nowMs }];
      store.transaction((tx) => {
        tx.insertReport({ agentId: host, hostname: host, labels: { group: 'web' }, version: 'test', intervalSeconds: 15, sequence: ++sequence, receivedAtMs: nowMs, samples, checks: [] });
        return pipelines[via].process(tx, samples, nowMs);
      }).commit();
    };
    const scheduled: Array<() => void> = [];
    const timer = { schedule: (callback: () => void) => scheduled.push(callback), cancel: () => {} };
    const failing: { method?: keyof StoreTransaction } = {};
    const job = createCrossHostJudge({ store: flaky(store, failing), pipeline: pipelines.a, clock, log, timer });
    /** One pass of the job `seconds` later, as its timer runs it; the next one must be scheduled. */
    const pass = async (seconds: number) => {
      nowMs += seconds * 1000;
      expect(scheduled).toHaveLength(1);
      scheduled.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    };
    const incidents = () => store.listIncidents({ limit: 10 }).map((i) => i.status);
    const deliveries = () => store.listOutbox().map((row) => row.operation).sort();

    job.start();
    report('a', 'web-1', 0.5);
    report('b', 'web-2', 0.5);
    await pass(1);
    expect(incidents()).toEqual([]);
    // the sum reaches 1.8 over both collectors' members while the store fails: first at the read of
    // the members, then after the incident was written (re-arm reads last), which rolls back with it
    report('a', 'web-1', 0.9);
    report('b', 'web-2', 0.9);
    failing.method = 'ruleStatesSince';
    await pass(1);
    failing.method = 'rearmDueIncidents';
    await pass(1);
    await pass(1);
    expect(incidents()).toEqual([]);
    expect(logged.map((line) => [line.msg, line.err?.message])).toEqual(Array(3).fill(['judging aggregate rules failed', 'store unreachable (test)']));
    // the store is back: the next pass opens it, once
    delete failing.method;
    await pass(1);
    await pass(1);
    expect(incidents()).toEqual(['open']);
    // the clear, judged while the store fails, then not
    report('a', 'web-1', 0.2);
    failing.method = 'saveRuleStates';
    await pass(1);
    expect(incidents()).toEqual(['open']);
    delete failing.method;
    await pass(1);
    await pass(1);
    expect(incidents()).toEqual(['resolved']);
    expect(deliveries()).toEqual(['open', 'resolve']);
    expect(logged).toHaveLength(4);
    await job.stop();
  });
});
