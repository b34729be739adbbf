/**
 * Turns a state-machine event into the Signal handed to incidents: merged labels, rendered
 * templates and a readable reason. A template that fails to render does not swallow the alert:
 * the signal goes out with a plain fallback text and the failure is returned for rule health.
 */
import { formatDuration } from '../config/duration.js';
import type { AlertTransition } from './alertStateMachine.js';
import type { CompiledRule } from './compileRules.js';
import { describeOp } from './compareThreshold.js';
import { renderTemplate, type CompiledTemplate, type TemplateContext } from './renderTemplate.js';
import type { RuleState, Signal, ThresholdCondition } from './ruleTypes.js';
import { formatNumber } from './templateFilters.js';

/** The signal, and the template error to report as rule health when rendering failed. */
export interface BuiltSignal {
  signal: Signal;
  templateError?: string;
}

/** Builds the signal for `event`, which `state` (the state after the transition) resulted from. */
export function buildSignal(compiled: CompiledRule, state: RuleState, event: NonNullable<AlertTransition['event']>): BuiltSignal {
  const { rule } = compiled;
  const labels: Record<string, string> = { ...state.labels, ...rule.labels, alertname: rule.name };
  const condition = event.kind === 'firing' ? rule.fire : rule.clear;
  const reason = describeReason(rule.metric, state.lastValue, condition, event.heldMs);
  const context: TemplateContext = {
    value: state.lastValue,
    threshold: rule.fire.threshold,
    clearThreshold: rule.clear.threshold,
    forSeconds: rule.forSeconds,
    clearForSeconds: rule.clearForSeconds,
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
    value: state.lastValue,
    atMs: state.lastSampleAtMs,
    sinceMs: event.sinceMs,
    reason,
  };
  return errors.length > 0 ? { signal, templateError: errors.join('; ') } : { signal };
}

/** "filesystem_used_ratio 0.93 above 0.9 for 5m"; the duration is left out when the rule acts at once. */
export function describeReason(metric: string, value: number, condition: ThresholdCondition, heldMs: number): string {
  const held = heldMs > 0 ? ` for ${formatDuration(heldMs / 1000)}` : '';
  return `${metric} ${formatNumber(value)} ${describeOp(condition.op)} ${formatNumber(condition.threshold)}${held}`;
}
