import { describe, expect, it } from 'vitest';
import { appendRecent, MAX_PREDICT_POINTS, MAX_WINDOW_POINTS } from '../../rules/engine/recentSamples.js';
import { linearFit, secondsUntil } from '../../rules/kinds/predict.js';
import { windowValue, type WindowFunction } from '../../rules/kinds/window.js';
import type { RecentSamples } from '../../rules/model/ruleTypes.js';

const series = (values: number[], stepMs = 1000): RecentSamples => ({ atMs: values.map((_, i) => i * stepMs), values });

describe('windowValue', () => {
  it.each<{ why: string; fn: WindowFunction; values: number[]; expected: number }>([
    { why: 'avg', fn: 'avg', values: [1, 2, 6], expected: 3 },
    { why: 'min', fn: 'min', values: [3, 1, 2], expected: 1 },
    { why: 'max', fn: 'max', values: [3, 1, 2], expected: 3 },
    { why: 'increase of a steady counter', fn: 'increase', values: [10, 15, 30], expected: 20 },
    { why: 'increase across a reset counts the value after it', fn: 'increase', values: [10, 15, 4], expected: 9 },
    { why: 'rate per second over the span (2s)', fn: 'rate', values: [0, 5, 10], expected: 5 },
    { why: 'increase needs two points', fn: 'increase', values: [10], expected: NaN },
    { why: 'rate needs two points', fn: 'rate', values: [10], expected: NaN },
    { why: 'avg of nothing', fn: 'avg', values: [], expected: NaN },
  ])('$why', ({ fn, values, expected }) => {
    expect(windowValue(fn, series(values))).toBe(expected);
  });
});

describe('appendRecent', () => {
  it('keeps the window [at - window, at], both ends included', () => {
    let recent: RecentSamples | undefined;
    for (let s = 0; s <= 10; s++) recent = appendRecent(recent, s * 1000, s, 3000);
    expect(recent).toEqual({ atMs: [7000, 8000, 9000, 10000], values: [7, 8, 9, 10] });
  });

  it('thins a dense series to about window / MAX_WINDOW_POINTS spacing, always keeping the newest sample', () => {
    let recent: RecentSamples | undefined;
    const windowMs = 3600_000;
    for (let s = 0; s <= 3600; s++) recent = appendRecent(recent, s * 1000, s, windowMs);
    expect(recent!.atMs.length).toBeLessThanOrEqual(MAX_WINDOW_POINTS + 1);
    expect(recent!.atMs.length).toBeGreaterThan(MAX_WINDOW_POINTS / 2);
    expect(recent!.atMs.at(-1)).toBe(3600_000);
    expect(recent!.values.at(-1)).toBe(3600);
  });

  it('takes a lower cap for predictions', () => {
    let recent: RecentSamples | undefined;
    for (let s = 0; s <= 6 * 3600; s += 15) recent = appendRecent(recent, s * 1000, s, 6 * 3600_000, MAX_PREDICT_POINTS);
    expect(recent!.atMs.length).toBeLessThanOrEqual(MAX_PREDICT_POINTS + 1);
    expect(recent!.atMs.length).toBeGreaterThan(MAX_PREDICT_POINTS / 2);
    expect(linearFit(recent!)!.slope).toBeCloseTo(1);
  });

  it('does not mutate its input', () => {
    const before = { atMs: [0, 1000], values: [1, 2] };
    appendRecent(before, 5000, 3, 2000);
    expect(before).toEqual({ atMs: [0, 1000], values: [1, 2] });
  });
});

describe('linearFit and secondsUntil', () => {
  it('fits a line through the points, anchored at the newest', () => {
    const fit = linearFit(series([1, 3, 5]))!;
    expect(fit.slope).toBeCloseTo(2);
    expect(fit.intercept).toBeCloseTo(5);
    expect(secondsUntil(fit, 11, true)).toBeCloseTo(3);
  });

  it.each([
    { why: 'already past the threshold', values: [1, 3, 5], threshold: 4, rising: true, expected: 0 },
    { why: 'moving away from it', values: [5, 3, 1], threshold: 10, rising: true, expected: Infinity },
    { why: 'flat', values: [2, 2, 2], threshold: 10, rising: true, expected: Infinity },
    { why: 'falling towards a lower threshold', values: [5, 3, 1], threshold: -3, rising: false, expected: 2 },
  ])('$why', ({ values, threshold, rising, expected }) => {
    expect(secondsUntil(linearFit(series(values))!, threshold, rising)).toBeCloseTo(expected);
  });

  it('needs two points at different times', () => {
    expect(linearFit(series([1]))).toBeUndefined();
    expect(linearFit({ atMs: [5, 5], values: [1, 2] })).toBeUndefined();
  });
});
