/**
 * Turns a state-machine event into the Signal handed to incidents: merged labels, rendered
 * templates and a readable reason. A template that fails to render does not swallow the alert:
 * the signal goes out with a plain fallback text and the failure is returned for rule health.
 */
import { formatDuration } from '../../config/duration.js';
import type { AlertTransition, ConditionReading } from './alertStateMachine.js';
import type { CompiledRule } from './compileRules.js';
import { describeOp } from '../model/compareThreshold.js';
import { renderTemplate, type CompiledTemplate, type TemplateContext } from '../template/renderTemplate.js';
import type { Rule, RuleState, Signal, ThresholdCondition } from '../model/ruleTypes.js';
import { formatNumber } from '../template/templateFilters.js';

/** The signal, and the template error to report as rule health when rendering failed. */
export interface BuiltSignal {
  signal: Signal;
  templateError?: string;
}

/**
 * Builds the signal for `event`, which `state` (the state after the transition) resulted from when
 * `reading` was applied.
 */
export function buildSignal(
  compiled: CompiledRule,
  state: RuleState,
  event: NonNullable<AlertTransition['event']>,
  reading: ConditionReading,
): BuiltSignal {
  const { rule } = compiled;
  const labels: Record<string, string> = { ...state.labels, ...rule.labels, alertname: rule.name };
  const condition = event.kind === 'firing' ? rule.fire : rule.clear;
  const reason = rule.absent
    ? describeAbsence(rule.metric, event.kind, reading.value)
    : describeReason(describeSubject(rule), reading.value, condition, event.heldMs);
  const detail = reading.detail ?? {};
  const context: TemplateContext = {
    value: reading.value,
    threshold: rule.fire.threshold,
    clearThreshold: rule.clear.threshold,
    forSeconds: rule.forSeconds,
    clearForSeconds: rule.clearForSeconds,
    current: detail.current ?? reading.value,
    secondsToThreshold: detail.secondsToThreshold ?? NaN,
    seriesCount: detail.seriesCount ?? NaN,
    matchingCount: detail.matchingCount ?? NaN,
    metric: rule.metric,
    rule: rule.name,
    labels,
  };
  const errors: string[] = [];
  const render = (which: string, template: CompiledTemplate, fallback: string): string => {
    try {
      return renderTemplate(template, context);
    } catch (error) {
      errors.push(`${which} template: ${(error as Error).message}`);
      return fallback;
    }
  };
  const signal: Signal = {
    kind: event.kind,
    ruleName: rule.name,
    ruleVersion: rule.version,
    fingerprint: state.fingerprint,
    labels,
    severity: rule.severity,
    summary: render('summary', compiled.summary, `${rule.name}: ${reason}`),
    description: render('description', compiled.description, ''),
    value: reading.value,
    atMs: reading.atMs,
    sinceMs: event.sinceMs,
    reason,
  };
  return errors.length > 0 ? { signal, templateError: errors.join('; ') } : { signal };
}

/**
 * "filesystem_used_ratio 0.93 above 0.9 for 5m"; the duration is left out when the rule acts at
 * once. `subject` is the metric, or what the rule computes from it, e.g. "rate(x[5m])".
 */
export function describeReason(subject: string, value: number, condition: ThresholdCondition, heldMs: number): string {
  const held = heldMs > 0 ? ` for ${formatDuration(heldMs / 1000)}` : '';
  return `${subject} ${formatNumber(value)} ${describeOp(condition.op)} ${formatNumber(condition.threshold)}${held}`;
}

/** What a rule judges, in PromQL-like words operators recognise: "avg_over_time(x[5m])". */
export function describeSubject(rule: Rule): string {
  const { window, predict, aggregate, metric } = rule;
  if (window) {
    const fn = window.function === 'rate' || window.function === 'increase' ? window.function : `${window.function}_over_time`;
    return `${fn}(${metric}[${formatDuration(window.windowSeconds)}])`;
  }
  if (predict) return `predict_linear(${metric}[${formatDuration(predict.windowSeconds)}], ${formatDuration(predict.horizonSeconds)})`;
  if (aggregate) {
    const by = `by (${aggregate.by.join(', ')})`;
    if (aggregate.function !== 'ratio' || !aggregate.member) return `${aggregate.function}(${metric}) ${by}`;
    return `ratio(${metric} ${describeOp(aggregate.member.op)} ${formatNumber(aggregate.member.threshold)}) ${by}`;
  }
  return metric;
}

function describeAbsence(metric: string, kind: 'firing' | 'resolved', silentSeconds: number): string {
  return kind === 'firing' ? `${metric} absent for ${formatDuration(silentSeconds)}` : `${metric} reported again`;
}
