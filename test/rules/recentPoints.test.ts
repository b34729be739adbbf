/**
 * RecentPoints (rules/engine/recentPoints.ts), the shared append-only buffer of window and predict
 * rules, against appendRecent (the copying rule it follows) at every sample of long irregular series
 * (gaps longer than the window, jittered times, bursts 1 ms apart that thin, NaN, ±Infinity, -0,
 * counters that reset): the same points, and the same window values. And purity: a buffer already
 * handed out reads the same after buffers were derived from it, after it was appended to a second
 * time (a branch, as when the collector rolls a batch back and evaluates the old state again), and
 * when its columns were frozen; a saved buffer, a structured clone and the buffer itself go on alike.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../rules/engine/evaluate.js';
import { appendPoint, RecentPoints, sharedTimes } from '../../rules/engine/recentPoints.js';
import { appendRecent, MAX_PREDICT_POINTS, MAX_WINDOW_POINTS } from '../../rules/engine/recentSamples.js';
import { appendWithSums } from '../../rules/kinds/predict.js';
import { WINDOW_FUNCTIONS, windowValue } from '../../rules/kinds/window.js';
import type { RecentSamples, RuleState, SeriesSample } from '../../rules/model/ruleTypes.js';
import { seededRandom } from '../support/hostilePayloads.js';
import { T0, testRule } from './ruleScenario.js';

interface Sample {
  atMs: number;
  value: number;
}

/** 15 s apart with jitter, sometimes 1 ms apart (thinning), now and then a gap longer than the window; odd values now and then. */
function* irregular(seed: number, count: number, windowMs: number): Generator<Sample> {
  const random = seededRandom(seed);
  let atMs = Date.UTC(2025, 0, 6);
  let value = 0;
  for (let i = 0; i < count; i++) {
    atMs += random() < 0.02 ? 1 : 15_000 + Math.floor(random() * 6) + (random() < 0.005 ? windowMs * 2 : random() < 0.01 ? windowMs / 2 : 0);
    value = random() < 0.01 ? 0 : value + Math.floor(random() * 100);
    const odd = [NaN, Infinity, -Infinity, -0][Math.floor(random() * 60)];
    yield { atMs, value: odd ?? value };
  }
}

/** The points of a buffer, read without its class (Object.is: NaN equals NaN, -0 differs from 0). */
function expectPoints(actual: RecentSamples, expected: { atMs: readonly number[]; values: readonly number[] }, where: string): void {
  const times = actual.atMs;
  const values = actual.values;
  const same = times.length === expected.atMs.length && times.every((t, i) => Object.is(t, expected.atMs[i]) && Object.is(values[i], expected.values[i]));
  if (!same) expect({ atMs: times, values }, where).toEqual({ atMs: [...expected.atMs], values: [...expected.values] });
}

