/**
 * Predictions (`predict: { window: 6h, horizon: 4h }`): the rule's thresholds judge where a
 * least-squares line through the series' last `window` will be in `horizon` ("disk full within
 * 4h"), in the manner of Prometheus' predict_linear. Each series keeps its recent samples in its
 * state (engine/recentSamples.ts), thinned to at most 64 points, with the running sums of the fit
 * (RecentSamples.sums): a sample adds its point and takes away the points it lets go, and the line
 * comes from the sums, so a sample costs no pass over the buffer (24 M fits of 64 points were 40 %
 * of a 7-day backtest of 100 hosts). The sums are computed from scratch every FIT_RECOMPUTE_EVERY
 * updates, which bounds their rounding drift; the line differs from linearFit's two-pass fit only in
 * the last bits (test/rules/predictSums.test.ts states the tolerance). In memory the buffer is a
 * PredictPoints, whose points before the newest are shared with the buffer that follows when a sample
 * only replaces the newest point (no copy of 64 points); it is saved in the same form as before. The
 * live engine and the replay run this same code, so a backtest still decides as the collector would have.
 */
import { Type } from '@sinclair/typebox';
import { formatDuration } from '../../config/duration.js';
import { Duration } from '../../config/durationSchema.js';
import { thresholdReason } from '../engine/describeReason.js';
import { forgetStaleBuffers, forgettingSweepEveryMs, MAX_PREDICT_POINTS } from '../engine/recentSamples.js';
import { thresholdReading } from '../engine/thresholdReading.js';
import { positiveSeconds } from '../load/positiveSeconds.js';
import type { FitSums, RecentSamples } from '../model/ruleTypes.js';
import { kindSpec, type RawEntry, type RuleKind } from './ruleKind.js';

/** The rule judges where a least-squares line through the last `windowSeconds` will be in `horizonSeconds`. */
export interface PredictSpec {
  windowSeconds: number;
  horizonSeconds: number;
}

declare module '../model/ruleTypes.js' {
  interface RuleKindSpecs {
    predict?: PredictSpec;
  }
}

/**
 * A prediction waits until its samples span 1/PREDICT_MIN_COVERAGE of its window: a line through
 * the first few samples of a new series (or after a gap) swings wildly. Until then it neither
 * fires nor clears.
 */
export const PREDICT_MIN_COVERAGE = 4;

/** `predict: { window: 6h, horizon: 4h }` */
const PredictEntrySchema = Type.Object({ window: Duration({ positive: true }), horizon: Duration({ positive: true }) }, { additionalProperties: false });

/** The predict kind: the thresholds judge a linear fit's value `horizon` ahead. */
export const predictKind: RuleKind = {
  ruleKey: 'predict',
  entryKey: 'predict',
  schema: { predict: Type.Optional(PredictEntrySchema) },
  build: (entry) => {
    const predict = predictSpec(entry.predict);
    return predict && { predict };
  },
  memoryFields: ['recent'],
  templateVariables: [{ name: 'secondsToThreshold', only: 'predict rules', applies: (entry) => entry.predict !== undefined }],
  versionPart: (definition) => definition.predict && ['predict', definition.predict],
  compile: (rule) => {
    const spec = kindSpec(rule, 'predict');
    const windowMs = spec.windowSeconds * 1000;
    const minSpanMs = windowMs / PREDICT_MIN_COVERAGE;
    const rising = rule.fire.op === 'above';
    return {
      read: (sample, prior) => {
        const recent = appendWithSums(prior.recent, sample.atMs, sample.value, windowMs);
        const span = recent.olderAtMs.length > 0 ? recent.newestAtMs - recent.olderAtMs[0]! : 0;
        const fit = span >= minSpanMs ? fitFromSums(recent) : undefined;
        const predicted = fit ? fit.intercept + fit.slope * spec.horizonSeconds : NaN;
        const secondsToThreshold = fit ? secondsUntil(fit, rule.fire.threshold, rising) : Infinity;
        return thresholdReading(rule, sample.atMs, predicted, { current: sample.value, secondsToThreshold }, { recent });
      },
      sweep: (_compiled, untouched, _written, nowMs) => ({ states: forgetStaleBuffers(untouched, nowMs, windowMs), signals: [] }),
      reason: thresholdReason(rule, `predict_linear(${rule.metric}[${formatDuration(spec.windowSeconds)}], ${formatDuration(spec.horizonSeconds)})`),
      latestSampleMayLag: true,
      sweepEveryMs: forgettingSweepEveryMs(windowMs),
    };
  },
};

