/**
 * The readable reason of a threshold verdict, shared by every kind that compares a value with the
 * rule's thresholds: "filesystem_used_ratio 0.93 above 0.9 for 5m".
 */
import { formatDuration } from '../../config/duration.js';
import { describeOp } from '../model/compareThreshold.js';
import type { Rule, ThresholdCondition } from '../model/ruleTypes.js';
import { formatNumber } from '../template/templateFilters.js';
import type { ReasonText } from './compiledRule.js';

/**
 * "filesystem_used_ratio 0.93 above 0.9 for 5m"; the duration is left out when the rule acts at
 * once. `subject` is the metric, or what the rule computes from it, e.g. "rate(x[5m])".
 */
export function describeReason(subject: string, value: number, condition: ThresholdCondition, heldMs: number): string {
  const held = heldMs > 0 ? ` for ${formatDuration(heldMs / 1000)}` : '';
  return `${subject} ${formatNumber(value)} ${describeOp(condition.op)} ${formatNumber(condition.threshold)}${held}`;
}

/** The reason text of a rule judged against its fire threshold (firing) and clear threshold (resolved). */
export function thresholdReason(rule: Rule, subject: string): ReasonText {
  return (event, reading) => describeReason(subject, reading.value, event.kind === 'firing' ? rule.fire : rule.clear, event.heldMs);
}
