/**
 * Predictions from running sums (kinds/predict.ts appendWithSums / fitFromSums) against the exact
 * two-pass fit (linearFit) over the same buffer: at every sample of long series (a filling disk
 * cleaned up daily, a byte counter's rate around 1e9 with noise, irregular times and gaps, a value
 * that is not finite), with the default pack's three prediction windows. Tolerance: the predicted
 * value (intercept + slope x horizon, once the points span a quarter of the window, as the kind
 * predicts) within 1e-9 of the buffer's value range (plus 1e-12 of its
 * largest value), and the slope within 1e-9 relative. And a state saved by the release before sums
 * (recorded from it: no `sums` in its buffer) still loads and predicts as that release did.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../rules/engine/evaluate.js';
import { recentPoints } from '../../rules/engine/recentPoints.js';
import { appendRecent, MAX_PREDICT_POINTS } from '../../rules/engine/recentSamples.js';
import { DEFAULT_RULES_DIR, loadRuleFiles } from '../../rules/index.js';
import { appendWithSums, FIT_RECOMPUTE_EVERY, fitFromSums, linearFit, PREDICT_MIN_COVERAGE, sumsOf } from '../../rules/kinds/predict.js';
import type { FitSums, RecentSamples, RuleState } from '../../rules/model/ruleTypes.js';

const HOUR = 3_600_000;
const WINDOWS = [{ windowMs: HOUR / 2, horizonS: 3600 }, { windowMs: 6 * HOUR, horizonS: 4 * 3600 }, { windowMs: 24 * HOUR, horizonS: 5 * 86_400 }];
const T0 = Date.UTC(2025, 0, 6);

/** A cheap deterministic pseudo-random in [0, 1). */
const noise = (a: number, b: number) => {
  const x = Math.sin(a * 12.9898 + b * 78.233) * 43758.5453;
  return x - Math.floor(x);
};

interface Sample {
  atMs: number;
  value: number;
}

function* filling(days: number): Generator<Sample> {
  for (let i = 0; i < (days * 86_400) / 15; i++) {
    const atMs = T0 + i * 15_000 + Math.floor(noise(i, 1) * 6);
    yield { atMs, value: Math.round((0.6 + 0.38 * (((atMs - T0) % 86_400_000) / 86_400_000)) * 1e4) / 1e4 };
  }
}

function* largeNoisy(days: number): Generator<Sample> {
  for (let i = 0; i < (days * 86_400) / 15; i++) yield { atMs: T0 + i * 15_000, value: 1e9 + noise(i, 2) * 1e6 + i * 10 };
}

function* irregular(days: number): Generator<Sample> {
  let atMs = T0;
  for (let i = 0; atMs < T0 + days * 86_400_000; i++) {
    // Mostly 15 s, sometimes a burst 1 s apart, sometimes a gap of up to 2 hours.
    const r = noise(i, 3);
    atMs += r < 0.05 ? 1000 : r > 0.999 ? Math.floor(noise(i, 4) * 2 * HOUR) : 15_000;
    yield { atMs, value: 0.3 + 0.2 * noise(i, 5) + ((atMs - T0) / 86_400_000) * 0.05 };
  }
}

function worstError(samples: Iterable<Sample>, windowMs: number, horizonS: number): { predicted: number; slope: number; fits: number } {
  let recent: RecentSamples | undefined;
  let reference: RecentSamples | undefined;
  const worst = { predicted: 0, slope: 0, fits: 0 };
  for (const { atMs, value } of samples) {
    recent = appendWithSums(recent, atMs, value, windowMs);
    // The same points as appendRecent keeps.
    reference = appendRecent(reference, atMs, value, windowMs, MAX_PREDICT_POINTS);
    const times = recent.atMs;
    const values = recent.values;
    if (times.length !== reference.atMs.length || times.some((t, i) => t !== reference!.atMs[i] || values[i] !== reference!.values[i])) {
      expect({ atMs: times, values }, `the points at ${atMs}`).toEqual(reference);
    }
    const exact = linearFit(recent);
    const running = fitFromSums(recent);
    expect(running === undefined, `fit at ${atMs}`).toBe(exact === undefined);
    // The kind predicts only once the points span a quarter of the window.
    if (!exact || !running || recent.atMs.at(-1)! - recent.atMs[0]! < windowMs / PREDICT_MIN_COVERAGE) continue;
    worst.fits++;
    let low = Infinity;
    let high = -Infinity;
    for (const v of recent.values) {
      low = Math.min(low, v);
      high = Math.max(high, v);
    }
    const scale = high - low + 1e-12 * Math.max(Math.abs(low), Math.abs(high));
    const predictedError = Math.abs(running.intercept + running.slope * horizonS - (exact.intercept + exact.slope * horizonS)) / scale;
    const slopeError = Math.abs(running.slope - exact.slope) / Math.max(Math.abs(exact.slope), (scale / (windowMs / 1000)) * 1e-6);
    worst.predicted = Math.max(worst.predicted, predictedError);
    worst.slope = Math.max(worst.slope, slopeError);
  }
  return worst;
}

