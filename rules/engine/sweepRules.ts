/**
 * Sweeps: the time-driven work of rules that remember series between samples. About once a
 * second (SWEEP_MS) per rule, whether or not samples came, the states of each such rule whose
 * series sent nothing in this call are looked at:
 *
 * - absent rules judge each series' silence (kinds/absent.ts);
 * - aggregate rules judge each group on its members' latest values (kinds/aggregateGroups.ts);
 * - window and predict rules forget the buffer of an inactive series whose newest sample has left
 *   the window, and aggregate rules forget members gone stale, so that series that are gone for
 *   good (decommissioned hosts, unmounted filesystems) do not keep state forever: the forgotten
 *   state is returned memoryless, which the collector deletes.
 *
 * Which rules sweep and what a sweep does is their kind's (CompiledRule.sweep); this module only
 * decides when, finds the states, and records the sweep.
 *
 * Finding those states is one pass over every state kept, hence the rate limit. The time of a
 * rule's last sweep is itself a small state (`sweep:<rule>`), so the limit holds across calls and
 * restarts without anything but the states.
 */
import type { RuleState } from '../model/ruleTypes.js';
import type { CompiledRule, RuleOutcome } from './compiledRule.js';
import type { CompiledRuleSet } from './compileRules.js';

/** The shortest time between two sweeps of one rule. */
export const SWEEP_MS = 1000;

/** The fingerprint of the state that records when a rule last swept (its `lastSampleAtMs`). */
export function sweepFingerprint(ruleName: string): string {
  return `sweep:${ruleName}`;
}

/**
 * Prior states that can also be listed by rule (the collector keeps such an index), so that a sweep
 * looks at its own rule's states only, not at every state kept.
 */
export interface StatesByRule extends ReadonlyMap<string, RuleState> {
  /** The states of the rule named `ruleName` (the sweep records included). */
  ofRule(ruleName: string): Iterable<RuleState>;
}

/**
 * Prior states that can also be found by rule and series: the state of the rule named `ruleName`
 * whose labels' canonical text (contract/labels.ts) is `seriesKey`, which is the state keyed by
 * `fingerprint(ruleName, labels)`. With it the engine hashes no fingerprint for a series without a
 * state (evaluateSeries.ts), and keeps no memo of every series' fingerprints.
 */
export interface StatesBySeries extends StatesByRule {
  ofSeries(ruleName: string, seriesKey: string): RuleState | undefined;
}

/** The rules due for a sweep at `nowMs`, by name. */
export function dueSweeps(ruleSet: CompiledRuleSet, prior: ReadonlyMap<string, RuleState>, nowMs: number): Map<string, CompiledRule> {
  const due = new Map<string, CompiledRule>();
  for (const [name, compiled] of ruleSet.swept) {
    const last = prior.get(sweepFingerprint(name));
    if (!last || nowMs - last.lastSampleAtMs >= (compiled.sweepEveryMs ?? SWEEP_MS)) due.set(name, compiled);
  }
  return due;
}

/**
 * The prior states of the `due` rules that got no sample in this call (`touched` did), by rule: from
 * each due rule's own states when `prior` lists them by rule, else in one pass over `prior`.
 */
export function untouchedStates(
  due: ReadonlyMap<string, CompiledRule>,
  prior: ReadonlyMap<string, RuleState> | StatesByRule,
  touched: ReadonlySet<string>,
): Map<CompiledRule, RuleState[]> {
  const byRule = new Map<CompiledRule, RuleState[]>();
  const add = (state: RuleState, compiled: CompiledRule | undefined): void => {
    if (!compiled || touched.has(state.fingerprint) || state.fingerprint === sweepFingerprint(state.ruleName)) return;
    const list = byRule.get(compiled);
    if (list) list.push(state);
    else byRule.set(compiled, [state]);
  };
  if ('ofRule' in prior) {
    for (const [name, compiled] of due) for (const state of prior.ofRule(name)) add(state, compiled);
  } else {
    for (const state of prior.values()) add(state, due.get(state.ruleName));
  }
  return byRule;
}

/**
 * One rule's sweep at `nowMs` over its `untouched` states (and, for aggregates, the `written`
 * states this call produced for it), and the record of the sweep.
 */
export function sweepRule(compiled: CompiledRule, untouched: readonly RuleState[], written: readonly RuleState[], nowMs: number): RuleOutcome {
  const { rule, sweep } = compiled;
  const outcome: RuleOutcome = sweep ? sweep(compiled, untouched, written, nowMs) : { states: [], signals: [] };
  outcome.states.push({
    ruleName: rule.name,
    ruleVersion: rule.version,
    fingerprint: sweepFingerprint(rule.name),
    labels: {},
    status: 'inactive',
    lastValue: untouched.length,
    lastSampleAtMs: nowMs,
    intervalMs: SWEEP_MS,
  });
  return outcome;
}
