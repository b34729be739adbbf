/**
 * The rules engine: applies a rule set to a batch of samples, given the states persisted from the
 * previous call, and returns what changed. Pure: no I/O, no clock but the `nowMs` parameter, and
 * the inputs are never mutated.
 */
import { canonicalLabels } from '../../contract/labels.js';
import type { Rule, RuleHealth, RuleState, SeriesSample, Signal } from '../model/ruleTypes.js';
import type { CompiledRule, EvaluationStats, RuleOutcome, SeriesWork } from './compiledRule.js';
import { compileRules, type CompiledRuleSet } from './compileRules.js';
import { evaluateSeries, priorState, seriesLookup } from './evaluateSeries.js';
import { onlyLatestSampleChanged } from './latestSampleChange.js';
import { dueSweeps, sweepRule, untouchedStates } from './sweepRules.js';

export { isForgettable } from './isForgettable.js';

/**
 * Samples stamped further than this ahead of `nowMs` are ignored (and counted): one sample from an
 * agent whose clock runs a day fast would otherwise make every later sample of its series look old.
 */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/** How `evaluate` may take its samples. */
export interface EvaluateOptions {
  /**
   * The caller vouches that no two of the samples are of one series (the collector's batches: one
   * report a host, and reports whose series are each sent once, SeriesKeyTemplates). Each sample is
   * then its series' whole work, so the samples are not grouped by series (a hash of each sample's
   * series key, a map entry each: most of the time spent routing samples), and the sample of a
   * series without a state that does not breach a rule that keeps no memory (CompiledRule.quiet) is
   * counted as applied and left there, as the series' evaluation would. Results are the same as
   * without; wrong when a series has two samples (they would be evaluated apart, each from the prior state).
   */
  seriesOnce?: boolean;
}

/** What one evaluation changed. */
export interface EvaluationResult {
  /**
   * New or changed states only. A plain threshold rule gives no state to a series never seen
   * breaching; rules whose kind remembers series (a window buffer, an interval, a group, ...) keep
   * one per series or group, plus a `sweep:<rule>` record (see sweepRules.ts). Delete those
   * `isForgettable` says are empty.
   */
  states: RuleState[];
  /**
   * The fingerprints of those `states` whose only change is their latest sample (lastValue,
   * lastSampleAtMs, new points of a window buffer: see latestSampleChange.ts), of rules whose kind
   * lets such a change reach the store late. Every other state decides something (a status, a
   * timer, memory) and belongs in the same transaction as the signals of its call.
   */
  latestSampleOnly: ReadonlySet<string>;
  /** Firing and resolved signals, in time order. */
  signals: Signal[];
  /** One entry per rule, in rule order. */
  health: RuleHealth[];
  stats: EvaluationStats;
}

/**
 * Evaluates `samples` against `rules`, continuing from `prior` (states keyed by fingerprint).
 *
 * - A sample goes to every rule watching its metric whose matchers it satisfies.
 * - Per series, samples are applied in time order (so a backlog replays correctly), each at its own
 *   `atMs`; samples at or before the state's `lastSampleAtMs` are ignored.
 * - A rule that throws is reported unhealthy and its outcome for this call is dropped; the others
 *   are unaffected. A template that fails to render still lets the signal out (fallback text) but
 *   marks the rule unhealthy.
 * - Each rule's kind reads the samples (CompiledRule.read, or its own applySamples: aggregate rules
 *   record each series' latest value per call, and judge their groups on sweeps).
 * - `nowMs` bounds how far in the future a sample may be stamped, and is the clock of sweeps: on a
 *   call (samples or not) at least SWEEP_MS after a rule's previous sweep, each kind with a sweep
 *   does its time-driven work (absent rules judge the silence of the series they have seen; window,
 *   predict and aggregate rules forget memory that has aged out; see `sweepRules.ts`).
 *
 * Pass a CompiledRuleSet (from `compileRules`) on the hot path; a plain array is compiled on every
 * call, which is fine for tests and tools. A `prior` that also lists its states by rule
 * (StatesByRule) lets a sweep look at its own rule's states instead of every state kept.
 */