describe('RecentPoints keeps appendRecent\'s points', () => {
  it.each([
    [1, 30 * 60_000, MAX_PREDICT_POINTS],
    [2, 6 * 3_600_000, MAX_PREDICT_POINTS],
    [3, 15 * 60_000, MAX_WINDOW_POINTS],
    [4, 3_600_000, MAX_WINDOW_POINTS],
    [5, 24 * 3_600_000, MAX_WINDOW_POINTS],
    [6, 5 * 60_000, 4],
    [7, 60_000, 1],
    [8, 10 * 60_000, 2],
  ])('at every sample, with the same window values (seed %i, window %i ms, %i points)', (seed, windowMs, maxPoints) => {
    let points: RecentPoints | undefined;
    let reference: RecentSamples | undefined;
    let shared = 0;
    let i = 0;
    for (const { atMs, value } of irregular(seed, 8000, windowMs)) {
      const next = appendPoint(points, atMs, value, windowMs, maxPoints);
      reference = appendRecent(reference, atMs, value, windowMs, maxPoints);
      expectPoints(next, reference, `sample ${i}`);
      for (const fn of WINDOW_FUNCTIONS) {
        const [got, want] = [windowValue(fn, next), windowValue(fn, reference)];
        if (!Object.is(got, want)) expect(got, `${fn} at sample ${i}`).toBe(want);
      }
      if (points !== undefined && next.sharedAtMs === points.sharedAtMs) shared++;
      points = next;
      i++;
    }
    // Most buffers share their columns with the one before (new columns when they are full, once per a
    // quarter of their points appended, and after a gap).
    if (maxPoints > 2) expect(shared).toBeGreaterThan(i * 0.8);
  });

  it('continues a buffer saved before (NaN read back from JSON as null), as appendRecent does', () => {
    const saved = JSON.parse(JSON.stringify({ atMs: [1000, 16_000, 31_000], values: [1, NaN, 3] })) as RecentSamples;
    expectPoints(appendPoint(saved, 46_000, 4, 60_000, 64), appendRecent(saved, 46_000, 4, 60_000, 64), 'appended');
    expectPoints(appendPoint(saved, 76_000, 5, 60_000, 64), appendRecent(saved, 76_000, 5, 60_000, 64), 'after the window');
    expect(windowValue('changes', appendPoint(saved, 46_000, 4, 60_000, 64))).toBe(windowValue('changes', appendRecent(saved, 46_000, 4, 60_000, 64)));
    expect(saved).toEqual({ atMs: [1000, 16_000, 31_000], values: [1, null, 3] });
  });
});

describe('a buffer already handed out never changes', () => {
  it.each([
    [11, 30 * 60_000, MAX_WINDOW_POINTS],
    [12, 6 * 3_600_000, MAX_PREDICT_POINTS],
    [13, 5 * 60_000, 4],
  ])('whichever buffers are derived from it and from its ancestors, in any order (seed %i)', (seed, windowMs, maxPoints) => {
    const random = seededRandom(seed);
    // Every buffer made, with the points it read when made and the reference's points for it.
    const made: Array<{ points: RecentPoints; saved: RecentSamples; reference: RecentSamples }> = [];
    let branches = 0;
    for (const { atMs, value } of irregular(seed, 3000, windowMs)) {
      // Mostly the newest buffer; now and then an older one again (a rolled-back batch: a branch).
      const back = made.length > 0 && random() < 0.1 ? 1 + Math.floor(random() * Math.min(made.length, 20)) : 1;
      const from = made[made.length - back];
      if (back > 1) branches++;
      // A branch continues from the older buffer at a time after every buffer made so far.
      const at = Math.max(atMs, (made.at(-1)?.points.newestAtMs ?? 0) + 1);
      const points = appendPoint(from?.points, at, value, windowMs, maxPoints);
      const reference = appendRecent(from?.reference, at, value, windowMs, maxPoints);
      expectPoints(points, reference, `sample at ${at}`);
      made.push({ points, saved: { atMs: points.atMs, values: points.values }, reference });
    }
    expect(branches).toBeGreaterThan(100);
    for (const [k, { points, saved }] of made.entries()) expectPoints(points, saved, `buffer ${k}`);
  });

  it('reads the same after a buffer was derived from it and after it was appended to again (the branch)', () => {
    let old: RecentPoints | undefined;
    for (let s = 0; s < 40; s++) old = appendPoint(old, T0 + s * 15_000, s, 30 * 60_000, MAX_WINDOW_POINTS);
    const before = { atMs: old!.atMs, values: old!.values };
    const next = appendPoint(old, T0 + 40 * 15_000, 40, 30 * 60_000, MAX_WINDOW_POINTS);
    expect(next.sharedAtMs).toBe(old!.sharedAtMs);
    expectPoints(old!, before, 'after a buffer was derived from it');
    // Appended to again with another sample: its own columns, the first derived buffer untouched.
    const branch = appendPoint(old, T0 + 40 * 15_000, -1, 30 * 60_000, MAX_WINDOW_POINTS);
    expect(branch.sharedAtMs).not.toBe(old!.sharedAtMs);
    expectPoints(old!, before, 'after the branch');
    expect(next.values.slice(-2)).toEqual([39, 40]);
    expect(branch.values.slice(-2)).toEqual([39, -1]);
    // Both lines go on independently.
    const nextOn = appendPoint(next, T0 + 41 * 15_000, 41, 30 * 60_000, MAX_WINDOW_POINTS);
    const branchOn = appendPoint(branch, T0 + 41 * 15_000, -2, 30 * 60_000, MAX_WINDOW_POINTS);
    expect(nextOn.values.slice(-3)).toEqual([39, 40, 41]);
    expect(branchOn.values.slice(-3)).toEqual([39, -1, -2]);
    expectPoints(old!, before, 'after both lines went on');
  });

  it('copies instead of writing into columns that a caller froze', () => {
    let old: RecentPoints | undefined;
    for (let s = 0; s < 5; s++) old = appendPoint(old, T0 + s * 15_000, s, 30 * 60_000, MAX_WINDOW_POINTS);
    Object.freeze(old!.sharedAtMs);
    Object.freeze(old!.sharedValues);
    const next = appendPoint(old, T0 + 5 * 15_000, 5, 30 * 60_000, MAX_WINDOW_POINTS);
    expect(next.values).toEqual([0, 1, 2, 3, 4, 5]);
    expect(old!.values).toEqual([0, 1, 2, 3, 4]);
  });

  it('a prediction\'s buffer and sums are the same whether its prior was appended to before or not', () => {
    let prior: RecentPoints | undefined;
    for (let s = 0; s < 200; s++) prior = appendWithSums(prior, T0 + s * 15_000, 0.5 + s * 1e-3, 30 * 60_000);
    const first = appendWithSums(prior, T0 + 200 * 15_000, 0.9, 30 * 60_000);
    const again = appendWithSums(prior, T0 + 200 * 15_000, 0.9, 30 * 60_000);
    expect(again.sharedAtMs).not.toBe(first.sharedAtMs);
    expect(JSON.stringify(again)).toBe(JSON.stringify(first));
  });
});

