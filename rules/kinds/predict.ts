/**
 * Predictions (`predict: { window: 6h, horizon: 4h }`): the rule's thresholds judge where a
 * least-squares line through the series' last `window` will be in `horizon` ("disk full within
 * 4h"), in the manner of Prometheus' predict_linear. Each series keeps its recent samples in its
 * state (engine/recentSamples.ts), thinned to at most 64 points.
 */
import { Type } from '@sinclair/typebox';
import { formatDuration } from '../../config/duration.js';
import { Duration } from '../../config/durationSchema.js';
import { thresholdReason } from '../engine/describeReason.js';
import { appendRecent, forgetStaleBuffers, forgettingSweepEveryMs, MAX_PREDICT_POINTS } from '../engine/recentSamples.js';
import { thresholdReading } from '../engine/thresholdReading.js';
import { positiveSeconds } from '../load/positiveSeconds.js';
import type { RecentSamples } from '../model/ruleTypes.js';
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
        const recent = appendRecent(prior.recent, sample.atMs, sample.value, windowMs, MAX_PREDICT_POINTS);
        const span = recent.atMs.length > 0 ? recent.atMs[recent.atMs.length - 1]! - recent.atMs[0]! : 0;
        const fit = span >= minSpanMs ? linearFit(recent) : undefined;
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