/** The fit sums from scratch as the kind defines them: the points' additions in order, measured from the oldest (exactly, not within a tolerance). */
function additions(recent: RecentSamples): FitSums {
  const { atMs, values } = recent;
  const sums = { originMs: atMs[0]!, originValue: values[0]!, x: 0, y: 0, xx: 0, xy: 0, updates: 0 };
  for (let i = 0; i < atMs.length; i++) {
    const dx = (atMs[i]! - sums.originMs) / 1000;
    const dy = values[i]! - sums.originValue;
    sums.x += dx;
    sums.y += dy;
    sums.xx += dx * dx;
    sums.xy += dx * dy;
  }
  return sums;
}

describe('predictions from running sums', () => {
  it.each([
    { name: 'a disk filling over each day, cleaned up at midnight', samples: () => filling(2) },
    { name: 'a rate around 1e9 with noise', samples: () => largeNoisy(2) },
    { name: 'irregular times, bursts and gaps', samples: () => irregular(3) },
  ])('agree with the exact fit at every sample: $name', ({ samples }) => {
    for (const { windowMs, horizonS } of WINDOWS) {
      const worst = worstError(samples(), windowMs, horizonS);
      if (process.env.PRINT_FIT_ERRORS) console.log(windowMs / HOUR, worst);
      expect(worst.fits).toBeGreaterThan(1000);
      expect(worst.predicted, `window ${windowMs / HOUR}h`).toBeLessThan(1e-9);
      expect(worst.slope, `window ${windowMs / HOUR}h`).toBeLessThan(1e-9);
    }
  });

  it('are computed from scratch every FIT_RECOMPUTE_EVERY updates, so their drift stays bounded', () => {
    let recent: RecentSamples | undefined;
    let fromScratch = 0;
    for (const { atMs, value } of irregular(1)) {
      const due = recent !== undefined && recent.sums!.updates >= FIT_RECOMPUTE_EVERY;
      recent = appendWithSums(recent, atMs, value, HOUR / 2);
      // A sample adds one point and lets go of the replaced newest and those out of the window.
      expect(recent.sums!.updates).toBeLessThan(FIT_RECOMPUTE_EVERY + MAX_PREDICT_POINTS + 2);
      if (due) expect(recent.sums!.updates).toBe(0);
      if (recent.sums!.updates === 0) {
        fromScratch++;
        expect(recent.sums).toEqual(sumsOf(recent));
        expect(recent.sums).toEqual(additions(recent));
      }
    }
    expect(fromScratch).toBeGreaterThan(10);
  });

  it('recover from a value that is not finite once it has left the window', () => {
    let recent: RecentSamples | undefined;
    const windowMs = HOUR / 2;
    for (let i = 0; i < 600; i++) {
      const atMs = T0 + i * 15_000;
      recent = appendWithSums(recent, atMs, i === 100 ? Infinity : 0.5 + i * 1e-4, windowMs);
      if (i > 100 + windowMs / 15_000 + 1) {
        const exact = linearFit(recent)!;
        const running = fitFromSums(recent)!;
        expect(Math.abs(running.slope - exact.slope)).toBeLessThan(1e-15);
        expect(Math.abs(running.intercept - exact.intercept)).toBeLessThan(1e-12);
      }
    }
  });

  it('a buffer without sums (a window rule, an older state) is fitted from its points', () => {
    const recent = { atMs: [0, 60_000, 120_000], values: [1, 2, 3] };
    expect(fitFromSums(recent)).toEqual({ slope: 1 / 60, intercept: 3 });
    expect(linearFit(recent)).toEqual({ slope: 1 / 60, intercept: 3 });
  });
});

