/**
 * `evaluate` with EvaluateOptions.seriesOnce (each sample of its own series: the collector's batches
 * of one report a host) decides exactly as without: the same states, signals, latest-sample-only
 * states, stats and health, call after call, with the default pack and rules of every kind beside
 * it, series that breach, fire, resolve and keep windows, series without a state that stay quiet,
 * and with the collector's index (RuleStateIndex) or a plain map as the prior states. And a batch
 * that does have a series twice, taken as grouped (the default), is not what seriesOnce is for:
 * shown by the result it would get wrong.
 */
import { describe, expect, it } from 'vitest';
import { RuleStateIndex } from '../../collector/alerting/ruleStateIndex.js';
import { canonicalLabels } from '../../contract/labels.js';
import { compileRules, DEFAULT_RULES_DIR, evaluate, isForgettable, loadRuleSet, type EvaluationResult, type Rule, type RuleState, type SeriesSample } from '../../rules/index.js';
import { seededRandom } from '../support/hostilePayloads.js';
import { T0, testRule } from './ruleScenario.js';

/** Rules of the kinds the default pack has too few of, on a metric of their own. */
const extraRules: Rule[] = [
  testRule({ name: 'x_threshold_for', metric: 'x_ratio', forSeconds: 30, clearForSeconds: 30, fire: { op: 'above', threshold: 0.8 } }),
  testRule({ name: 'x_window', metric: 'x_ratio', window: { function: 'max', windowSeconds: 120 }, fire: { op: 'above', threshold: 0.95 } }),
  testRule({ name: 'x_predict', metric: 'x_ratio', predict: { windowSeconds: 600, horizonSeconds: 600 }, fire: { op: 'above', threshold: 1.5 } }),
  testRule({ name: 'x_absent', metric: 'x_ratio', absent: { seconds: 45 }, fire: { op: 'above', threshold: 0 }, clear: { op: 'atOrBelow', threshold: 0 } }),
  testRule({ name: 'x_aggregate', metric: 'x_ratio', aggregate: { by: ['group'], function: 'max', staleAfterSeconds: 60 }, fire: { op: 'above', threshold: 0.9 } }),
  testRule({ name: 'x_change', metric: 'x_count', change: { windowSeconds: 60, tolerance: 0 }, fire: { op: 'above', threshold: 0 }, clear: { op: 'atOrBelow', threshold: 0 } }),
];

/** One batch: every host's report at `atMs`, each series once; a host leaves out its `x_ratio` now and then (absent rules see the gap). */
function batch(hosts: number, metrics: readonly string[], atMs: number, next: () => number, keyed: boolean): SeriesSample[] {
  const samples: SeriesSample[] = [];
  for (let h = 0; h < hosts; h++) {
    const host = `host-${h}`;
    const group = `g${h % 3}`;
    for (const metric of metrics) {
      if (metric === 'x_ratio' && next() < 0.15) continue;
      const variants: Array<Record<string, string>> = [
        { host, group },
        { host, group, mount: '/', interface: 'eth0', target: 'db' },
      ];
      for (const labels of variants) {
        // Mostly healthy values; now and then one that breaches whatever the rule's threshold is.
        const roll = next();
        const value = roll < 0.1 ? 1e9 : roll < 0.2 ? 0 : roll < 0.3 ? 0.97 : next() * 0.5;
        samples.push({ metric, labels, value, atMs: atMs - Math.floor(next() * 3000), ...(keyed ? { seriesKey: canonicalLabels(labels) } : {}) });
      }
    }
  }
  return samples;
}

/** The prior after a call, as the collector keeps it: live states set, forgettable ones dropped. */
function apply(prior: Map<string, RuleState>, result: EvaluationResult): void {
  for (const state of result.states) {
    if (isForgettable(state)) prior.delete(state.fingerprint);
    else prior.set(state.fingerprint, state);
  }
}

function comparable(result: EvaluationResult) {
  return { states: result.states, signals: result.signals, latestSampleOnly: [...result.latestSampleOnly].sort(), stats: result.stats, health: result.health };
}

describe('evaluate with seriesOnce', () => {
  const rules = [...loadRuleSet([DEFAULT_RULES_DIR]).rules, ...extraRules];
  const metrics = [...new Set(rules.map((rule) => rule.metric))];

  it.each([
    { prior: 'the collector index', index: true, keyed: true, seed: 1 },
    { prior: 'a plain map', index: false, keyed: false, seed: 2 },
    { prior: 'the collector index, keys made by the engine', index: true, keyed: false, seed: 3 },
  ])('decides as the grouped evaluation over 40 calls ($prior)', ({ index, keyed, seed }) => {
    const ruleSet = compileRules(rules);
    const grouped: Map<string, RuleState> = index ? new RuleStateIndex() : new Map();
    const once: Map<string, RuleState> = index ? new RuleStateIndex() : new Map();
    const next = seededRandom(seed);
    let signals = 0;
    let quietSkipped = 0;
    for (let call = 0; call < 40; call++) {
      const nowMs = T0 + call * 15_000;
      const samples = batch(6, metrics, nowMs, next, keyed);
      const a = evaluate(ruleSet, samples, grouped, nowMs);
      const b = evaluate(ruleSet, samples, once, nowMs, { seriesOnce: true });
      expect(comparable(b)).toEqual(comparable(a));
      apply(grouped, a);
      apply(once, b);
      signals += a.signals.length;
      quietSkipped += a.stats.applied - a.states.length;
    }
    expect([...once.keys()].sort()).toEqual([...grouped.keys()].sort());
    // The batches did what they are for: rules fired and resolved, windows and groups were kept, most series stayed quiet.
    expect(signals).toBeGreaterThan(20);
    expect([...grouped.values()].some((state) => state.status === 'firing')).toBe(true);
    expect([...grouped.values()].some((state) => state.recent !== undefined)).toBe(true);
    expect([...grouped.values()].some((state) => state.ruleName === 'x_aggregate')).toBe(true);
    expect(quietSkipped).toBeGreaterThan(1000);
  });

  it('is for batches without a series twice: one that has two samples of a series needs the grouped evaluation', () => {
    const ruleSet = compileRules([testRule({ name: 'hot', metric: 'x_ratio', fire: { op: 'above', threshold: 0.8 } })]);
    const labels = { host: 'web-1' };
    // Breaches, then clears later in the same batch: in time order the series ends inactive, without a signal kept open.
    const samples: SeriesSample[] = [
      { metric: 'x_ratio', labels, value: 0.95, atMs: T0 },
      { metric: 'x_ratio', labels, value: 0.1, atMs: T0 + 15_000 },
    ];
    const grouped = evaluate(ruleSet, samples, new Map(), T0 + 20_000);
    expect(grouped.signals.map((signal) => signal.kind)).toEqual(['firing', 'resolved']);
    // A new series that ends inactive keeps no state.
    expect(grouped.states).toEqual([]);
    // Taken one sample at a time from the same prior, the clearing sample is judged quiet and the series is left firing.
    const once = evaluate(ruleSet, samples, new Map(), T0 + 20_000, { seriesOnce: true });
    expect(once.signals.map((signal) => signal.kind)).toEqual(['firing']);
    expect(once.states.map((state) => state.status)).toEqual(['firing']);
  });
});
