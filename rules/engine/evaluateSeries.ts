/**
 * The default evaluation of a rule's samples: each series on its own, sample by sample in time
 * order, each sample read by the rule's kind (CompiledRule.read) and applied to the state machine.
 * Every kind but the group aggregate evaluates this way.
 */
import type { RuleState, SeriesSample } from '../model/ruleTypes.js';
import { nextAlertState } from './alertStateMachine.js';
import { buildSignal } from './buildSignal.js';
import type { ApplySamples, RuleOutcome } from './compiledRule.js';
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
  const outcome: RuleOutcome = { states: [], signals: [] };
  const bySeries = seriesLookup(prior);
  for (const { key, labels, samples } of series.values()) {
    const before = bySeries ? bySeries.ofSeries(rule.name, key) : prior.get(compiled.fingerprintOf(key, labels));
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
    if (applied && (before || !isForgettable(state))) outcome.states.push(identified(state));
  }
  return outcome;
};

/**
 * `prior` when it finds a rule's state by the series' canonical labels (the collector's index), so
 * that a series without a state costs no fingerprint: most series of a healthy fleet have none.
 */
function seriesLookup(prior: ReadonlyMap<string, RuleState>): StatesBySeries | undefined {
  return typeof (prior as Partial<StatesBySeries>).ofSeries === 'function' ? (prior as StatesBySeries) : undefined;
}

function inTimeOrder(samples: SeriesSample[]): readonly SeriesSample[] {
  for (let i = 1; i < samples.length; i++) {
    if (samples[i]!.atMs < samples[i - 1]!.atMs) return [...samples].sort((a, b) => a.atMs - b.atMs);
  }
  return samples;
}