describe('a prediction state saved by the release before running sums', () => {
  // filesystem_filling_up of the default pack, firing over a filling disk: saved by main at b187a9f
  // (its predict kind fitted the buffer in two passes at each sample). Its buffer has no `sums`.
  const saved = '{"ruleName":"filesystem_filling_up","ruleVersion":"ba02dbfeaadd","fingerprint":"4cff700de09d669a","labels":{"host":"db-1","mount":"/var"},"status":"firing","lastValue":1.359424243180965,"lastSampleAtMs":1736135985000,"pendingSinceMs":1736127000000,"firingSinceMs":1736128800000,"recent":{"atMs":[1736121600000,1736121930000,1736122260000,1736122590000,1736122920000,1736123250000,1736123580000,1736123910000,1736124240000,1736124570000,1736124900000,1736125230000,1736125560000,1736125890000,1736126220000,1736126550000,1736126880000,1736127210000,1736127540000,1736127870000,1736128200000,1736128530000,1736128860000,1736129190000,1736129520000,1736129850000,1736130180000,1736130510000,1736130840000,1736131170000,1736131500000,1736131830000,1736132160000,1736132490000,1736132820000,1736133150000,1736133480000,1736133810000,1736134140000,1736134470000,1736134800000,1736135130000,1736135460000,1736135790000,1736135985000],"values":[0.6,0.6087,0.6174,0.6261,0.6349,0.6435,0.6523,0.6609,0.6697,0.6783,0.6872,0.6957,0.7046,0.7131,0.722,0.7305,0.7395,0.7479,0.7569,0.7653,0.7743,0.7827,0.7918,0.8001,0.8092,0.8175,0.8266,0.8349,0.8441,0.8523,0.8615,0.8697,0.8789,0.8871,0.8964,0.9045,0.9138,0.9219,0.9312,0.9393,0.9487,0.9567,0.9661,0.9741,0.9789]}}';

  it('loads, and the next sample predicts what that release predicted, now with sums', () => {
    const rules = loadRuleFiles([DEFAULT_RULES_DIR]).filter((rule) => rule.name === 'filesystem_filling_up');
    const state = JSON.parse(saved) as RuleState;
    expect(state.recent!.sums).toBeUndefined();
    const atMs = state.lastSampleAtMs + 15_000;
    const result = evaluate(rules, [{ metric: 'filesystem_used_ratio', labels: state.labels, value: 0.9, atMs, intervalMs: 15_000 }], new Map([[state.fingerprint, state]]), atMs);
    expect(result.signals).toEqual([]);
    const next = result.states[0]!;
    expect(next.status).toBe('firing');
    // What the release before gave for the same sample (two-pass fit): 1.3432648373490408.
    expect(Math.abs(next.lastValue - 1.3432648373490408)).toBeLessThan(1e-12);
    // Its sums were made from its points, then moved by the sample.
    expect(next.recent!.sums!.updates).toBeGreaterThan(0);
    // Saved now, it has the same form plus the sums, and goes on from a copy as from itself.
    const savedNow = JSON.parse(JSON.stringify(next)) as RuleState;
    expect(Object.keys(savedNow.recent!)).toEqual(['atMs', 'values', 'sums']);
    expect(savedNow.recent!.atMs).toEqual(next.recent!.atMs);
    expect(savedNow.recent!.atMs.at(-1)).toBe(atMs);
    const later = atMs + 15_000;
    const sample = { metric: 'filesystem_used_ratio', labels: state.labels, value: 0.91, atMs: later, intervalMs: 15_000 };
    const fromSaved = evaluate(rules, [sample], new Map([[state.fingerprint, savedNow]]), later).states[0]!;
    const fromMemory = evaluate(rules, [sample], new Map([[state.fingerprint, next]]), later).states[0]!;
    const fromClone = evaluate(rules, [sample], new Map([[state.fingerprint, structuredClone(next)]]), later).states[0]!;
    expect(JSON.stringify(fromSaved)).toBe(JSON.stringify(fromMemory));
    expect(JSON.stringify(fromClone)).toBe(JSON.stringify(fromMemory));
  });
});

