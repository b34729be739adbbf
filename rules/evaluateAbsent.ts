/**
 * The time-driven half of absent rules: a series an absent rule has seen (it has a state) and that
 * sent nothing in this call is judged by its silence up to `nowMs`. Samples themselves go through
 * the ordinary per-series evaluation, where they read as "present" and resolve a firing absence.
 */
import { nextAlertState, type ConditionReading } from './alertStateMachine.js';
import { buildSignal } from './buildSignal.js';
import type { CompiledRule, CompiledRuleSet } from './compileRules.js';
import { addSignal, type RuleOutcome } from './ruleOutcome.js';
import type { RuleState } from './ruleTypes.js';

/**
 * The shortest time between two sweeps of one absent rule. Finding silent series is one pass over
 * every state kept, so it runs at most this often however often the engine is called.
 */
export const ABSENT_SWEEP_MS = 1000;

/** The fingerprint of the state that records when an absent rule last swept (`lastSampleAtMs`). */
export function sweepFingerprint(ruleName: string): string {
  return `sweep:${ruleName}`;
}

/** The absent rules due for a sweep at `nowMs`, by name. */
export function dueSweeps(ruleSet: CompiledRuleSet, prior: ReadonlyMap<string, RuleState>, nowMs: number): Map<string, CompiledRule> {
  const due = new Map<string, CompiledRule>();
  for (const [name, compiled] of ruleSet.absent) {
    const last = prior.get(sweepFingerprint(name));
    if (!last || nowMs - last.lastSampleAtMs >= ABSENT_SWEEP_MS) due.set(name, compiled);
  }
  return due;
}

/**
 * The prior states of the `due` rules whose series got no sample in this call (`touched` holds the
 * fingerprints that did), by rule. One pass over `prior`, so its cost grows with all states kept.
 */
export function silentSeries(due: ReadonlyMap<string, CompiledRule>, prior: ReadonlyMap<string, RuleState>, touched: ReadonlySet<string>): Map<CompiledRule, RuleState[]> {
  const silent = new Map<CompiledRule, RuleState[]>();
  for (const state of prior.values()) {
    const compiled = due.get(state.ruleName);
    if (!compiled || touched.has(state.fingerprint) || state.status === 'firing' || state.fingerprint === sweepFingerprint(state.ruleName)) continue;
    const list = silent.get(compiled);
    if (list) list.push(state);
    else silent.set(compiled, [state]);
  }
  return silent;
}

/**
 * Judges each silent series at `nowMs`, and records the sweep. Only a change of status (or of the
 * pending timer) yields a series state, so a quiet sweep writes one small state. A series state
 * keeps the time and value of its last real sample, so that a late sample is still accepted and
 * the silence is measured from it.
 */
export function evaluateSilence(compiled: CompiledRule, silent: readonly RuleState[], nowMs: number): RuleOutcome {
  const { rule } = compiled;
  const sweep: RuleState = {
    ruleName: rule.name,
    ruleVersion: rule.version,
    fingerprint: sweepFingerprint(rule.name),
    labels: {},
    status: 'inactive',
    lastValue: silent.length,
    lastSampleAtMs: nowMs,
    intervalMs: ABSENT_SWEEP_MS,
  };
  const outcome: RuleOutcome = { states: [sweep], signals: [] };
  for (const prior of silent) {
    const reading = silenceReading(compiled, prior, nowMs);
    if (!reading) continue;
    const transition = nextAlertState({ ...prior, ruleVersion: compiled.rule.version }, reading, compiled.timing);
    if (transition.state.status === prior.status && transition.state.pendingSinceMs === prior.pendingSinceMs) continue;
    const state: RuleState = { ...transition.state, lastValue: prior.lastValue, lastSampleAtMs: prior.lastSampleAtMs };
    if (prior.intervalMs !== undefined) state.intervalMs = prior.intervalMs;
    outcome.states.push(state);
    if (transition.event) addSignal(outcome, buildSignal(compiled, state, transition.event, reading));
  }
  return outcome;
}

/**
 * The silence of one series as a reading: its value is the seconds since the last sample; the fire
 * condition holds once that exceeds the rule's limit. Undefined when there is nothing to judge yet
 * (a limit in intervals before two samples have shown the interval, or a clock behind the sample).
 */
function silenceReading(compiled: CompiledRule, state: RuleState, nowMs: number): ConditionReading | undefined {
  const absent = compiled.rule.absent!;
  const limitMs = absent.seconds !== undefined ? absent.seconds * 1000 : state.intervalMs ? absent.intervals! * state.intervalMs : undefined;
  const silentMs = nowMs - state.lastSampleAtMs;
  if (limitMs === undefined || !(silentMs > 0)) return undefined;
  return { atMs: nowMs, value: silentMs / 1000, fireMet: silentMs > limitMs, clearMet: false, detail: { current: state.lastValue } };
}
