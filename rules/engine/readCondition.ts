/**
 * How a rule turns one sample of a series (and, for window and predict rules, the series' recent
 * samples) into a reading of its condition for the state machine. One reader per rule kind; the
 * state machine does not know which kind produced a reading.
 */
import type { ConditionReading } from './alertStateMachine.js';
import { compareThreshold } from '../model/compareThreshold.js';
import { linearFit, secondsUntil, windowValue } from './recentSamples.js';
import type { RecentSamples, Rule, SeriesSample } from '../model/ruleTypes.js';

/**
 * A prediction waits until its samples span 1/PREDICT_MIN_COVERAGE of its window: a line through
 * the first few samples of a new series (or after a gap) swings wildly. Until then it neither
 * fires nor clears.
 */
export const PREDICT_MIN_COVERAGE = 4;

/** Reads a rule's condition at one sample; `recent` already includes that sample. */
export type ConditionReader = (sample: SeriesSample, recent: RecentSamples | undefined) => ConditionReading;

/** How long a rule keeps recent samples per series, in ms; 0 when it keeps none. */
export function recentWindowMs(rule: Rule): number {
  if (rule.window) return rule.window.windowSeconds * 1000;
  if (rule.predict) return rule.predict.windowSeconds * 1000;
  return 0;
}

/** The reader for a sample-driven rule (plain threshold, window function, prediction, absent). */
export function conditionReader(rule: Rule): ConditionReader {
  const judge = (atMs: number, value: number, current: number, extra?: Partial<ConditionReading['detail']>): ConditionReading => ({
    atMs,
    value,
    fireMet: compareThreshold(rule.fire, value),
    clearMet: compareThreshold(rule.clear, value),
    detail: { current, ...extra },
  });
  const { window, predict, absent } = rule;
  if (absent) {
    // A sample is the opposite of absence: it never fires and always clears.
    return (sample) => ({ atMs: sample.atMs, value: sample.value, fireMet: false, clearMet: true, detail: { current: sample.value } });
  }
  if (window) {
    return (sample, recent) => judge(sample.atMs, recent ? windowValue(window.function, recent) : NaN, sample.value);
  }
  if (predict) {
    const rising = rule.fire.op === 'above';
    const minSpanMs = (predict.windowSeconds * 1000) / PREDICT_MIN_COVERAGE;
    return (sample, recent) => {
      const span = recent && recent.atMs.length > 0 ? recent.atMs[recent.atMs.length - 1]! - recent.atMs[0]! : 0;
      const fit = recent && span >= minSpanMs ? linearFit(recent) : undefined;
      if (!fit) return judge(sample.atMs, NaN, sample.value, { secondsToThreshold: Infinity });
      const predicted = fit.intercept + fit.slope * predict.horizonSeconds;
      return judge(sample.atMs, predicted, sample.value, { secondsToThreshold: secondsUntil(fit, rule.fire.threshold, rising) });
    };
  }
  return (sample) => {
    const value = sample.value;
    return { atMs: sample.atMs, value, fireMet: compareThreshold(rule.fire, value), clearMet: compareThreshold(rule.clear, value) };
  };
}