function predictSpec(predict: unknown): PredictSpec | undefined {
  if (typeof predict !== 'object' || predict === null) return undefined; // the schema says what is wrong
  const { window, horizon } = predict as RawEntry;
  const windowSeconds = positiveSeconds(window);
  const horizonSeconds = positiveSeconds(horizon);
  return windowSeconds && horizonSeconds ? { windowSeconds, horizonSeconds } : undefined;
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

/**
 * Running sums are computed from scratch after this many updates (a point added or let go), so that
 * their rounding error stays that of a few dozen additions; a pass over at most 64 points every 64
 * updates costs about one addition per sample.
 */
export const FIT_RECOMPUTE_EVERY = 64;

/**
 * A prediction's buffer in memory: the points before the newest (`olderAtMs`, `olderValues`: arrays
 * shared by the buffers that follow it and never written to), the newest point, and the fit sums.
 * Most samples of a long window only replace the newest point (thinning, see appendRecent), so the
 * buffer that follows shares the older points instead of copying 64 of them. Saved as RecentSamples
 * (toJSON: the points as two columns, and the sums), as before; `atMs` and `values` are made on demand.
 */
export class PredictPoints implements RecentSamples {
  constructor(
    readonly olderAtMs: readonly number[],
    readonly olderValues: readonly number[],
    readonly newestAtMs: number,
    readonly newestValue: number,
    readonly sums: FitSums,
  ) {}

  get atMs(): number[] {
    return this.olderAtMs.concat(this.newestAtMs);
  }

  get values(): number[] {
    return this.olderValues.concat(this.newestValue);
  }

  toJSON(): RecentSamples {
    return { atMs: this.atMs, values: this.values, sums: this.sums };
  }
}

/** `recent` as PredictPoints: itself, or a saved buffer (JSON, with or without sums) or a copy made one. */
function asPoints(recent: RecentSamples): PredictPoints | undefined {
  if (recent instanceof PredictPoints) return recent;
  // A copy that lost its class (a structured clone): its own fields.
  if ('olderAtMs' in recent) {
    const copy = recent as unknown as PredictPoints;
    return new PredictPoints(copy.olderAtMs, copy.olderValues, copy.newestAtMs, copy.newestValue, copy.sums);
  }
  const { atMs, values } = recent;
  const n = atMs.length;
  if (n === 0) return undefined;
  return new PredictPoints(atMs.slice(0, n - 1), values.slice(0, n - 1), atMs[n - 1]!, values[n - 1]!, recent.sums ?? sumsOf(recent));
}

/**
 * appendRecent's buffer (the same points) as PredictPoints with the fit sums carried along: the
 * points it lets go (from the front) and the newest point when the sample replaces it are taken away,
 * the sample's point added. Sums are computed from scratch when the prior buffer has none (a state
 * saved before sums existed, a new series), every FIT_RECOMPUTE_EVERY updates, and when they are not
 * finite (a value that was not).
 */
export function appendWithSums(prior: RecentSamples | undefined, atMs: number, value: number, windowMs: number): PredictPoints {
  const points = prior === undefined ? undefined : asPoints(prior);
  if (points === undefined) return new PredictPoints([], [], atMs, value, { originMs: atMs, originValue: value, x: 0, y: 0, xx: 0, xy: 0, updates: 0 });
  const { olderAtMs, olderValues, newestAtMs, newestValue, sums } = points;
  const older = olderAtMs.length;
  const n = older + 1;
  // As appendRecent: the points older than the window go, the sample replaces the newest point when it
  // follows the one before it by less than window / MAX_PREDICT_POINTS, and at most MAX_PREDICT_POINTS stay.
  const from = atMs - windowMs;
  let start = 0;
  while (start < older && olderAtMs[start]! < from) start++;
  if (start === older && newestAtMs < from) start = n;
  const kept = n - start;
  const replaces = kept >= 2 && atMs - olderAtMs[older - 1]! < windowMs / MAX_PREDICT_POINTS;
  let length = replaces ? kept : kept + 1;
  const over = Math.max(0, length - MAX_PREDICT_POINTS);
  start += over;
  length -= over;
  // The new older points: points [start, n - 1) when the sample replaces the newest, else [start, n).
  let times: readonly number[];
  let values: readonly number[];
  if (replaces) {
    times = start === 0 ? olderAtMs : olderAtMs.slice(start);
    values = start === 0 ? olderValues : olderValues.slice(start);
  } else if (start >= n) {
    times = [];
    values = [];
  } else if (start === 0) {
    times = olderAtMs.concat(newestAtMs);
    values = olderValues.concat(newestValue);
  } else {
    // From the point before the first kept one, shifted down by one (one allocation of the exact length, as appendRecent does).
    const shiftedTimes = olderAtMs.slice(start - 1);
    const shiftedValues = olderValues.slice(start - 1);
    const last = shiftedTimes.length - 1;
    for (let i = 0; i < last; i++) {
      shiftedTimes[i] = shiftedTimes[i + 1]!;
      shiftedValues[i] = shiftedValues[i + 1]!;
    }
    shiftedTimes[last] = newestAtMs;
    shiftedValues[last] = newestValue;
    times = shiftedTimes;
    values = shiftedValues;
  }
  const dropped = Math.min(start, n);
  if (sums.updates >= FIT_RECOMPUTE_EVERY) return new PredictPoints(times, values, atMs, value, sumsOfColumns(times, values, atMs, value));
  const { originMs, originValue } = sums;
  let x = sums.x;
  let y = sums.y;
  let xx = sums.xx;
  let xy = sums.xy;
  const take = replaces ? dropped + 1 : dropped;
  for (let i = 0; i < take; i++) {
    // The dropped points from the front, then the replaced newest.
    const k = i < dropped ? i : older;
    const t = k < older ? olderAtMs[k]! : newestAtMs;
    const v = k < older ? olderValues[k]! : newestValue;
    const dx = (t - originMs) / 1000;
    const dy = v - originValue;
    x -= dx;
    y -= dy;
    xx -= dx * dx;
    xy -= dx * dy;
  }
  const dx = (atMs - originMs) / 1000;
  const dy = value - originValue;
  x += dx;
  y += dy;
  xx += dx * dx;
  xy += dx * dy;
  // A value that is not finite poisons sums for good (Infinity - Infinity): from scratch, as the points are.
  const next = Number.isFinite(x + y + xx + xy) ? { originMs, originValue, x, y, xx, xy, updates: sums.updates + take + 1 } : sumsOfColumns(times, values, atMs, value);
  return new PredictPoints(times, values, atMs, value, next);
}

/** The fit sums of `recent`'s points from scratch, measured from its oldest point. */
export function sumsOf(recent: RecentSamples): FitSums {
  const { atMs, values } = recent;
  const n = atMs.length;
  return n === 0 ? { originMs: 0, originValue: 0, x: 0, y: 0, xx: 0, xy: 0, updates: 0 } : sumsOfColumns(atMs.slice(0, n - 1), values.slice(0, n - 1), atMs[n - 1]!, values[n - 1]!);
}

/** The fit sums of the points `times`/`values` and then (`newestAtMs`, `newestValue`), measured from the oldest. */
function sumsOfColumns(times: readonly number[], values: readonly number[], newestAtMs: number, newestValue: number): FitSums {
  const n = times.length;
  const originMs = n > 0 ? times[0]! : newestAtMs;
  const originValue = n > 0 ? values[0]! : newestValue;
  let x = 0;
  let y = 0;
  let xx = 0;
  let xy = 0;
  for (let i = 0; i <= n; i++) {
    const dx = ((i < n ? times[i]! : newestAtMs) - originMs) / 1000;
    const dy = (i < n ? values[i]! : newestValue) - originValue;
    x += dx;
    y += dy;
    xx += dx * dx;
    xy += dx * dy;
  }
  return { originMs, originValue, x, y, xx, xy, updates: 0 };
}

/**
 * The least-squares line of `recent` from its sums (computed from the points when it has none), in
 * linearFit's terms: undefined with fewer than two points or no time span.
 */
export function fitFromSums(recent: RecentSamples): LinearFit | undefined {
  const points = recent instanceof PredictPoints ? recent : undefined;
  const n = points ? points.olderAtMs.length + 1 : recent.atMs.length;
  if (n < 2) return undefined;
  const sums = recent.sums ?? sumsOf(recent);
  const meanX = sums.x / n;
  const meanY = sums.y / n;
  const varX = sums.xx - sums.x * meanX;
  if (!(varX > 0)) return undefined;
  const slope = (sums.xy - sums.x * meanY) / varX;
  const newestX = ((points ? points.newestAtMs : recent.atMs[n - 1]!) - sums.originMs) / 1000;
  return { slope, intercept: sums.originValue + meanY + slope * (newestX - meanX) };
}
