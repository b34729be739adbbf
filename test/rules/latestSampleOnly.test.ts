/**
 * Which states the collector may write late (EvaluationResult.latestSampleOnly): only those whose
 * change a crash may lose without losing a `for`, opening a duplicate or resolving early. The
 * scenarios restart the engine after every step from what a store would hold if only the other
 * states had been written, and must give the signals of a run that never restarted.
 */
import { describe, expect, it } from 'vitest';
import { RuleStateIndex } from '../../collector/alerting/ruleStateIndex.js';
import { evaluate, isForgettable } from '../../rules/engine/evaluate.js';
import { onlyLatestSampleChanged } from '../../rules/engine/latestSampleChange.js';
import type { Rule, RuleState, SeriesSample } from '../../rules/model/ruleTypes.js';
import { sample, T0, testRule } from './ruleScenario.js';

const base: RuleState = { ruleName: 'r', ruleVersion: 'v1', fingerprint: 'f', labels: { host: 'a' }, status: 'pending', pendingSinceMs: 1_000, lastValue: 1, lastSampleAtMs: 2_000 };

describe('onlyLatestSampleChanged', () => {
  const rows: Array<[string, RuleState | undefined, RuleState, boolean]> = [
    // A pending series' next breaching sample: only the sample moved.
    ['new value and time', base, { ...base, lastValue: 2, lastSampleAtMs: 3_000 }, true],
    // A window's new point (the buffer object is new, its old points shift out).
    ['new window point', { ...base, recent: { atMs: [1, 2], values: [1, 1] } }, { ...base, lastSampleAtMs: 3_000, recent: { atMs: [2, 3], values: [1, 5] } }, true],
    // A series seen for the first time is written with its batch.
    ['new state', undefined, base, false],
    // The status decides incidents.
    ['status', base, { ...base, status: 'firing', firingSinceMs: 3_000 }, false],
    // The `for` timer restarts.
    ['pending timer', base, { ...base, pendingSinceMs: 2_500 }, false],
    // clearFor starts: a timer appears.
    ['timer added', { ...base, status: 'firing' }, { ...base, status: 'firing', clearingSinceMs: 3_000 }, false],
    // keepFiringFor: the last breach moves, and a crash must not let it resolve early.
    ['last breach', { ...base, status: 'firing', lastBreachAtMs: 1 }, { ...base, status: 'firing', lastBreachAtMs: 2 }, false],
    // A timer is dropped (the clear condition stopped holding).
    ['timer removed', { ...base, status: 'firing', clearingSinceMs: 1 }, { ...base, status: 'firing' }, false],
    // The rule changed.
    ['rule version', base, { ...base, ruleVersion: 'v2' }, false],
    // Other memory (an absent rule's interval).
    ['other memory', { ...base, intervalMs: 15_000 }, { ...base, intervalMs: 15_001 }, false],
    // A buffer appears or is dropped by a sweep.
    ['buffer appears', base, { ...base, recent: { atMs: [1], values: [1] } }, false],
    ['buffer dropped', { ...base, recent: { atMs: [1], values: [1] } }, base, false],
    // Other labels (the engine always carries the prior state's object).
    ['labels', base, { ...base, labels: { host: 'a' } }, false],
  ];
  it.each(rows)('%s', (_note, before, after, expected) => {
    expect(onlyLatestSampleChanged(before, after)).toBe(expected);
  });
});

/** Signals of a run with the states kept in memory, and of one restarted after every step from the written states only. */
function twoRuns(rules: readonly Rule[], steps: readonly SeriesSample[][]): { kept: string[]; restarted: string[]; lateWrites: number } {
  const memory = new Map<string, RuleState>();
  const store = new Map<string, RuleState>();
  const kept: string[] = [];
  const restarted: string[] = [];
  let lateWrites = 0;
  for (const samples of steps) {
    const nowMs = Math.max(...samples.map((s) => s.atMs));
    const full = evaluate(rules, samples, memory, nowMs);
    for (const state of full.states) isForgettable(state) ? memory.delete(state.fingerprint) : memory.set(state.fingerprint, state);
    kept.push(...full.signals.map((s) => `${s.kind}@${(s.atMs - T0) / 1000}`));
    // The restarted run: the prior states are what a store holds (JSON, as SQLite gives them back).
    const prior = new Map([...store].map(([key, state]) => [key, JSON.parse(JSON.stringify(state)) as RuleState]));
    const crashed = evaluate(rules, samples, prior, nowMs);
    for (const state of crashed.states) {
      if (isForgettable(state)) store.delete(state.fingerprint);
      else if (crashed.latestSampleOnly.has(state.fingerprint)) lateWrites++;
      else store.set(state.fingerprint, state);
    }
    restarted.push(...crashed.signals.map((s) => `${s.kind}@${(s.atMs - T0) / 1000}`));
  }
  return { kept, restarted, lateWrites };
}

