/**
 * Predictions (`predict: { window: 6h, horizon: 4h }`): the rule's thresholds judge where a
 * least-squares line through the series' last `window` will be in `horizon` ("disk full within
 * 4h"), in the manner of Prometheus' predict_linear. Each series keeps its recent samples in its
 * state (engine/recentSamples.ts), thinned to at most 64 points, with the running sums of the fit
 * (RecentSamples.sums): a sample adds its point and takes away the points it lets go, and the line
 * comes from the sums, so a sample costs no pass over the buffer (24 M fits of 64 points were 40 %
 * of a 7-day backtest of 100 hosts). The sums are computed from scratch every FIT_RECOMPUTE_EVERY
 * updates, which bounds their rounding drift; the line differs from linearFit's two-pass fit only in
 * the last bits (test/rules/predictSums.test.ts states the tolerance). The live engine and the replay
 * run this same code, so a backtest still decides as the collector would have.
 */
import { Type } from '@sinclair/typebox';
import { formatDuration } from '../../config/duration.js';
import { Duration } from '../../config/durationSchema.js';
import { thresholdReason } from '../engine/describeReason.js';
import { appendRecent, forgetStaleBuffers, forgettingSweepEveryMs, MAX_PREDICT_POINTS } from '../engine/recentSamples.js';
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
        const span = recent.atMs.length > 0 ? recent.atMs[recent.atMs.length - 1]! - recent.atMs[0]! : 0;
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
 * appendRecent with the buffer's fit sums carried along: the points it let go (from the front) and
 * the newest point when the sample replaced it are taken away, the sample's point added. Sums are
 * computed from scratch when the prior buffer has none (a state saved before sums existed, a new
 * series), every FIT_RECOMPUTE_EVERY updates, and when they are not finite (a value that was not).
 */
export function appendWithSums(prior: RecentSamples | undefined, atMs: number, value: number, windowMs: number): RecentSamples {
  const { atMs: times, values } = appendRecent(prior, atMs, value, windowMs, MAX_PREDICT_POINTS);
  const sums = prior?.sums;
  if (prior === undefined || sums === undefined || sums.updates >= FIT_RECOMPUTE_EVERY) return { atMs: times, values, sums: sumsOfColumns(times, values) };
  const { originMs, originValue } = sums;
  let x = sums.x;
  let y = sums.y;
  let xx = sums.xx;
  let xy = sums.xy;
  const oldTimes = prior.atMs;
  const oldValues = prior.values;
  const first = times[0]!;
  let dropped = 0;
  // The points let go from the front, then the prior newest when the sample replaced it (the buffer did not grow past the points kept).
  while (dropped < oldTimes.length && oldTimes[dropped]! < first) dropped++;
  const replaced = times.length === oldTimes.length - dropped && oldTimes.length > dropped ? 1 : 0;
  for (let i = 0; i < dropped + replaced; i++) {
    const k = i < dropped ? i : oldTimes.length - 1;
    const dx = (oldTimes[k]! - originMs) / 1000;
    const dy = oldValues[k]! - originValue;
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
  const next = Number.isFinite(x + y + xx + xy) ? { originMs, originValue, x, y, xx, xy, updates: sums.updates + dropped + replaced + 1 } : sumsOfColumns(times, values);
  return { atMs: times, values, sums: next };
}

/** The fit sums of `recent`'s points from scratch, measured from its oldest point. */
export function sumsOf(recent: RecentSamples): FitSums {
  return sumsOfColumns(recent.atMs, recent.values);
}

function sumsOfColumns(times: readonly number[], values: readonly number[]): FitSums {
  const n = times.length;
  const originMs = n > 0 ? times[0]! : 0;
  const originValue = n > 0 ? values[0]! : 0;
  let x = 0;
  let y = 0;
  let xx = 0;
  let xy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (times[i]! - originMs) / 1000;
    const dy = values[i]! - originValue;
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
  const n = recent.atMs.length;
  if (n < 2) return undefined;
  const sums = recent.sums ?? sumsOf(recent);
  const meanX = sums.x / n;
  const meanY = sums.y / n;
  const varX = sums.xx - sums.x * meanX;
  if (!(varX > 0)) return undefined;
  const slope = (sums.xy - sums.x * meanY) / varX;
  const newestX = (recent.atMs[n - 1]! - sums.originMs) / 1000;
  return { slope, intercept: sums.originValue + meanY + slope * (newestX - meanX) };
}