describe('the room of new columns', () => {
  it.each([
    // what, its window and points, how it appends; the longest values column of a full buffer (its points in the columns, at most one fewer than its cap, and its room), the most copies per sample
    ['a 10-minute window (41 points, both ends included: appends every sample, so a quarter of the 40 in its columns)', 10 * 60_000, MAX_WINDOW_POINTS, false, 40 + 10, 1 / 9],
    ['a 30-minute prediction (64 points over 16 minutes: appends every sample, so a quarter)', 30 * 60_000, MAX_PREDICT_POINTS, true, 63 + 16, 1 / 15],
    ['a 6-hour prediction (thinned: appends one sample in 22, so one slot)', 6 * 3_600_000, MAX_PREDICT_POINTS, true, 63 + 1, 1 / 20],
    ['a 1-day prediction (thinned: one sample in 90)', 24 * 3_600_000, MAX_PREDICT_POINTS, true, 63 + 1, 1 / 80],
  ])('%s, over samples 15 s apart', (_what, windowMs, maxPoints, predict, longest, copiesPerSample) => {
    let points: RecentPoints | undefined;
    let reference: RecentSamples | undefined;
    let copies = 0;
    let counted = 0;
    let maxLength = 0;
    for (let s = 0; s < (2 * windowMs) / 15_000; s++) {
      const atMs = T0 + s * 15_000;
      const next = predict ? appendWithSums(points, atMs, 0.5 + s * 1e-5, windowMs) : appendPoint(points, atMs, s % 7, windowMs, maxPoints);
      reference = appendRecent(reference, atMs, predict ? 0.5 + s * 1e-5 : s % 7, windowMs, maxPoints);
      // Once the buffer has been full a whole window: its columns' lengths, and how often they are new.
      if (s >= windowMs / 15_000) {
        counted++;
        if (next.sharedValues !== points!.sharedValues) copies++;
        maxLength = Math.max(maxLength, next.sharedValues.length, next.sharedAtMs.length);
      }
      points = next;
    }
    expectPoints(points!, reference!, 'the last buffer');
    expect(maxLength).toBe(longest);
    expect(copies / counted).toBeLessThanOrEqual(copiesPerSample);
  });

  it('gives new columns one slot, not an error, when a time is not a number (reports are validated; a hand-made state may hold one)', () => {
    // The newest point's time NaN, so the share of samples appended is NaN: new Array(NaN) would throw.
    const saved: RecentSamples = { atMs: [T0, T0 + 15_000, NaN], values: [1, 2, 3] };
    const next = appendPoint(saved, T0 + 45_000, 4, 30 * 60_000, MAX_WINDOW_POINTS);
    expectPoints(next, appendRecent(saved, T0 + 45_000, 4, 30 * 60_000, MAX_WINDOW_POINTS), 'after a NaN time');
    expect(next.sharedAtMs.length).toBeGreaterThan(next.end);
  });
});

