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
 * RecentPoints (engine/recentPoints.ts), which shares its points with the buffers before and after it
 * instead of copying 64 of them with every sample; it is saved in the same form as before. The
 * live engine and the replay run this same code, so a backtest still decides as the collector would have.
 */
import { Type } from '@sinclair/typebox';
import { formatDuration } from '../../config/duration.js';
import { Duration } from '../../config/durationSchema.js';
import { thresholdReason } from '../engine/describeReason.js';
import { applyAppend, keptFrom, OWN_ORIGIN_MS, OWN_ORIGIN_VALUE, OWN_X, OWN_XX, OWN_XY, OWN_Y, ownWithSums, planAppend, RecentPoints, recentPoints, replacesNewest, sharedTimes, singlePoint, type SharedTimes } from '../engine/recentPoints.js';
import { forgetStaleBuffers, forgettingSweepEveryMs, MAX_PREDICT_POINTS } from '../engine/recentSamples.js';
import type { ReadingDetail } from '../engine/alertStateMachine.js';
import type { SampleReading } from '../engine/compiledRule.js';
import { compareThreshold } from '../model/compareThreshold.js';
import { positiveSeconds } from '../load/positiveSeconds.js';
import type { FitSums, RecentSamples, Rule, SeriesMemory } from '../model/ruleTypes.js';
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
    const shared = sharedTimes();
    // The fit of each reading, written over (read keeps only the predicted value of it).
    const scratch: LinearFit = { slope: 0, intercept: 0 };
    const predictedOf = (recent: RecentPoints) => {
      const fit = spannedFit(recent, minSpanMs, scratch);
      return fit ? fit.intercept + fit.slope * spec.horizonSeconds : NaN;
    };
    return {
      read: (sample, prior) => {
        const recent = appendWithSums(prior.recent, sample.atMs, sample.value, windowMs, shared);
        return new PredictReading(rule, minSpanMs, sample.atMs, predictedOf(recent), { recent });
      },
      readKept: (sample, state) => {
        const recent = appendWithSums(state.recent, sample.atMs, sample.value, windowMs, shared);
        const predicted = predictedOf(recent);
        if (compareThreshold(rule.fire, predicted)) return new PredictReading(rule, minSpanMs, sample.atMs, predicted, { recent });
        // The state kept inactive with the reading's value, time and memory (keepStatusInPlace's writes).
        state.lastValue = predicted;
        state.lastSampleAtMs = sample.atMs;
        state.recent = recent;
        return undefined;
      },
      sweep: (_compiled, untouched, _written, nowMs) => ({ states: forgetStaleBuffers(untouched, nowMs, windowMs), signals: [] }),
      reason: thresholdReason(rule, `predict_linear(${rule.metric}[${formatDuration(spec.windowSeconds)}], ${formatDuration(spec.horizonSeconds)})`),
      latestSampleMayLag: true,
      memorySpanMs: windowMs,
      sweepEveryMs: forgettingSweepEveryMs(windowMs),
    };
  },
};

/**
 * A prediction's reading: the thresholds' verdicts on the predicted value, as thresholdReading's.
 * Its figures for templates (`detail`: the sample's value and the seconds until the line reaches
 * the fire threshold) are worked out from its buffer when asked, which is when a signal is built: a
 * prediction reads every sample of every filesystem, and making them for each (an object and two
 * numbers) cost a replay more than the fit.
 */
class PredictReading implements SampleReading {
  readonly fireMet: boolean;
  readonly clearMet: boolean;

  constructor(
    private readonly rule: Rule,
    private readonly minSpanMs: number,
    readonly atMs: number,
    readonly value: number,
    /** The buffer after the sample (appendWithSums: the sample is its newest point); never changed after. */
    readonly memory: SeriesMemory & { recent: RecentPoints },
  ) {
    this.fireMet = compareThreshold(rule.fire, value);
    this.clearMet = compareThreshold(rule.clear, value);
  }

