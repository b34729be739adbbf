/**
 * Turns a state-machine event into the Signal handed to incidents: merged labels, rendered
 * templates and a readable reason. A template that fails to render does not swallow the alert:
 * the signal goes out with a plain fallback text and the failure is returned for rule health.
 */
import type { RuleState, Signal } from '../model/ruleTypes.js';
import { renderTemplate, type CompiledTemplate, type TemplateContext } from '../template/renderTemplate.js';
import type { AlertEvent, ConditionReading } from './alertStateMachine.js';
import type { CompiledRule } from './compiledRule.js';

/**
 * The numeric template variables every signal sets, whatever its rule's kind. A kind adds its own
 * (RuleKind.templateVariables) through the figures of its readings (ConditionReading.detail).
 */
export const SIGNAL_VARIABLES: readonly string[] = ['value', 'threshold', 'clearThreshold', 'forSeconds', 'clearForSeconds', 'current'];

/** The signal, and the template error to report as rule health when rendering failed. */
export interface BuiltSignal {
  signal: Signal;
  templateError?: string;
}

/**
 * Builds the signal for `event`, which `state` (the state after the transition) resulted from when
 * `reading` was applied; `text` is the text of the sample read (`{{ output }}`), none for a sweep.
 */
export function buildSignal(compiled: CompiledRule, state: RuleState, event: AlertEvent, reading: ConditionReading, text?: string): BuiltSignal {
  const { rule } = compiled;
  const labels: Record<string, string> = { ...state.labels, ...rule.labels, alertname: rule.name };
  const reason = compiled.reason(event, reading);
  const context: TemplateContext = {
    ...reading.detail,
    value: reading.value,
    threshold: rule.fire.threshold,
    clearThreshold: rule.clear.threshold,
    forSeconds: rule.forSeconds,
    clearForSeconds: rule.clearForSeconds,
    current: reading.detail?.current ?? reading.value,
    metric: rule.metric,
    rule: rule.name,
    output: text ?? '',
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
  if (compiled.inhibition) signal.inhibition = compiled.inhibition;
  return errors.length > 0 ? { signal, templateError: errors.join('; ') } : { signal };
}
