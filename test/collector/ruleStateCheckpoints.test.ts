/**
 * Rule states whose only change is their latest sample wait for a checkpoint (alertPipeline.ts);
 * when a whole fleet's come due at once, each batch writes a share in proportion to its own samples
 * (at least MIN_CHECKPOINT_WRITES), not thousands behind a batch of a few reports, and the backlog
 * still drains: every state reaches the store with its newest sample. Each state waits its rule's
 * checkpoint interval (a 32nd of a long window, checkpointIntervalMs), a rule reload moves the waiting
 * states to their new interval, and with a shared store a row of a long-window rule is taken over
 * only after twice its own interval.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  type AlertPipelineOptions,
  checkpointIntervalMs,
  createAlertPipeline,
  MIN_CHECKPOINT_WRITES,
  RULE_STATE_ADOPT_AFTER_MS,
  RULE_STATE_CHECKPOINT_MAX_MS,
  RULE_STATE_CHECKPOINT_MS,
  type RuleStateWriteReason,
} from '../../collector/alerting/alertPipeline.js';
import { createIncidentCore } from '../../collector/incidents/incidentCore.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { StoreTransaction } from '../../collector/store/store.js';
import { loadConfig } from '../../config/loadConfig.js';
import type { Rule, SeriesSample } from '../../rules/index.js';
import { T0, testRule } from '../rules/ruleScenario.js';

const SERIES = 3 * MIN_CHECKPOINT_WRITES;

/** An in-memory store, a clock at T0 and an alert pipeline of `rules` over them. */
function pipelineOn(rules: Rule[], options: Pick<AlertPipelineOptions, 'onStatesWritten' | 'sharedStates'> = {}) {
  const store = openSqliteStore({ file: ':memory:' });
  const { config } = loadConfig(undefined, {});
  config.incidents.reachability.enabled = false;
  const clock = { nowMs: T0 };
  const log = pino({ level: 'silent' });
  const core = createIncidentCore({ store, config, clock: { nowMs: () => clock.nowMs }, log });
  return { store, clock, pipeline: createAlertPipeline({ rules, initialStates: new Map(), incidents: core.service, log, ...options }) };
}

/** A store and a pipeline with one window rule, fed batch by batch; `written` lists the states each batch saved, by host. */
function checkpointFleet(onStatesWritten?: AlertPipelineOptions['onStatesWritten']) {
  // A window keeps a buffer per series: after its first sample, each new point is a latest-sample change.
  const { store, clock, pipeline } = pipelineOn([testRule({ window: { function: 'avg', windowSeconds: 600 } })], { onStatesWritten });
  const sample = (host: string, value: number, mount = '/'): SeriesSample => ({ metric: 'filesystem_used_ratio', labels: { host, mount }, value, atMs: clock.nowMs });
  const written: Array<Array<string | undefined>> = [];
  const batch = (samples: SeriesSample[]) => {
    const { commit } = store.transaction((tx) => {
      const counting: StoreTransaction = {
        ...tx,
        saveRuleStates: (states, ...rest) => {
          written.push(states.map((state) => state.labels.host));
          tx.saveRuleStates(states, ...rest);
        },
      };
      return pipeline.process(counting, samples, clock.nowMs);
    });
    commit();
  };
  /** Makes `series` states of hosts h0, h1, ... and then a latest-sample change of each, due a checkpoint interval later. */
  const backlog = (series: number) => {
    const all = (value: number) => Array.from({ length: series }, (_, i) => sample(`h${i}`, value));
    batch(all(0.1)); // new states: written with their batch
    clock.nowMs += 1000;
    batch(all(0.2)); // new points only: wait for a checkpoint
    written.length = 0;
    clock.nowMs += RULE_STATE_CHECKPOINT_MS;
  };
  /** One report's worth of samples (60) of host `other`. */
  const report = () => Array.from({ length: 60 }, (_, i) => sample('other', 0.3, `/m${i}`));
  return { store, clock, batch, backlog, report, written, pipeline };
}