  get detail(): ReadingDetail {
    const { recent } = this.memory;
    const fit = spannedFit(recent, this.minSpanMs);
    const { fire } = this.rule;
    return { current: recent.newestValue, secondsToThreshold: fit ? secondsUntil(fit, fire.threshold, fire.op === 'above') : Infinity };
  }
}

/** The fit of `recent` once its points span `minSpanMs` (PREDICT_MIN_COVERAGE of the window), else undefined; written into `into` if given (fitFromSums). */
function spannedFit(recent: RecentPoints, minSpanMs: number, into?: LinearFit): LinearFit | undefined {
  return recent.newestAtMs - recent.oldestAtMs >= minSpanMs ? fitFromSums(recent, into) : undefined;
}

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
 * appendRecent's buffer (the same points) as RecentPoints with the fit sums carried along: the
 * points it lets go (from the front) and the newest point when the sample replaces it are taken away,
 * the sample's point added. Sums are computed from scratch when the prior buffer has none (a state
 * saved before sums existed, a new series), every FIT_RECOMPUTE_EVERY updates, and when they are not
 * finite (a value that was not).
 */
export function appendWithSums(prior: RecentSamples | undefined, atMs: number, value: number, windowMs: number, shared?: SharedTimes): RecentPoints {
  const points = recentPoints(prior);
  if (points === undefined) return singlePoint(ownWithSums(atMs, value, atMs, value, 0, 0, 0, 0), 0);
  const plan = planAppend(points, atMs, windowMs, MAX_PREDICT_POINTS);
  const first = keptFrom(plan);
  const replaces = replacesNewest(plan);
  const n = points.length;
  // The points kept before the sample: [first, keptEnd) of the prior buffer.
  const keptEnd = replaces ? n - 1 : n;
  // Read from the buffer's own numbers (RecentPoints.own) without making a FitSums object.
  const scratch = points.hasSums ? undefined : sumsOfRange(points, 0, n);
  const updates = scratch ? scratch.updates : points.fitUpdates;
  if (updates >= FIT_RECOMPUTE_EVERY) return appendFromScratch(points, plan, first, keptEnd, atMs, value, shared);
  const own = points.own;
  const originMs = scratch ? scratch.originMs : own[OWN_ORIGIN_MS]!;
  const originValue = scratch ? scratch.originValue : own[OWN_ORIGIN_VALUE]!;
  let x = scratch ? scratch.x : own[OWN_X]!;
  let y = scratch ? scratch.y : own[OWN_Y]!;
  let xx = scratch ? scratch.xx : own[OWN_XX]!;
  let xy = scratch ? scratch.xy : own[OWN_XY]!;
  const dropped = Math.min(first, n);
  const take = replaces ? dropped + 1 : dropped;
  for (let i = 0; i < take; i++) {
    // The dropped points from the front, then the replaced newest.
    const k = i < dropped ? i : n - 1;
    const dx = (pointAtMs(points, k) - originMs) / 1000;
    const dy = pointValue(points, k) - originValue;
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
  if (!Number.isFinite(x + y + xx + xy)) return appendFromScratch(points, plan, first, keptEnd, atMs, value, shared);
  return applyAppend(points, plan, ownWithSums(atMs, value, originMs, originValue, x, y, xx, xy), updates + take + 1, shared);
}

/** appendWithSums' buffer with the sums of the kept points [first, keptEnd) and the sample computed from scratch. */
function appendFromScratch(points: RecentPoints, plan: number, first: number, keptEnd: number, atMs: number, value: number, shared: SharedTimes | undefined): RecentPoints {
  const sums = sumsOfRange(points, first, keptEnd, atMs, value);
  return applyAppend(points, plan, ownWithSums(atMs, value, sums.originMs, sums.originValue, sums.x, sums.y, sums.xx, sums.xy), sums.updates, shared);
}

/** The time of point `k` of `points` (0 the oldest, length - 1 the newest). */
function pointAtMs(points: RecentPoints, k: number): number {
  return k < points.end - points.start ? points.sharedAtMs[points.start + k]! : points.newestAtMs;
}

/** The value of point `k` of `points`. */
function pointValue(points: RecentPoints, k: number): number {
  return k < points.end - points.start ? points.sharedValues[points.start + k]! : points.newestValue;
}

/** The fit sums of `recent`'s points from scratch, measured from its oldest point. */
export function sumsOf(recent: RecentSamples): FitSums {
  const points = recentPoints(recent);
  return points === undefined ? { originMs: 0, originValue: 0, x: 0, y: 0, xx: 0, xy: 0, updates: 0 } : sumsOfRange(points, 0, points.length);
}

/**
 * The fit sums of the points [from, to) of `points` and then, if given, (`lastAtMs`, `lastValue`),
 * measured from the oldest of them.
 */
function sumsOfRange(points: RecentPoints, from: number, to: number, lastAtMs?: number, lastValue?: number): FitSums {
  const count = to - from;
  const originMs = count > 0 ? pointAtMs(points, from) : lastAtMs!;
  const originValue = count > 0 ? pointValue(points, from) : lastValue!;
  let x = 0;
  let y = 0;
  let xx = 0;
  let xy = 0;
  const last = lastAtMs === undefined ? to : to + 1;
  // pointAtMs and pointValue, with the columns and the newest point read once.
  const { sharedAtMs, sharedValues, start } = points;
  const inColumns = points.end - start;
  const { newestAtMs, newestValue } = points;
  for (let k = from; k < last; k++) {
    const dx = ((k >= to ? lastAtMs! : k < inColumns ? sharedAtMs[start + k]! : newestAtMs) - originMs) / 1000;
    const dy = (k >= to ? lastValue! : k < inColumns ? sharedValues[start + k]! : newestValue) - originValue;
    x += dx;
    y += dy;
    xx += dx * dx;
    xy += dx * dy;
  }
  return { originMs, originValue, x, y, xx, xy, updates: 0 };
}

/**
 * The least-squares line of `recent` from its sums (computed from the points when it has none), in
 * linearFit's terms: undefined with fewer than two points or no time span. Written into `into` when
 * given (a caller that reads it at once: a prediction's reading makes no object per sample), else a new object.
 */
export function fitFromSums(recent: RecentSamples, into?: LinearFit): LinearFit | undefined {
  const points = recent instanceof RecentPoints ? recent : undefined;
  const n = points ? points.length : recent.atMs.length;
  if (n < 2) return undefined;
  if (points?.hasSums) {
    const own = points.own;
    return fitOf(into, n, points.newestAtMs, own[OWN_ORIGIN_MS]!, own[OWN_ORIGIN_VALUE]!, own[OWN_X]!, own[OWN_Y]!, own[OWN_XX]!, own[OWN_XY]!);
  }
  const sums = recent.sums ?? sumsOf(recent);
  return fitOf(into, n, points ? points.newestAtMs : recent.atMs[n - 1]!, sums.originMs, sums.originValue, sums.x, sums.y, sums.xx, sums.xy);
}

/** The least-squares line of `n` points from their sums (FitSums' fields), the newest at `newestAtMs`: into `into`, or a new object without. */
function fitOf(into: LinearFit | undefined, n: number, newestAtMs: number, originMs: number, originValue: number, x: number, y: number, xx: number, xy: number): LinearFit | undefined {
  const meanX = x / n;
  const meanY = y / n;
  const varX = xx - x * meanX;
  if (!(varX > 0)) return undefined;
  const slope = (xy - x * meanY) / varX;
  const newestX = (newestAtMs - originMs) / 1000;
  const intercept = originValue + meanY + slope * (newestX - meanX);
  if (into === undefined) return { slope, intercept };
  into.slope = slope;
  into.intercept = intercept;
  return into;
}