describe('a crash that loses every late write', () => {
  it('keeps `for`, clearFor and keepFiringFor: the same signals at the same samples', () => {
    const rule = testRule({ forSeconds: 60, clearForSeconds: 15, keepFiringForSeconds: 75 });
    const values = [0.5, 0.95, 0.96, 0.97, 0.95, 0.99, 0.5, 0.95, 0.4, 0.3, 0.2, 0.3, 0.2, 0.95, 0.91, 0.92, 0.93, 0.94, 0.95, 0.4, 0.4, 0.4, 0.4, 0.4];
    const { kept, restarted, lateWrites } = twoRuns([rule], values.map((value, i) => [sample(15 * i, value)]));
    expect(kept).toEqual(['firing@75', 'resolved@180', 'firing@255', 'resolved@345']);
    expect(restarted).toEqual(kept);
    expect(lateWrites).toBeGreaterThan(0); // the scenario did exercise late writes
  });

  it('keeps a window rule pending and firing as it was; only the newest points of its buffer are lost', () => {
    const rule = testRule({ window: { function: 'max', windowSeconds: 60 }, forSeconds: 30 });
    const values = [0.5, 0.95, 0.95, 0.95, 0.95, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
    const { kept, restarted } = twoRuns([rule], values.map((value, i) => [sample(15 * i, value)]));
    expect(kept).toEqual(['firing@45', 'resolved@135']);
    // The max over a window missing its newest points still saw the breach start; it fires at the same
    // sample, and it resolves no later than the run that kept every point.
    expect(restarted[0]).toBe('firing@45');
    expect(restarted).toHaveLength(2);
    expect(Number(restarted[1]!.split('@')[1])).toBeLessThanOrEqual(135);
  });
});

describe('which rules let the latest sample lag', () => {
  /** Whether the second of two equal samples of one series is a late write under `rule`. */
  const secondIsLate = (rule: Rule): boolean => {
    const first = evaluate([rule], [sample(0, 0.95)], new Map(), T0);
    const prior = new Map(first.states.map((state) => [state.fingerprint, state]));
    const second = evaluate([rule], [sample(15, 0.95)], prior, T0 + 15_000);
    const series = second.states.filter((state) => !state.fingerprint.startsWith('sweep:')); // not the record of the rule's sweep
    expect(series).toHaveLength(1);
    return second.latestSampleOnly.has(series[0]!.fingerprint);
  };
  const rows: Array<[string, Rule, boolean]> = [
    // A pending threshold: only the sample moved.
    ['threshold', testRule({ forSeconds: 300 }), true],
    ['window', testRule({ window: { function: 'avg', windowSeconds: 300 } }), true],
    ['predict', testRule({ predict: { windowSeconds: 3600, horizonSeconds: 3600 } }), true],
    // Absent rules measure silence from the last sample.
    ['absent', testRule({ absent: { seconds: 120 } }), false],
    // A change rule without tolerance or direction: an unchanged value moves nothing it judges by.
    ['change', testRule({ change: { windowSeconds: 600, tolerance: 0 } }), true],
    // With a tolerance (or a direction) each value is compared with the last one.
    ['change with a tolerance', testRule({ change: { windowSeconds: 600, tolerance: 0.1 } }), false],
    ['change with a direction', testRule({ change: { windowSeconds: 600, tolerance: 0, direction: 'down' } }), false],
  ];
  it.each(rows)('%s', (_kind, rule, late) => {
    expect(secondIsLate(rule)).toBe(late);
  });
});

describe('the replaced states the kinds hand back', () => {
  /**
   * evaluate compares each changed state with the state it replaced, which the series' evaluation
   * found already (RuleOutcome.replaced); this is what looking each up by its fingerprint gives.
   */
  const byLookup = (result: ReturnType<typeof evaluate>, prior: ReadonlyMap<string, RuleState>, lagging: ReadonlySet<string>): string[] =>
    result.states.filter((state) => lagging.has(state.ruleName) && onlyLatestSampleChanged(prior.get(state.fingerprint), state)).map((state) => state.fingerprint).sort();

  it.each([
    ['a plain map', () => new Map<string, RuleState>()],
    ['the collector\'s index', () => new RuleStateIndex()],
  ])('name the latest-sample changes a lookup by fingerprint would, through new series, quiet ones, a rule\'s new version and sweeps (%s)', (_prior, made) => {
    const v1 = [
      testRule({ name: 'held', forSeconds: 60 }),
      testRule({ name: 'average', window: { function: 'avg', windowSeconds: 60 } }),
      testRule({ name: 'filling', predict: { windowSeconds: 120, horizonSeconds: 600 }, fire: { op: 'above', threshold: 0.99 } }),
    ];
    // The same names at a new version from step 6 on (the window's threshold moved): every state of a rule is new then.
    const v2 = [v1[0]!, testRule({ name: 'average', window: { function: 'avg', windowSeconds: 60 }, fire: { op: 'above', threshold: 0.8 } }), v1[2]!];
    const lagging = new Set(['held', 'average', 'filling']);
    const states = made();
    let late = 0;
    let compared = 0;
    for (let step = 0; step < 14; step++) {
      const nowMs = T0 + step * 15_000;
      // web-1 breaches from step 2; web-2 stays quiet; web-3 appears at step 4 and falls silent after step 8 (its window ages out in sweeps).
      const samples = [sample(step * 15, step >= 2 ? 0.95 : 0.5), sample(step * 15, 0.5, { host: 'web-2', mount: '/' })];
      if (step >= 4 && step <= 8) samples.push(sample(step * 15, 0.7, { host: 'web-3', mount: '/data' }));
      const result = evaluate(step >= 6 ? v2 : v1, samples, states, nowMs);
      const expected = byLookup(result, states, lagging);
      expect([...result.latestSampleOnly].sort(), `step ${step}`).toEqual(expected);
      late += expected.length;
      compared += result.states.length;
      for (const state of result.states) isForgettable(state) ? states.delete(state.fingerprint) : states.set(state.fingerprint, state);
    }
    // The run went through both answers many times over.
    expect(late).toBeGreaterThan(10);
    expect(compared - late).toBeGreaterThan(10);
  });
});
