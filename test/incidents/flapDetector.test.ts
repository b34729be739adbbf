/** The Nagios-style percent state change, as a table: one row per history shape. */
import { describe, expect, it } from 'vitest';
import { isFlapping, percentStateChange } from '../../collector/incidents/flapDetector.js';
import type { FlapTransition } from '../../collector/domain/flapTransition.js';

const HOUR = 3_600_000;
const history = (count: number, spacingMs: number, endMs: number): FlapTransition[] =>
  Array.from({ length: count }, (_, i) => ({ kind: i % 2 === 0 ? 'firing' : 'resolved', atMs: endMs - (count - 1 - i) * spacingMs }));

describe('percentStateChange', () => {
  it.each([
    // [note, transitions, spacing, expected percent]
    ['no history: 0%', 0, 1000, 0],
    ['one transition anchors nothing: 0%', 1, 1000, 0],
    ['21 transitions in the window: every change counts, 100%', 21, 1000, 100],
    ['the newest 9 changes weigh 50.2%: just flapping', 10, 1000, 50.2],
    ['the newest 8 changes weigh 45.1%: not yet', 9, 1000, 45.1],
    ['changes spaced 10 min apart: only the 7 within the hour count (the oldest at its edge)', 21, 600_000, 39.8],
  ])('%s', (_note, count, spacing, expected) => {
    expect(percentStateChange(history(count, spacing, 10 * HOUR), 10 * HOUR, HOUR)).toBeCloseTo(expected, 1);
  });

  it('forgets changes older than the window', () => {
    expect(percentStateChange(history(21, 1000, 10 * HOUR), 11 * HOUR + 1, HOUR)).toBe(0);
  });
});

describe('isFlapping', () => {
  it.each([
    // [wasFlapping, percent, expected]
    [false, 49.9, false], // below high: does not start
    [false, 50, true], // at high: starts
    [true, 25, true], // at low: keeps flapping (hysteresis)
    [true, 24.9, false], // below low: stops
  ])('was %s at %s%% -> %s', (was, percent, expected) => {
    expect(isFlapping(was, percent, { highPercent: 50, lowPercent: 25 })).toBe(expected);
  });
});
