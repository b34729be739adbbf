/**
 * The small helpers every rule kind's evaluation shares: a fresh state and collecting a signal.
 */
import type { Rule, RuleState } from '../model/ruleTypes.js';
import type { BuiltSignal } from './buildSignal.js';
import type { RuleOutcome } from './compiledRule.js';

/**
 * A series seen for the first time: inactive, nothing applied yet. Its labels are shared, not
 * copied (no one changes a sample's or a state's labels): the states of several rules over one
 * series hold one object.
 */
export function freshState(rule: Rule, id: string, labels: Readonly<Record<string, string>>): RuleState {
  return { ruleName: rule.name, ruleVersion: rule.version, fingerprint: id, labels: labels as Record<string, string>, status: 'inactive', lastValue: NaN, lastSampleAtMs: -Infinity };
}

/** Adds a built signal to `outcome`; a template that failed to render marks the rule unhealthy. */
export function addSignal(outcome: RuleOutcome, built: BuiltSignal): void {
  outcome.signals.push(built.signal);
  if (built.templateError) outcome.error = built.templateError;
}
