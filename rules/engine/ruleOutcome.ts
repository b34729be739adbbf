/**
 * What evaluating one rule yields, and the small helpers every rule kind's evaluation shares.
 */
import type { BuiltSignal } from './buildSignal.js';
import type { Rule, RuleState, Signal } from '../model/ruleTypes.js';

/** The states changed and signals raised by one rule in one call; `error` marks the rule unhealthy. */
export interface RuleOutcome {
  states: RuleState[];
  signals: Signal[];
  error?: string;
}

/** A series seen for the first time: inactive, nothing applied yet. */
export function freshState(rule: Rule, id: string, labels: Readonly<Record<string, string>>): RuleState {
  return { ruleName: rule.name, ruleVersion: rule.version, fingerprint: id, labels: { ...labels }, status: 'inactive', lastValue: NaN, lastSampleAtMs: -Infinity };
}

export function addSignal(outcome: RuleOutcome, built: BuiltSignal): void {
  outcome.signals.push(built.signal);
  if (built.templateError) outcome.error = built.templateError;
}

/**
 * Whether a state holds nothing the engine needs again, so the collector may delete it: inactive,
 * with no window buffer, observed interval (absent rules) or group (aggregate rule members).
 */
export function isForgettable(state: RuleState): boolean {
  return state.status === 'inactive' && state.recent === undefined && state.intervalMs === undefined && state.memberOf === undefined;
}