export function evaluate(
  rules: CompiledRuleSet | readonly Rule[],
  samples: readonly SeriesSample[],
  prior: ReadonlyMap<string, RuleState>,
  nowMs: number,
  options: EvaluateOptions = {},
): EvaluationResult {
  const ruleSet = isCompiled(rules) ? rules : compileRules(rules);
  const stats: EvaluationStats = { applied: 0, ignoredStale: 0, ignoredFuture: 0 };
  const work = options.seriesOnce === true ? routeEachSample(ruleSet, samples, prior, nowMs, stats) : routeSamples(ruleSet, samples, nowMs, stats);
  const states: RuleState[] = [];
  const latestSampleOnly = new Set<string>();
  const signals: Signal[] = [];
  const errors = new Map<string, string>(ruleSet.broken);
  const collect = (compiled: CompiledRule, run: () => RuleOutcome): void => {
    try {
      const outcome = run();
      const lags = compiled.latestSampleMayLag === true;
      const { replaced } = outcome;
      outcome.states.forEach((state, i) => {
        states.push(state);
        if (lags && onlyLatestSampleChanged(replaced === undefined ? prior.get(state.fingerprint) : replaced[i], state)) latestSampleOnly.add(state.fingerprint);
      });
      signals.push(...outcome.signals);
      if (outcome.error) errors.set(compiled.rule.name, outcome.error);
    } catch (error) {
      errors.set(compiled.rule.name, (error as Error).message);
    }
  };
  for (const [compiled, series] of work) {
    const apply = compiled.applySamples ?? evaluateSeries;
    collect(compiled, () => apply(compiled, series, prior, stats));
  }
  const due = dueSweeps(ruleSet, prior, nowMs);
  if (due.size > 0) {
    const touched = new Set(states.map((state) => state.fingerprint));
    const untouched = untouchedStates(due, prior, touched);
    const written = new Map<string, RuleState[]>();
    for (const state of states) {
      const list = written.get(state.ruleName);
      if (list) list.push(state);
      else written.set(state.ruleName, [state]);
    }
    for (const compiled of due.values()) {
      collect(compiled, () => sweepRule(compiled, untouched.get(compiled) ?? [], written.get(compiled.rule.name) ?? [], nowMs));
    }
  }
  signals.sort((a, b) => a.atMs - b.atMs);
  const health = ruleSet.rules.map((rule): RuleHealth => {
    const error = errors.get(rule.name);
    return error === undefined ? { ruleName: rule.name, healthy: true } : { ruleName: rule.name, healthy: false, error };
  });
  return { states, latestSampleOnly, signals, health, stats };
}

function isCompiled(rules: CompiledRuleSet | readonly Rule[]): rules is CompiledRuleSet {
  return 'byMetric' in rules;
}

/** Groups the samples by rule and series (keyed by a canonical form of the labels). */
function routeSamples(
  ruleSet: CompiledRuleSet,
  samples: readonly SeriesSample[],
  nowMs: number,
  stats: EvaluationStats,
): Map<CompiledRule, Iterable<SeriesWork>> {
  const work = new Map<CompiledRule, Map<string, SeriesWork>>();
  eachRoute(ruleSet, samples, nowMs, stats, (compiled, sample, key) => {
    let bySeries = work.get(compiled);
    if (!bySeries) work.set(compiled, (bySeries = new Map()));
    const series = bySeries.get(key);
    if (series) series.samples.push(sample);
    else bySeries.set(key, { key, labels: sample.labels, samples: [sample] });
  });
  const grouped = new Map<CompiledRule, Iterable<SeriesWork>>();
  for (const [compiled, bySeries] of work) grouped.set(compiled, bySeries.values());
  return grouped;
}

/**
 * routeSamples for samples each of its own series (EvaluateOptions.seriesOnce): each sample is its
 * series' work, unless it is quiet (the rule keeps no memory, the sample does not breach it, and the
 * series has no state), which is what evaluateSeries' staysQuiet would find of a series of one sample.
 */
function routeEachSample(
  ruleSet: CompiledRuleSet,
  samples: readonly SeriesSample[],
  prior: ReadonlyMap<string, RuleState>,
  nowMs: number,
  stats: EvaluationStats,
): Map<CompiledRule, Iterable<SeriesWork>> {
  const work = new Map<CompiledRule, SeriesWork[]>();
  const bySeries = seriesLookup(prior);
  eachRoute(ruleSet, samples, nowMs, stats, (compiled, sample, key) => {
    // The rule takes its place in the order of work at its first sample, quiet or not, as routeSamples gives it (the order of states and of signals at one time).
    let list = work.get(compiled);
    if (!list) work.set(compiled, (list = []));
    if (compiled.quiet !== undefined && compiled.applySamples === undefined && !compiled.quiet(sample.value) && priorState(compiled, prior, bySeries, key, sample.labels) === undefined) stats.applied++;
    else list.push({ key, labels: sample.labels, samples: [sample] });
  });
  return work;
}

/**
 * Calls `take` for each rule each sample goes to (the rules watching its metric whose matchers it
 * satisfies), with the sample's series key; a sample stamped more than MAX_FUTURE_SKEW_MS ahead of
 * `nowMs` goes to none and is counted.
 */
function eachRoute(
  ruleSet: CompiledRuleSet,
  samples: readonly SeriesSample[],
  nowMs: number,
  stats: EvaluationStats,
  take: (compiled: CompiledRule, sample: SeriesSample, key: string) => void,
): void {
  for (const sample of samples) {
    const candidates = ruleSet.byMetric.get(sample.metric);
    if (!candidates) continue;
    if (sample.atMs > nowMs + MAX_FUTURE_SKEW_MS) {
      stats.ignoredFuture++;
      continue;
    }
    let key: string | undefined;
    for (const compiled of candidates) {
      if (!compiled.matches(sample.labels)) continue;
      key ??= sample.seriesKey ?? canonicalLabels(sample.labels);
      take(compiled, sample, key);
    }
  }
}
