/**
 * The bounded buffer of a series' recent samples that window and predict rules keep in their
 * persisted state (what they compute over it is theirs: kinds/window.ts, kinds/predict.ts): which
 * points it keeps (appendRecent, over the saved form), and the sweep that forgets it. In memory the
 * rules keep the same points in a RecentPoints (recentPoints.ts), which shares them instead of
 * copying. Pure; every update returns a new buffer.
 */
import type { RecentSamples, RuleState } from '../model/ruleTypes.js';

/**
 * Hard cap on the points kept per series and window rule. A window holding more samples than this
 * is thinned to an even spacing of window / maxPoints (the newest sample is always kept).
 */
export const MAX_WINDOW_POINTS = 256;

/**
 * The cap for predictions, lower because their windows are long: a 6h prediction over 15s samples
 * keeps 64 points (one per 5m38s), not 1,440, which is plenty for a straight line.
 */
export const MAX_PREDICT_POINTS = 64;

/**
 * Appends a sample (newer than every point in `recent`) and drops the points older than
 * `atMs - windowMs`: the window is [atMs - windowMs, atMs], both ends included. Keeps at most
 * about `maxPoints` (see MAX_WINDOW_POINTS). Over the saved form, copying every point: the rules
 * append with recentPoints.ts' appendPoint, which keeps exactly these points (test/rules/recentPoints.test.ts).
 */
export function appendRecent(recent: RecentSamples | undefined, atMs: number, value: number, windowMs: number, maxPoints = MAX_WINDOW_POINTS): RecentSamples {
  const from = atMs - windowMs;
  const oldTimes = recent?.atMs ?? [];
  const oldValues = recent?.values ?? [];
  let start = 0;
  while (start < oldTimes.length && oldTimes[start]! < from) start++;
  const kept = oldTimes.length - start;
  // Thinning: the new sample replaces the newest point when it follows the one before by less than window / maxPoints.
  const replacesNewest = kept >= 2 && atMs - oldTimes[oldTimes.length - 2]! < windowMs / maxPoints;
  let length = replacesNewest ? kept : kept + 1;
  const over = Math.max(0, length - maxPoints);
  start += over;
  length -= over;
  // Arrays of the exact length (a buffer is rebuilt with every sample, and one grown by push keeps
  // spare room: at 10,000 agents with a dozen buffers each, that was a fifth of the collector's heap),
  // made by slice or concat: one allocation each, of the old arrays' kind of elements (doubles), where
  // `new Array(length)` filled in a loop made an array of small integers first and converted it.
  let times: number[];
  let values: number[];
  if (oldTimes.length - start >= length) {
    // The newest point replaced: the kept points, the newest overwritten below.
    times = oldTimes.slice(start, start + length);
    values = oldValues.slice(start, start + length);
  } else if (start > 0) {
    // One point more than kept: from the point before the first kept one, shifted down by one.
    times = oldTimes.slice(start - 1, start - 1 + length);
    values = oldValues.slice(start - 1, start - 1 + length);
    for (let i = 0; i < length - 1; i++) {
      times[i] = times[i + 1]!;
      values[i] = values[i + 1]!;
    }
  } else {
    times = oldTimes.concat(atMs);
    values = oldValues.concat(value);
  }
  times[length - 1] = atMs;
  values[length - 1] = value;
  return { atMs: times, values };
}

/**
 * How often a rule that keeps a buffer over `windowMs` sweeps (CompiledRule.sweepEveryMs): its sweep
 * only forgets buffers older than the window, so a tenth of the window will do, between a second
 * (sweepRules.ts' SWEEP_MS) and ten minutes; a buffer is forgotten at most that much later. A sweep
 * walks every state of its rule (at 50,000 agents, 200,000 per filesystem prediction), so the long
 * windows (the 6-hour and 1-day predictions) sweep every ten minutes, not every minute.
 */
export function forgettingSweepEveryMs(windowMs: number): number {
  return Math.min(600_000, Math.max(1000, windowMs / 10));
}

/**
 * The sweep of rules that keep a buffer: the inactive states among `states` whose newest sample has
 * left the window (older than `nowMs - windowMs`), returned without their buffer, so that the
 * collector deletes them and a series that is gone does not linger.
 */
export function forgetStaleBuffers(states: readonly RuleState[], nowMs: number, windowMs: number): RuleState[] {
  const forgotten: RuleState[] = [];
  for (const state of states) {
    if (state.status === 'inactive' && state.recent && state.lastSampleAtMs < nowMs - windowMs) {
      const { recent: _, ...rest } = state;
      forgotten.push(rest);
    }
  }
  return forgotten;
}
