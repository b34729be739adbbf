/**
 * The bounded buffer of a series' recent samples that window and predict rules keep in their
 * persisted state, and the functions computed over it. Pure; every update returns a new buffer.
 */
import type { RecentSamples, WindowFunction } from '../model/ruleTypes.js';

/**
 * Hard cap on the points kept per series and window rule. A window holding more samples than this
 * is thinned to an even spacing of window / maxPoints (the newest sample is always kept).
 */
export const MAX_WINDOW_POINTS = 256;

/**
 * The cap for predictions, lower because their windows are long and the buffer is rewritten with
 * every sample: a 6h prediction over 15s samples keeps 64 points (one per 5m38s), not 1,440, which
 * is plenty for a straight line.
 */
export const MAX_PREDICT_POINTS = 64;

/**
 * Appends a sample (newer than every point in `recent`) and drops the points older than
 * `atMs - windowMs`: the window is [atMs - windowMs, atMs], both ends included. Keeps at most
 * about `maxPoints` (see MAX_WINDOW_POINTS).
 */
export function appendRecent(recent: RecentSamples | undefined, atMs: number, value: number, windowMs: number, maxPoints = MAX_WINDOW_POINTS): RecentSamples {
  const from = atMs - windowMs;
  const old = recent ?? { atMs: [], values: [] };
  let start = 0;
  while (start < old.atMs.length && old.atMs[start]! < from) start++;
  const times = old.atMs.slice(start);
  const values = old.values.slice(start);
  const minSpacingMs = windowMs / maxPoints;
  const n = times.length;
  if (n >= 2 && atMs - times[n - 2]! < minSpacingMs) {
    times[n - 1] = atMs;
    values[n - 1] = value;
  } else {
    times.push(atMs);
    values.push(value);
  }
  while (times.length > maxPoints) {
    times.shift();
    values.shift();
  }
  return { atMs: times, values };
}

/**
 * `fn` over the points of `recent`. avg, min and max need one point; increase and rate need two,
 * and treat a drop as a counter reset (the counter restarted from 0), as Prometheus does. rate is
 * per second over the span between the first and last point, without extrapolation. NaN when there
 * are too few points: NaN neither fires nor clears.
 */
export function windowValue(fn: WindowFunction, recent: RecentSamples): number {
  const values = recent.values;
  const n = values.length;
  switch (fn) {
    case 'avg': {
      if (n === 0) return NaN;
      let sum = 0;
      for (const v of values) sum += v;
      return sum / n;
    }
    case 'min':
      return n === 0 ? NaN : Math.min(...values);
    case 'max':
      return n === 0 ? NaN : Math.max(...values);
    case 'increase':
      return n < 2 ? NaN : counterIncrease(values);
    case 'rate': {
      const spanSeconds = n < 2 ? 0 : (recent.atMs[n - 1]! - recent.atMs[0]!) / 1000;
      return spanSeconds > 0 ? counterIncrease(values) / spanSeconds : NaN;
    }
    default:
      return assertNever(fn);
  }
}

function counterIncrease(values: readonly number[]): number {
  let increase = 0;
  for (let i = 1; i < values.length; i++) {
    const delta = values[i]! - values[i - 1]!;
    increase += delta >= 0 ? delta : values[i]!;
  }
  return increase;
}

/** A least-squares line through the points: value = intercept + slope × (seconds after the newest point). */
export interface LinearFit {
  slope: number;
  intercept: number;
}

/** The least-squares fit of `recent`; undefined with fewer than two points or no time span. */
export function linearFit(recent: RecentSamples): LinearFit | undefined {
  const n = recent.atMs.length;
  if (n < 2) return undefined;
  const newest = recent.atMs[n - 1]!;
  let sumX = 0;
  let sumY = 0;
  for (let i = 0; i < n; i++) {
    sumX += (recent.atMs[i]! - newest) / 1000;
    sumY += recent.values[i]!;
  }
  const meanX = sumX / n;
  const meanY = sumY / n;
  let covXY = 0;
  let varX = 0;
  for (let i = 0; i < n; i++) {
    const dx = (recent.atMs[i]! - newest) / 1000 - meanX;
    covXY += dx * (recent.values[i]! - meanY);
    varX += dx * dx;
  }
  if (varX === 0) return undefined;
  const slope = covXY / varX;
  return { slope, intercept: meanY - slope * meanX };
}

/**
 * Seconds from the newest point until the fitted line reaches `threshold`: 0 if it is already at
 * or past it (on the side `rising` says), Infinity if the line moves away from it or is flat.
 */
export function secondsUntil(fit: LinearFit, threshold: number, rising: boolean): number {
  const beyond = rising ? fit.intercept >= threshold : fit.intercept <= threshold;
  if (beyond) return 0;
  if (rising ? fit.slope <= 0 : fit.slope >= 0) return Infinity;
  return (threshold - fit.intercept) / fit.slope;
}

function assertNever(value: never): never {
  throw new Error(`unexpected window function ${String(value)}`);
}
