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
  /** How many states `ofRule(ruleName)` lists, without listing them: the sweeps of one call are bounded by it (MAX_SWEPT_STATES). */
  countOfRule?(ruleName: string): number;
}

/**
 * The states the sweeps of one call look at, at most, once one rule has swept: further due rules
 * wait for the next call (milliseconds later under load), so that the rules of a large fleet do not
 * all sweep in one batch. At 50,000 agents each filesystem prediction keeps 200,000 states, and the
 * three of them with the CPU steal window swept in one call held the event loop 0.8 s on the
 * loaded 2-core VM. Counted only where the prior states say how many a rule has (countOfRule).
 */
export const MAX_SWEPT_STATES = 50_000;

/**
 * Prior states that can also be found by rule and series: the state of the rule named `ruleName`
 * whose series has the labels `labels` (the same names and values, in any order; `seriesKey` is their
 * canonical text), which is the state keyed by `fingerprintOf(seriesKey, labels)`, the rule's
 * memoized fingerprint. With it the engine hashes no fingerprint for a series without a state
 * (evaluateSeries.ts) and keeps no memo of every series' fingerprints: the index finds most series
 * without one, and calls `fingerprintOf` only for the few it cannot.
 */
export interface StatesBySeries extends StatesByRule {
  ofSeries(ruleName: string, labels: Readonly<Record<string, string>>, seriesKey: string, fingerprintOf: (seriesKey: string, labels: Readonly<Record<string, string>>) => string): RuleState | undefined;
}

/**
 * The rules due for a sweep at `nowMs`, by name, in rule order: every due rule, or, where the prior
 * states count a rule's states (countOfRule), the first due rule and those after it that keep the
 * call within MAX_SWEPT_STATES; the others stay due for the next call.
 */
export function dueSweeps(ruleSet: CompiledRuleSet, prior: ReadonlyMap<string, RuleState> | StatesByRule, nowMs: number): Map<string, CompiledRule> {
  const due = new Map<string, CompiledRule>();
  const count = 'countOfRule' in prior && prior.countOfRule !== undefined ? prior.countOfRule.bind(prior) : undefined;
  let states = 0;
  for (const [name, compiled] of ruleSet.swept) {
    const last = prior.get(sweepFingerprint(name));
    if (last && nowMs - last.lastSampleAtMs < (compiled.sweepEveryMs ?? SWEEP_MS)) continue;
    if (count !== undefined) {
      const more = count(name);
      if (due.size > 0 && states + more > MAX_SWEPT_STATES) continue;
      states += more;
    }
    due.set(name, compiled);
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
  if ('ofRule' in prior) {
    for (const [name, compiled] of due) {
      const record = sweepFingerprint(name);
      const list: RuleState[] = [];
      for (const state of prior.ofRule(name)) if (state.fingerprint !== record && !touched.has(state.fingerprint)) list.push(state);
      if (list.length > 0) byRule.set(compiled, list);
    }
    return byRule;
  }
  for (const state of prior.values()) {
    const compiled = due.get(state.ruleName);
    if (!compiled || touched.has(state.fingerprint) || state.fingerprint === sweepFingerprint(state.ruleName)) continue;
    const list = byRule.get(compiled);
    if (list) list.push(state);
    else byRule.set(compiled, [state]);
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
