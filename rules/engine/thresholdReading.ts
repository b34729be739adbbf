/**
 * The reading of a value against a rule's thresholds: the common case of every kind that computes
 * a value (the raw sample, a window function, a group aggregate) and lets the fire and clear
 * thresholds judge it. A prediction's reading (kinds/predict.ts, PredictReading) judges the same
 * way and works out its figures only when asked.
 */
import { compareThreshold } from '../model/compareThreshold.js';
import type { Rule, SeriesMemory } from '../model/ruleTypes.js';
import type { ReadingDetail } from './alertStateMachine.js';
import type { SampleReading } from './compiledRule.js';

/**
 * `value` at `atMs` judged by the rule's fire and clear conditions (NaN meets neither), with the
 * kind's figures and memory. Every reading has the same fields, set or not, which keeps the hot
 * path's objects of one shape.
 */
export function thresholdReading(rule: Rule, atMs: number, value: number, detail?: ReadingDetail, memory?: SeriesMemory): SampleReading {
  return { atMs, value, fireMet: compareThreshold(rule.fire, value), clearMet: compareThreshold(rule.clear, value), detail, memory };
}
