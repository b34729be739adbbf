/**
 * appendRecent (rules/engine/recentSamples.ts) builds its arrays by slice and concat; it must give
 * the buffers of the loop it replaced (kept here as the reference), element for element and of the
 * exact length, for predictions (64 points) and window functions (256) over series with NaN,
 * ±Infinity, -0, gaps longer than the window, counters that reset, jittered times and thinning,
 * and over buffers persisted before (NaN read back from JSON as null), without touching its input.
 */
import { describe, expect, it } from 'vitest';
import { appendRecent, MAX_PREDICT_POINTS, MAX_WINDOW_POINTS } from '../../rules/engine/recentSamples.js';
import type { RecentSamples } from '../../rules/model/ruleTypes.js';
import { seededRandom } from '../support/hostilePayloads.js';

/** appendRecent as it was: new arrays of the exact length, filled in a loop. */
function referenceAppend(recent: RecentSamples | undefined, atMs: number, value: number, windowMs: number, maxPoints: number): RecentSamples {
  const from = atMs - windowMs;
  const oldTimes = recent?.atMs ?? [];
  const oldValues = recent?.values ?? [];
  let start = 0;
  while (start < oldTimes.length && oldTimes[start]! < from) start++;
  const kept = oldTimes.length - start;
  const replacesNewest = kept >= 2 && atMs - oldTimes[oldTimes.length - 2]! < windowMs / maxPoints;
  let length = replacesNewest ? kept : kept + 1;
  const over = Math.max(0, length - maxPoints);
  start += over;
  length -= over;
  const times = new Array<number>(length);
  const values = new Array<number>(length);
  for (let i = 0; i < length - 1; i++) {
    times[i] = oldTimes[start + i]!;
    values[i] = oldValues[start + i]!;
  }
  times[length - 1] = atMs;
  values[length - 1] = value;
  return { atMs: times, values };
}

function expectSame(actual: RecentSamples, expected: RecentSamples, where: string): void {
  expect(actual.atMs.length, where).toBe(expected.atMs.length);
  expect(actual.values.length, where).toBe(expected.values.length);
  // Object.is: NaN equals NaN, -0 differs from 0.
  for (let i = 0; i < expected.atMs.length; i++) {
    if (!Object.is(actual.atMs[i], expected.atMs[i]) || !Object.is(actual.values[i], expected.values[i])) {
      expect([actual.atMs[i], actual.values[i]], `${where}, point ${i}`).toEqual([expected.atMs[i], expected.values[i]]);
    }
  }
}

describe('appendRecent', () => {
  it.each([
    [1, 30 * 60_000, MAX_PREDICT_POINTS],
    [2, 6 * 3_600_000, MAX_PREDICT_POINTS],
    [3, 24 * 3_600_000, MAX_PREDICT_POINTS],
    [4, 15 * 60_000, MAX_WINDOW_POINTS],
    [5, 3_600_000, MAX_WINDOW_POINTS],
    [6, 5 * 60_000, 4],
    [7, 60_000, 1],
  ])('gives the buffers of the loop it replaced (seed %i, window %i ms, %i points)', (seed, windowMs, maxPoints) => {
    const random = seededRandom(seed);
    let recent: RecentSamples | undefined;
    let reference: RecentSamples | undefined;
    let atMs = Date.UTC(2025, 0, 6);
    let value = 0;
    for (let i = 0; i < 6000; i++) {
      // 15 s apart with jitter, sometimes 1 ms apart, now and then a gap longer than the window.
      atMs += random() < 0.02 ? 1 : 15_000 + Math.floor(random() * 6) + (random() < 0.005 ? windowMs * 2 : 0);
      value = random() < 0.01 ? 0 : value + Math.floor(random() * 100);
      const odd = [NaN, Infinity, -Infinity, -0][Math.floor(random() * 50)];
      const before = recent === undefined ? undefined : { atMs: [...recent.atMs], values: [...recent.values] };
      const next = appendRecent(recent, atMs, odd ?? value, windowMs, maxPoints);
      reference = referenceAppend(reference, atMs, odd ?? value, windowMs, maxPoints);
      expectSame(next, reference, `sample ${i}`);
      if (before !== undefined) expectSame(recent!, before, `input of sample ${i}`);
      recent = next;
    }
    expect(recent!.atMs.length).toBeGreaterThan(Math.min(maxPoints, 2) - 1);
  });

  it('continues a buffer persisted before (NaN read back from JSON as null)', () => {
    const persisted = JSON.parse(JSON.stringify({ atMs: [1000, 16_000, 31_000], values: [1, NaN, 3] })) as RecentSamples;
    expect(appendRecent(persisted, 46_000, 4, 60_000, 64)).toEqual({ atMs: [1000, 16_000, 31_000, 46_000], values: [1, null, 3, 4] });
    expect(appendRecent(persisted, 76_000, 5, 60_000, 64)).toEqual({ atMs: [16_000, 31_000, 76_000], values: [null, 3, 5] });
    expect(appendRecent(undefined, 5, 6, 60_000, 64)).toEqual({ atMs: [5], values: [6] });
  });
});