describe('rule-state checkpoints', () => {
  it('spread a backlog of due states over batches in proportion to them, and drain it', () => {
    const { store, clock, batch, backlog, report, written } = checkpointFleet();
    backlog(SERIES);
    // A batch of one report's worth of samples of another host: all SERIES states are due.
    batch(report());
    // At most MIN_CHECKPOINT_WRITES checkpoints beside the other host's 60 new states and the window's sweep record.
    expect(written.flat().length).toBeLessThanOrEqual(MIN_CHECKPOINT_WRITES + 60 + 1);
    for (let i = 0; i < 3; i++) {
      clock.nowMs += 100;
      batch(report());
    }
    const stored = store.loadRuleStates();
    const values = [...stored.values()].filter((state) => state.labels.host !== 'other' && state.recent !== undefined).map((state) => state.recent!.values.at(-1));
    expect(values).toHaveLength(SERIES);
    expect(new Set(values)).toEqual(new Set([0.2]));
  });

  it('let a batch of two reports write half as many due states as it has samples, not hundreds', () => {
    const { store, clock, batch, backlog, report, written } = checkpointFleet();
    // A fleet's backlog, ten times what the floor allows: the batches of a fleet paced at its rate hold one or two reports each.
    backlog(10 * MIN_CHECKPOINT_WRITES);
    // The fleet's hosts only (not the other host's new states nor the window's sweep record, which has no host).
    const checkpoints = () => written.flat().filter((host) => host?.startsWith('h') === true).length;
    batch([...report(), ...report()]);
    expect(checkpoints()).toBe(60);
    // Batches that small still drain the backlog: each writes its share, oldest first.
    for (let i = 0; written.length > 0 && checkpoints() < 10 * MIN_CHECKPOINT_WRITES && i < 100; i++) {
      clock.nowMs += 100;
      batch([...report(), ...report()]);
    }
    expect(checkpoints()).toBe(10 * MIN_CHECKPOINT_WRITES);
    const values = [...store.loadRuleStates().values()].filter((state) => state.labels.host?.startsWith('h') === true).map((state) => state.recent?.values.at(-1));
    expect(new Set(values)).toEqual(new Set([0.2]));
  });

  it('tell after each commit how many states they wrote and why: with their change, at a checkpoint, at a clean stop', () => {
    const told: Array<[RuleStateWriteReason, number]> = [];
    const { store, clock, batch, report, written, pipeline } = checkpointFleet((reason, count) => told.push([reason, count]));
    const sum = (reason: RuleStateWriteReason) => told.filter(([r]) => r === reason).reduce((total, [, count]) => total + count, 0);
    const hostStates = () => written.flat().filter((host) => host?.startsWith('h') === true).length;
    const fleet = (value: number) => Array.from({ length: SERIES }, (_, i): SeriesSample => ({ metric: 'filesystem_used_ratio', labels: { host: `h${i}`, mount: '/' }, value, atMs: clock.nowMs }));
    // A batch whose transaction is rolled back tells nothing: only a commit writes.
    expect(() =>
      store.transaction((tx) => {
        pipeline.process(tx, fleet(0.1), clock.nowMs);
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    expect(told).toEqual([]);
    batch(fleet(0.1));
    // New states: every one written with its batch, as a change.
    expect(hostStates()).toBe(SERIES);
    expect(sum('change')).toBe(written.flat().length);
    expect(sum('checkpoint')).toBe(0);
    written.length = 0;
    told.length = 0;
    clock.nowMs += 1000;
    batch(fleet(0.2));
    // Only a new point each: they wait, so neither written nor told.
    expect(hostStates()).toBe(0);
    expect(sum('checkpoint')).toBe(0);
    expect(sum('change')).toBe(written.flat().length);
    written.length = 0;
    told.length = 0;
    clock.nowMs += RULE_STATE_CHECKPOINT_MS;
    batch(report());
    // Come due: written at a checkpoint (the batch's share), the other host's new states as changes.
    expect(hostStates()).toBeGreaterThan(0);
    expect(hostStates()).toBeLessThan(SERIES);
    expect(sum('checkpoint')).toBe(hostStates());
    expect(sum('change')).toBe(written.flat().length - hostStates());
    const checkpointed = hostStates();
    written.length = 0;
    told.length = 0;
    // A rolled-back checkpoint tells nothing; the clean stop's commit tells what it wrote of the rest.
    expect(() =>
      store.transaction((tx) => {
        pipeline.checkpoint(tx, clock.nowMs);
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    expect(told).toEqual([]);
    store.transaction((tx) => pipeline.checkpoint(tx, clock.nowMs)).commit();
    expect(sum('stop')).toBe(SERIES - checkpointed);
    expect(sum('checkpoint') + sum('change')).toBe(0);
  });

  it('wait as long as their rule allows: a 32nd of a long window in whole minutes, between one minute and the maximum', () => {
    expect(checkpointIntervalMs(undefined)).toBe(RULE_STATE_CHECKPOINT_MS);
    expect(checkpointIntervalMs(10 * 60_000)).toBe(60_000);
    expect(checkpointIntervalMs(30 * 60_000)).toBe(60_000);
    expect(checkpointIntervalMs(64 * 60_000)).toBe(2 * 60_000);
    expect(checkpointIntervalMs(6 * 3_600_000)).toBe(11 * 60_000);
    expect(checkpointIntervalMs(24 * 3_600_000)).toBe(RULE_STATE_CHECKPOINT_MAX_MS);
    expect(RULE_STATE_CHECKPOINT_MAX_MS).toBe(15 * 60_000);
  });
});

/** Two rules on one metric: a 10-minute window (its states wait a minute) and a 6-hour prediction (11 minutes). */
function intervalRules(predictSeconds = 6 * 3600): Rule[] {
  return [
    testRule({ name: 'short_window', window: { function: 'avg', windowSeconds: 600 } }),
    testRule({ name: 'long_prediction', predict: { windowSeconds: predictSeconds, horizonSeconds: 3600 } }),
  ];
}

/**
 * A store and a pipeline (`sharedStates` optional) fed one host's reports every 15 s; `saved` lists
 * the rule of each state each batch saved (`own`: those written as another collector's host's,
 * with the time before which a row may be taken over).
 */
function intervalFleet(rules: Rule[], sharedStates?: { holder: string }) {
  const { store, clock, pipeline } = pipelineOn(rules, sharedStates ? { sharedStates } : {});
  const saved: string[] = [];
  const own: Array<{ ruleName: string; adoptAfterMs: number }> = [];
  const batch = (host: string, value: number) => {
    const samples: SeriesSample[] = [{ metric: 'filesystem_used_ratio', labels: { host, mount: '/' }, value, atMs: clock.nowMs }];
    const { commit } = store.transaction((tx) => {
      const watching: StoreTransaction = {
        ...tx,
        saveRuleStates: (states, ...rest) => {
          saved.push(...states.filter((state) => state.labels.host !== undefined).map((state) => state.ruleName));
          tx.saveRuleStates(states, ...rest);
        },
        writeOwnRuleStates: (save, remove, holder, at) => {
          own.push(...save.map((state) => ({ ruleName: state.ruleName, adoptAfterMs: at.atMs - at.adoptBeforeMs })));
          return tx.writeOwnRuleStates(save, remove, holder, at);
        },
      };
      if (sharedStates) tx.insertReport({ agentId: host, hostname: host, labels: {}, version: 'test', intervalSeconds: 15, sequence: clock.nowMs, receivedAtMs: clock.nowMs, samples, checks: [] });
      return pipeline.process(watching, samples, clock.nowMs);
    });
    commit();
  };
  /** Reports of `host` every 15 s until `untilMs`, each value a little higher (every one a new point). */
  const reportUntil = (host: string, untilMs: number) => {
    while (clock.nowMs + 15_000 <= untilMs) {
      clock.nowMs += 15_000;
      batch(host, 0.1 + (clock.nowMs - T0) / 1e9);
    }
  };
  return { store, clock, batch, reportUntil, saved, own, pipeline };
}

describe('rule-state checkpoint intervals', () => {
  it("write a long window's states at their own interval, not at every minute of the host's short ones", () => {
    const { clock, batch, reportUntil, saved, pipeline } = intervalFleet(intervalRules());
    batch('h1', 0.1); // new states: written with their batch
    expect(saved.sort()).toEqual(['long_prediction', 'short_window']);
    saved.length = 0;
    reportUntil('h1', T0 + 11 * 60_000 - 15_000);
    // The window's state a minute after each first unwritten change: at 75 s (since 15 s), 150 s (since 90 s), ... 600 s ...
    expect(saved.filter((name) => name === 'short_window')).toHaveLength(8);
    // ... the prediction's not once in its 11 minutes.
    expect(saved).not.toContain('long_prediction');
    reportUntil('h1', T0 + 11 * 60_000 + 15_000);
    expect(saved.filter((name) => name === 'long_prediction')).toEqual(['long_prediction']);
    saved.length = 0;
    reportUntil('h1', T0 + 30 * 60_000);
    expect(saved.filter((name) => name === 'long_prediction')).toHaveLength(1);
    expect(clock.nowMs).toBe(T0 + 30 * 60_000);
    expect(pipeline.heldStateCount()).toBeGreaterThanOrEqual(2);
  });

  it('move the waiting states to their new interval when the rules are replaced, and leave none behind', () => {
    const { batch, reportUntil, saved, pipeline, clock } = intervalFleet(intervalRules());
    batch('h1', 0.1);
    reportUntil('h1', T0 + 5 * 60_000);
    saved.length = 0;
    // The prediction's window shrinks to 30 minutes: its state, unwritten since 15 s, now waits a minute, so it is overdue.
    pipeline.replaceRules(intervalRules(1800));
    // (A new version of the rule: its first batch writes the state as a change; then every minute.)
    reportUntil('h1', T0 + 15 * 60_000);
    const longWrites = saved.filter((name) => name === 'long_prediction').length;
    expect(longWrites).toBeGreaterThanOrEqual(9);
    expect(longWrites).toBeLessThanOrEqual(11);
    // And back to a day: the state waits 15 minutes again; none written at every batch from a lane it left.
    pipeline.replaceRules(intervalRules(24 * 3600));
    saved.length = 0;
    const start = clock.nowMs;
    reportUntil('h1', start + 14 * 60_000);
    expect(saved.filter((name) => name === 'long_prediction').length).toBeLessThanOrEqual(1);
    reportUntil('h1', start + 31 * 60_000);
    expect(saved.filter((name) => name === 'long_prediction').length).toBeGreaterThanOrEqual(2);
    expect(saved.filter((name) => name === 'long_prediction').length).toBeLessThanOrEqual(3);
  });

  it("with a shared store, let another collector take over a long window's row only after twice its interval", () => {
    const { batch, reportUntil, own, clock } = intervalFleet(intervalRules(), { holder: 'a' });
    batch('h1', 0.1);
    clock.nowMs += 15_000;
    batch('h1', 0.2); // new points: unwritten, held for h1
    // h1's reports now land elsewhere; this collector goes on with h2's, and writes h1's due states as another's host's.
    reportUntil('h2', clock.nowMs + 12 * 60_000);
    const adoptAfter = (ruleName: string) => [...new Set(own.filter((call) => call.ruleName === ruleName).map((call) => call.adoptAfterMs))];
    expect(adoptAfter('short_window')).toEqual([RULE_STATE_ADOPT_AFTER_MS]);
    expect(adoptAfter('long_prediction')).toEqual([2 * 11 * 60_000]);
  });
});

