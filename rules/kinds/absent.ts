/**
 * The time-driven half of absent rules: on a sweep (see sweepRules.ts), a series an absent rule
 * has seen (it has a state) and that sent nothing in this call is judged by its silence up to
 * `nowMs`. Samples themselves go through the ordinary per-series evaluation, where they read as
 * "present" and resolve a firing absence.
 */
import { nextAlertState, type ConditionReading } from '../engine/alertStateMachine.js';
import { buildSignal } from '../engine/buildSignal.js';
import type { CompiledRule } from '../engine/compileRules.js';
import { addSignal, type RuleOutcome } from '../engine/ruleOutcome.js';
import type { RuleState } from '../model/ruleTypes.js';

/**
 * Judges each silent series at `nowMs` (a firing one stays firing until a sample arrives). Only a
 * change of status (or of the pending timer) yields a state, so a quiet sweep writes nothing. A
 * state keeps the time and value of its last real sample, so that a late sample is still accepted
 * and the silence is measured from it.
 */
export function evaluateSilence(compiled: CompiledRule, silent: readonly RuleState[], nowMs: number): RuleOutcome {
  const outcome: RuleOutcome = { states: [], signals: [] };
  for (const prior of silent) {
    if (prior.status === 'firing') continue;
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
