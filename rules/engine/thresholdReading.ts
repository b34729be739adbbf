/**
 * The reading of a value against a rule's thresholds: the common case of every kind that computes
 * a value (the raw sample, a window function, a prediction, a group aggregate) and lets the fire
 * and clear thresholds judge it.
 */
import { compareThreshold } from '../model/compareThreshold.js';
import type { Rule } from '../model/ruleTypes.js';
import type { ConditionReading, ReadingDetail } from './alertStateMachine.js';

/** `value` at `atMs` judged by the rule's fire and clear conditions; NaN meets neither. */
export function thresholdReading(rule: Rule, atMs: number, value: number, detail?: ReadingDetail): ConditionReading {
  const reading: ConditionReading = { atMs, value, fireMet: compareThreshold(rule.fire, value), clearMet: compareThreshold(rule.clear, value) };
  if (detail) reading.detail = detail;
  return reading;
}