describe('a prediction state saved with running sums', () => {
  // filesystem_filling_up of the default pack, firing over a filling disk: saved by main at 5b35a86,
  // when a buffer kept its newest point and its sums as fields (in memory they are now one array,
  // RecentPoints.own). The state after the next sample, as that release saved it: the same bytes.
  const saved = '{"ruleName":"filesystem_filling_up","ruleVersion":"ba02dbfeaadd","fingerprint":"4cff700de09d669a","labels":{"host":"db-1","mount":"/var"},"status":"firing","lastValue":1.429766751884239,"lastSampleAtMs":1736132085000,"pendingSinceMs":1736127000000,"firingSinceMs":1736128800000,"recent":{"atMs":[1736121600000,1736121930001,1736122260002,1736122590000,1736122920001,1736123250002,1736123580000,1736123910001,1736124240002,1736124570000,1736124900001,1736125230002,1736125560000,1736125890001,1736126220002,1736126550000,1736126880001,1736127210002,1736127540000,1736127870001,1736128200002,1736128530000,1736128860001,1736129190002,1736129520000,1736129850001,1736130180002,1736130510000,1736130840001,1736131170002,1736131500000,1736131830001,1736132085000],"values":[0.6,0.6112,0.6224,0.6331,0.6443,0.655,0.6662,0.6774,0.6881,0.6993,0.71,0.7212,0.7324,0.7431,0.7543,0.765,0.7762,0.7874,0.7981,0.8093,0.82,0.8312,0.8424,0.8531,0.8643,0.875,0.8862,0.8974,0.9081,0.9193,0.93,0.9412,0.9499],"sums":{"originMs":1736121600000,"originValue":0.6,"x":174165.031,"y":5.812100000000001,"xx":1244237945.7600508,"xy":41510.53285220001,"updates":37}}}';
  const savedAfter = '{"ruleName":"filesystem_filling_up","ruleVersion":"ba02dbfeaadd","fingerprint":"4cff700de09d669a","labels":{"host":"db-1","mount":"/var"},"status":"firing","lastValue":1.4128599645270141,"lastSampleAtMs":1736132100000,"pendingSinceMs":1736127000000,"firingSinceMs":1736128800000,"recent":{"atMs":[1736121600000,1736121930001,1736122260002,1736122590000,1736122920001,1736123250002,1736123580000,1736123910001,1736124240002,1736124570000,1736124900001,1736125230002,1736125560000,1736125890001,1736126220002,1736126550000,1736126880001,1736127210002,1736127540000,1736127870001,1736128200002,1736128530000,1736128860001,1736129190002,1736129520000,1736129850001,1736130180002,1736130510000,1736130840001,1736131170002,1736131500000,1736131830001,1736132100000],"values":[0.6,0.6112,0.6224,0.6331,0.6443,0.655,0.6662,0.6774,0.6881,0.6993,0.71,0.7212,0.7324,0.7431,0.7543,0.765,0.7762,0.7874,0.7981,0.8093,0.82,0.8312,0.8424,0.8531,0.8643,0.875,0.8862,0.8974,0.9081,0.9193,0.93,0.9412,0.9],"sums":{"originMs":1736121600000,"originValue":0.6,"x":174180.031,"y":5.762200000000001,"xx":1244552720.7600508,"xy":40991.83135220001,"updates":39}}}';

  it('loads, and the next sample gives the state that release gave, saved in the same form', () => {
    const rules = loadRuleFiles([DEFAULT_RULES_DIR]).filter((rule) => rule.name === 'filesystem_filling_up');
    const state = JSON.parse(saved) as RuleState;
    const atMs = state.lastSampleAtMs + 15_000;
    const sample = { metric: 'filesystem_used_ratio', labels: state.labels, value: 0.9, atMs, intervalMs: 15_000 };
    const next = evaluate(rules, [sample], new Map([[state.fingerprint, state]]), atMs).states[0]!;
    expect(JSON.stringify(next)).toBe(savedAfter);
    expect(next.recent!.sums).toEqual((JSON.parse(savedAfter) as RuleState).recent!.sums);
    // From a structured clone of the buffer in memory (a replay thread's copy) alike.
    const inMemory: RuleState = { ...state, recent: recentPoints(state.recent) };
    const fromClone = evaluate(rules, [sample], new Map([[state.fingerprint, structuredClone(inMemory)]]), atMs).states[0]!;
    expect(JSON.stringify(fromClone)).toBe(savedAfter);
  });
});
