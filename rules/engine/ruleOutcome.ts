/**
 * The small helpers every rule kind's evaluation shares: a fresh state, collecting a signal, and
 * whether a state still holds anything worth keeping.
 */
import type { Rule, RuleState, SeriesMemory } from '../model/ruleTypes.js';
import type { BuiltSignal } from './buildSignal.js';
import type { RuleOutcome } from './compiledRule.js';

/** A series seen for the first time: inactive, nothing applied yet. */
export function freshState(rule: Rule, id: string, labels: Readonly<Record<string, string>>): RuleState {
  return { ruleName: rule.name, ruleVersion: rule.version, fingerprint: id, labels: { ...labels }, status: 'inactive', lastValue: NaN, lastSampleAtMs: -Infinity };
}

/** Adds a built signal to `outcome`; a template that failed to render marks the rule unhealthy. */
export function addSignal(outcome: RuleOutcome, built: BuiltSignal): void {
  outcome.signals.push(built.signal);
  if (built.templateError) outcome.error = built.templateError;
}

/** The fields of every state; any other is what a kind remembers of the series (SeriesMemory). */
const STATE_FIELDS: Readonly<Record<Exclude<keyof RuleState, keyof SeriesMemory>, true>> = {
  ruleName: true,
  ruleVersion: true,
  fingerprint: true,
  labels: true,
  status: true,
  pendingSinceMs: true,
  firingSinceMs: true,
  clearingSinceMs: true,
  lastValue: true,
  lastSampleAtMs: true,
  lastBreachAtMs: true,
};

/**
 * Whether a state holds nothing the engine needs again, so the collector may delete it: inactive,
 * and no memory of any kind (window buffer, observed interval of absent rules, group of aggregate
 * members, ...).
 */
export function isForgettable(state: RuleState): boolean {
  if (state.status !== 'inactive') return false;
  for (const key in state) {
    if (!Object.hasOwn(STATE_FIELDS, key) && (state as unknown as Record<string, unknown>)[key] !== undefined) return false;
  }
  return true;
}
