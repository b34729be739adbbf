/**
 * The default evaluation of a rule's samples: each series on its own, sample by sample in time
 * order, each sample read by the rule's kind (CompiledRule.read) and applied to the state machine.
 * Every kind but the group aggregate evaluates this way.
 */
import type { RuleState, SeriesSample } from '../model/ruleTypes.js';
import { nextAlertState } from './alertStateMachine.js';
import { buildSignal } from './buildSignal.js';
import type { ApplySamples, CompiledRule, EvaluationStats, RuleOutcome } from './compiledRule.js';
import { fingerprint } from '../labels/fingerprint.js';
import { isForgettable } from './isForgettable.js';
import { addSignal, freshState } from './ruleOutcome.js';
import type { StatesBySeries } from './sweepRules.js';

/**
 * Runs every series of `compiled` through its reader and the state machine, continuing from the
 * prior states (found by fingerprint, or by series when `prior` is StatesBySeries). Samples at or before a state's `lastSampleAtMs` are ignored (and counted). A state
 * is returned when a sample was applied, unless the series is new and its state holds nothing.
 */
export const evaluateSeries: ApplySamples = (compiled, series, prior, stats) => {
  const { rule, read } = compiled;
  if (!read) throw new Error(`the kind of rule ${rule.name} reads no samples`);
  const replaced: Array<RuleState | undefined> = [];
  const outcome: RuleOutcome = { states: [], replaced, signals: [] };
  const bySeries = seriesLookup(prior);
  const quiet = compiled.quiet;
  for (const { key, labels, samples } of series) {
    const before = priorState(compiled, prior, bySeries, key, labels);
    if (before === undefined && quiet !== undefined && staysQuiet(samples, quiet, stats)) continue;
    // A series without a state gets its fingerprint (a hash) once it needs one: to signal or to be kept.
    let state: RuleState = before ? (before.ruleVersion === rule.version ? before : { ...before, ruleVersion: rule.version }) : freshState(rule, bySeries ? '' : compiled.fingerprintOf(key, labels), labels);
    const identified = (s: RuleState): RuleState => (s.fingerprint === '' ? Object.assign(s, { fingerprint: fingerprint(rule.name, labels) }) : s);
    let applied = false;
    for (const sample of inTimeOrder(samples)) {
      if (sample.atMs <= state.lastSampleAtMs) {
        stats.ignoredStale++;
        continue;
      }
      const reading = read(sample, state);
      const transition = nextAlertState(state, reading, compiled.timing, sample.intervalMs, reading.memory);
      state = transition.state;
      applied = true;
      stats.applied++;
      if (transition.event) addSignal(outcome, buildSignal(compiled, (state = identified(state)), transition.event, reading, sample.text));
    }
    if (applied && (before || !isForgettable(state))) {
      outcome.states.push(identified(state));
      replaced.push(before);
    }
  }
  return outcome;
};

/** The state of a series of `compiled` in `prior` (found by series when `bySeries` is `prior` as StatesBySeries: seriesLookup). */
export function priorState(
  compiled: CompiledRule,
  prior: ReadonlyMap<string, RuleState>,
  bySeries: StatesBySeries | undefined,
  key: string,
  labels: Readonly<Record<string, string>>,
): RuleState | undefined {
  return bySeries ? bySeries.ofSeries(compiled.rule.name, labels, key, compiled.fingerprintOf) : prior.get(compiled.fingerprintOf(key, labels));
}

/**
 * Whether no sample of a series without a state breaches; if so, counts them as the state machine
 * would have (applied, or stale: at or before the time of one applied before it) and the series is
 * done. If one breaches, nothing is counted and the series is evaluated sample by sample.
 */
function staysQuiet(samples: readonly SeriesSample[], fires: (value: number) => boolean, stats: EvaluationStats): boolean {
  for (const sample of samples) if (fires(sample.value)) return false;
  let lastAtMs = Number.NEGATIVE_INFINITY;
  for (const sample of inTimeOrder(samples)) {
    if (sample.atMs <= lastAtMs) stats.ignoredStale++;
    else {
      stats.applied++;
      lastAtMs = sample.atMs;
    }
  }
  return true;
}

/**
 * `prior` when it finds a rule's state by the series' canonical labels (the collector's index), so
 * that a series without a state costs no fingerprint: most series of a healthy fleet have none.
 */
export function seriesLookup(prior: ReadonlyMap<string, RuleState>): StatesBySeries | undefined {
  return typeof (prior as Partial<StatesBySeries>).ofSeries === 'function' ? (prior as StatesBySeries) : undefined;
}

function inTimeOrder(samples: readonly SeriesSample[]): readonly SeriesSample[] {
  for (let i = 1; i < samples.length; i++) {
    if (samples[i]!.atMs < samples[i - 1]!.atMs) return [...samples].sort((a, b) => a.atMs - b.atMs);
  }
  return samples;
}
