/**
 * Absent series (`absent: { for: 3 intervals }` or `absent: { for: 2m }`): the rule fires for a
 * series it has seen that has sent nothing for longer than the limit. Samples go through the
 * ordinary per-series evaluation, where they read as "present" (and record the series' own
 * interval); the silence is judged on sweeps, at `nowMs`, for the series that sent nothing in the
 * call. An absent rule takes no thresholds, `for`, `clearFor` or `keepFiringFor`: `absent.for` is
 * its duration, and it resolves at the next sample.
 */
import { Type } from '@sinclair/typebox';
import { formatDuration } from '../../config/duration.js';
import { DurationOrIntervals } from '../../config/durationSchema.js';
import { nextAlertState, type ConditionReading } from '../engine/alertStateMachine.js';
import { buildSignal } from '../engine/buildSignal.js';
import type { CompiledRule, RuleOutcome } from '../engine/compiledRule.js';
import { addSignal } from '../engine/ruleOutcome.js';
import type { RuleState } from '../model/ruleTypes.js';
import { kindSpec, type RuleKind } from './ruleKind.js';

/**
 * The rule fires for a series previously seen that has sent nothing for `seconds`, or for
 * `intervals` times its own observed sample spacing. Exactly one of the two is set.
 */
export interface AbsentSpec {
  seconds?: number;
  intervals?: number;
}

declare module '../model/ruleTypes.js' {
  interface RuleKindSpecs {
    absent?: AbsentSpec;
  }
}

/** `absent: { for: 3 intervals }` or `absent: { for: 2m }`; the loader decodes `for`. */
const AbsentEntrySchema = Type.Object(
  { for: DurationOrIntervals('a duration such as 2m or a count of the series\' own intervals such as "3 intervals"') },
  { additionalProperties: false },
);

/** The keys an absent rule cannot have, since its limit and its resolution are its own. */
const NOT_FOR_ABSENT = ['above', 'below', 'clearBelow', 'clearAbove', 'for', 'clearFor', 'keepFiringFor'] as const;

/** The absent kind: `absent: { for: ... }`, judged on sweeps by the silence of each series. */
export const absentKind: RuleKind = {
  ruleKey: 'absent',
  entryKey: 'absent',
  schema: { absent: Type.Optional(AbsentEntrySchema) },
  build: (entry, report) => {
    for (const key of NOT_FOR_ABSENT) {
      if (entry[key] !== undefined) report([key], `an "absent" rule has no "${key}": it fires after absent.for without samples and resolves at the next sample`, 'key');
    }
    const absent = absentSpec(entry.absent);
    return absent && { absent };
  },
  impliedFire: (built) => (built?.absent ? { op: 'above', threshold: built.absent.seconds ?? built.absent.intervals! } : undefined),
  memoryFields: ['intervalMs'],
  templateVariables: [],
  versionPart: (definition) => definition.absent && ['absent', definition.absent],
  compile: (rule) => {
    const spec = kindSpec(rule, 'absent');
    if ((spec.seconds === undefined) === (spec.intervals === undefined)) throw new Error('absent needs exactly one of seconds and intervals');
    return {
      // A sample is the opposite of absence: it never fires and always clears. It records the series' interval.
      read: (sample, prior) => ({
        atMs: sample.atMs,
        value: sample.value,
        fireMet: false,
        clearMet: true,
        detail: { current: sample.value },
        memory: { intervalMs: Number.isFinite(prior.lastSampleAtMs) ? sample.atMs - prior.lastSampleAtMs : (prior.intervalMs ?? 0) },
      }),
      sweep: (compiled, untouched, _written, nowMs) => evaluateSilence(compiled, untouched, nowMs),
      reason: (event, reading) => (event.kind === 'firing' ? `${rule.metric} absent for ${formatDuration(reading.value)}` : `${rule.metric} reported again`),
    };
  },
};

/** The limit the loader decoded from `absent.for`; undefined when it could not (and said why, located). */
function absentSpec(absent: unknown): AbsentSpec | undefined {
  const limit = typeof absent === 'object' && absent !== null ? (absent as { for?: unknown }).for : undefined;
  if (typeof limit !== 'object' || limit === null) return undefined;
  const decoded = limit as DurationOrIntervals;
  return 'ms' in decoded ? { seconds: decoded.ms / 1000 } : { intervals: decoded.intervals };
}

/**
 * The sweep: judges each silent series at `nowMs` (a firing one stays firing until a sample
 * arrives). Only a change of status (or of the pending timer) yields a state, so a quiet sweep
 * writes nothing. A state keeps the time and value of its last real sample, so that a late sample
 * is still accepted and the silence is measured from it.
 */
function evaluateSilence(compiled: CompiledRule, silent: readonly RuleState[], nowMs: number): RuleOutcome {
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
  const absent = kindSpec(compiled.rule, 'absent');
  const limitMs = absent.seconds !== undefined ? absent.seconds * 1000 : state.intervalMs ? absent.intervals! * state.intervalMs : undefined;
  const silentMs = nowMs - state.lastSampleAtMs;
  if (limitMs === undefined || !(silentMs > 0)) return undefined;
  return { atMs: nowMs, value: silentMs / 1000, fireMet: silentMs > limitMs, clearMet: false, detail: { current: state.lastValue } };
}