describe('the series of a rule share their times columns (SharedTimes)', () => {
  it.each([
    // seed, window, points; how often series 3 misses a sample and a series goes on from its buffer a second time; the most times columns the four series hold on average
    [21, 30 * 60_000, MAX_PREDICT_POINTS, 0, 0, 1.1],
    [22, 6 * 3_600_000, MAX_PREDICT_POINTS, 0, 0, 1.1],
    [23, 10 * 60_000, MAX_WINDOW_POINTS, 0, 0, 1.1],
    [24, 5 * 60_000, 4, 0, 0, 1.1],
    [25, 30 * 60_000, MAX_PREDICT_POINTS, 0.05, 0.03, 2.5],
    [26, 6 * 3_600_000, MAX_PREDICT_POINTS, 0.05, 0.03, 2.5],
    [27, 10 * 60_000, MAX_WINDOW_POINTS, 0.05, 0.03, 2.5],
    [28, 5 * 60_000, 4, 0.05, 0.03, 2.5],
  ])('keep each series\' points, and every buffer reads the same later (seed %i, window %i ms, %i points, misses %d, branches %d)', (seed, windowMs, maxPoints, misses, branches, maxColumns) => {
    const random = seededRandom(seed);
    const shared = sharedTimes();
    // Four series of one host (the same times, their own values); series 3 may miss samples.
    const lines = [0, 1, 2, 3].map(() => ({ points: undefined as RecentPoints | undefined, reference: undefined as RecentSamples | undefined }));
    const made: Array<{ points: RecentPoints; saved: RecentSamples }> = [];
    // The distinct times columns of the four series' buffers, summed over the steps.
    let columns = 0;
    let steps = 0;
    for (const { atMs, value } of irregular(seed, 3000, windowMs)) {
      for (const [k, line] of lines.entries()) {
        if (k === 3 && random() < misses) continue;
        // A series may go on from its buffer a second time (a rolled-back batch): a branch.
        const from = line.points;
        if (from !== undefined && random() < branches) made.push({ points: appendPoint(from, atMs, -value, windowMs, maxPoints, shared), saved: appendRecent(line.reference, atMs, -value, windowMs, maxPoints) });
        const points = appendPoint(from, atMs, value + k, windowMs, maxPoints, shared);
        const reference = appendRecent(line.reference, atMs, value + k, windowMs, maxPoints);
        expectPoints(points, reference, `series ${k} at ${atMs}`);
        made.push({ points, saved: { atMs: points.atMs, values: points.values } });
        Object.assign(line, { points, reference });
      }
      columns += new Set(lines.map((line) => line.points?.sharedAtMs)).size;
      steps++;
    }
    for (const [k, { points, saved }] of made.entries()) expectPoints(points, saved, `buffer ${k}`);
    // Four without SharedTimes; about one when every series reports every time (a host's filesystems).
    expect(columns / steps).toBeLessThan(maxColumns);
    // Each series' values are its own.
    expect(new Set(lines.map((line) => line.points!.sharedValues)).size).toBe(4);
  });
});

