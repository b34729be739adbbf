/** The step of a history read: within maxPoints, at least the wanted step, widened to a rollup bucket when it needs half of one. */
import { describe, expect, it } from 'vitest';
import { stepFor } from '../../collector/operations/seriesBuckets.js';

const HOUR = 3_600_000;

describe('history read steps', () => {
  // Each row: a span, maxPoints, a wanted step (ms, 0: none) and the step chosen (s).
  it.each<[string, number, number, number, number]>([
    ['an hour at 400 points: 9 s', HOUR, 400, 0, 9],
    ['a day at 400 points: 216 s, widened to the 5-minute rollup', 24 * HOUR, 400, 0, 300],
    ['a day at 600 points: 144 s, under half a rollup, kept', 24 * HOUR, 600, 0, 144],
    ['7 days at 600 points: 1008 s, between the rollups, kept', 7 * 24 * HOUR, 600, 0, 1008],
    ['30 days at 400 points: 6480 s, past the hour, kept', 30 * 24 * HOUR, 400, 0, 6480],
    ['7 days at 400 points: 1512 s, under half an hour, kept', 7 * 24 * HOUR, 400, 0, 1512],
    ['12 days at 400 points: 2592 s, widened to the hour', 12 * 24 * HOUR, 400, 0, 3600],
    ['a day with a wanted 4-minute step: kept as asked', 24 * HOUR, 400, 240_000, 240],
    ['a minute at 600 points: never under 1 s', 60_000, 600, 0, 1],
  ])('%s', (_name, span, maxPoints, wanted, seconds) => {
    expect(stepFor(0, span, maxPoints, wanted) / 1000).toBe(seconds);
  });
});
