/**
 * Test setup: toEqual compares a window or prediction buffer in memory (RecentPoints, which shares
 * its columns with the buffers before and after it, so two buffers of the same points may hold
 * different columns) by its points and sums, as it is saved: with another RecentPoints or with a
 * plain `{ atMs, values }`.
 */
import { expect } from 'vitest';
import { RecentPoints } from '../../rules/engine/recentPoints.js';

const saved = (value: unknown): unknown => (value instanceof RecentPoints ? value.toJSON() : value);

expect.addEqualityTesters([
  function recentPointsByPoints(a: unknown, b: unknown) {
    if (!(a instanceof RecentPoints) && !(b instanceof RecentPoints)) return undefined;
    return this.equals(saved(a), saved(b));
  },
]);