describe('a saved buffer, a structured clone and the buffer itself', () => {
  it('go on alike, and are saved in the form of before (two columns, and sums for predictions)', () => {
    let window: RecentPoints | undefined;
    let predict: RecentPoints | undefined;
    for (let s = 0; s < 300; s++) {
      window = appendPoint(window, T0 + s * 15_000, s % 7, 30 * 60_000, MAX_WINDOW_POINTS);
      predict = appendWithSums(predict, T0 + s * 15_000, 0.5 + s * 1e-3, 6 * 3_600_000);
    }
    expect(Object.keys(JSON.parse(JSON.stringify(window)) as object)).toEqual(['atMs', 'values']);
    expect(Object.keys(JSON.parse(JSON.stringify(predict)) as object)).toEqual(['atMs', 'values', 'sums']);
    const at = T0 + 300 * 15_000;
    for (const copy of [JSON.parse(JSON.stringify(window)) as RecentSamples, structuredClone(window!)]) {
      expect(JSON.stringify(appendPoint(copy, at, 3, 30 * 60_000, MAX_WINDOW_POINTS))).toBe(JSON.stringify(appendPoint(window, at, 3, 30 * 60_000, MAX_WINDOW_POINTS)));
    }
    for (const copy of [JSON.parse(JSON.stringify(predict)) as RecentSamples, structuredClone(predict!)]) {
      expect(JSON.stringify(appendWithSums(copy, at, 0.8, 6 * 3_600_000))).toBe(JSON.stringify(appendWithSums(predict, at, 0.8, 6 * 3_600_000)));
    }
  });
});

describe('evaluate over buffers', () => {
  it('leaves the prior states as they read, when evaluated again from them with other samples (a rolled-back batch)', () => {
    const rules = [
      testRule({ name: 'win', window: { function: 'avg', windowSeconds: 1800 } }),
      testRule({ name: 'fill', predict: { windowSeconds: 1800, horizonSeconds: 3600 } }),
    ];
    const disk = (atMs: number, value: number): SeriesSample => ({ metric: 'filesystem_used_ratio', labels: { host: 'web-1', mount: '/' }, value, atMs });
    let states = new Map<string, RuleState>();
    for (let s = 0; s < 150; s++) {
      const atMs = T0 + s * 15_000;
      states = new Map(evaluate(rules, [disk(atMs, 0.5 + (s % 10) * 0.01)], states, atMs).states.map((state) => [state.fingerprint, state]));
    }
    const saved = JSON.stringify([...states.values()]);
    const atMs = T0 + 150 * 15_000;
    const committed = evaluate(rules, [disk(atMs, 0.95)], states, atMs);
    expect(JSON.stringify([...states.values()])).toBe(saved);
    // The batch rolled back: the same prior states again, with what the next batch brings.
    const retried = evaluate(rules, [disk(atMs, 0.2)], states, atMs);
    expect(JSON.stringify([...states.values()])).toBe(saved);
    expect(retried.states.filter((state) => state.recent).map((state) => state.recent!.values.at(-1))).toEqual([0.2, 0.2]);
    expect(committed.states.filter((state) => state.recent).map((state) => state.recent!.values.at(-1))).toEqual([0.95, 0.95]);
    // And the retried states equal those evaluated from the saved (JSON) states.
    const fromSaved = new Map((JSON.parse(saved) as RuleState[]).map((state) => [state.fingerprint, state]));
    expect(JSON.stringify(evaluate(rules, [disk(atMs, 0.2)], fromSaved, atMs).states)).toBe(JSON.stringify(retried.states));
  });
});
