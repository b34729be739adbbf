/**
 * The alert state machine: the one place that decides how a rule's state for one series moves when
 * a new reading of its condition arrives. Pure; time comes from the reading.
 *
 * | from     | reading                                             | to       | event    |
 * |----------|-----------------------------------------------------|----------|----------|
 * | inactive | fire condition false                                | inactive |          |
 * | inactive | fire condition true, for = 0                        | firing   | firing   |
 * | inactive | fire condition true, for > 0                        | pending  |          |
 * | pending  | fire condition false (recovered before `for`)       | inactive |          |
 * | pending  | fire condition true, held < for                     | pending  |          |
 * | pending  | fire condition true, held >= for                    | firing   | firing   |
 * | firing   | clear condition false (fire threshold is ignored)   | firing   |          |
 * |          |   ...and the clearFor timer, if running, is reset   |          |          |
 * | firing   | clear condition true, held >= clearFor (0 = at once)| inactive | resolved |
 * |          |   ...and the fire condition last held >= keepFiringFor ago          |          |
 * | firing   | clear condition true, held < clearFor, or the fire  | firing   |          |
 * |          |   condition held < keepFiringFor ago                |          |          |
 * |          |   ...with clearingSinceMs marking the clearFor start|          |          |
 *
 * "held" is the reading's time minus the start of the timer (pendingSinceMs or clearingSinceMs),
 * which starts at the first reading where the condition holds. When the source states how often it
 * reports (`intervalMs`), a timer counts as complete when it falls short by less than
 * FOR_TOLERANCE_RATIO of that interval: samples are stamped with a few milliseconds of jitter, and
 * the sample that completes a `for: 30s` on a 5 s agent must not land 2 ms short and cost an interval. With keepFiringFor, a firing state
 * records in lastBreachAtMs the last reading where the fire condition held (Prometheus'
 * keep_firing_for, counted from there).
 */
import type { AlertStatus, RuleState, SeriesMemory } from '../model/ruleTypes.js';

/** One evaluation of a rule's condition for one series. How it was computed is not this module's concern. */
export interface ConditionReading {
  atMs: number;
  value: number;
  /** Whether the fire condition holds (consulted while inactive or pending). */
  fireMet: boolean;
  /** Whether the clear condition holds (consulted while firing). */
  clearMet: boolean;
  /** Figures beyond `value` for templates and reasons (the raw sample, time to threshold, group counts). */
  detail?: ReadingDetail;
}

/**
 * Figures a reading can carry beyond its value, each a numeric template variable of the same name:
 * `current` (the newest raw sample, where `value` is something else) for every kind, and what a
 * kind adds (`secondsToThreshold` for predictions, `seriesCount` and `matchingCount` for
 * aggregates, ...). A variable a reading leaves out renders as NaN.
 */
export type ReadingDetail = Readonly<Record<string, number>>;

/**
 * The share of the source's reporting interval by which a sample may fall short of `for` (or
 * `clearFor`) and still complete it: a quarter, so `for: 30s` on a 5 s agent fires at the sample
 * 28.75 s or more after the first breaching one, and a `for` can end at most a quarter interval early.
 */
export const FOR_TOLERANCE_RATIO = 0.25;

/** The rule's timers, in milliseconds. */
export interface AlertTiming {
  forMs: number;
  clearForMs: number;
  /** 0 when the rule has no keepFiringFor. */
  keepFiringForMs: number;
}

/** A firing or a resolve, as one step of the state machine yields it. */
export interface AlertEvent {
  kind: 'firing' | 'resolved';
  /** When the condition behind the event began. */
  sinceMs: number;
  /** How long it held before the event, for the reason text. */
  heldMs: number;
}

/** The outcome of one step: the new state and, on a firing or resolve, the event to signal. */
export interface AlertTransition {
  state: RuleState;
  event?: AlertEvent;
}

/**
 * Applies one reading to `prior` (an inactive state for a series seen for the first time).
 * `intervalMs` is how often the reading's source reports (0 when unknown): timers complete within
 * FOR_TOLERANCE_RATIO of it. The new state carries `memory` (what the rule's kind keeps of the
 * series, SampleReading.memory), after its timers; never the prior state's.
 */
export function nextAlertState(prior: RuleState, reading: ConditionReading, timing: AlertTiming, intervalMs = 0, memory?: SeriesMemory): AlertTransition {
  const transition = nextTransition(prior, reading, timing, intervalMs, memory);
  const { state } = transition;
  // An inactive state has its memory in its literal already (below); the others get it after their timers.
  if (memory !== undefined && state.status !== 'inactive') for (const field in memory) (state as unknown as Record<string, unknown>)[field] = memory[field as keyof SeriesMemory];
  return transition;
}

/**
 * Whether applying `reading` to `prior` raises no event and leaves its status and timers as they
 * are: nextAlertState's state is then `prior` with the reading's lastValue, lastSampleAtMs and
 * memory (the common case: a healthy series stays inactive, a firing one keeps firing). Conservative:
 * false for every case it does not cover (a keepFiringFor rule while firing, a timer that starts or
 * stops). As nextAlertState reads nothing of `prior` but its identity, status and timers, a reading
 * applied to `prior` after such readings gives what it gives applied to the state they made: the
 * step evaluator makes that state only when it is needed (stepEvaluator.ts).
 */
export function keepsStatus(prior: RuleState, reading: ConditionReading, timing: AlertTiming, intervalMs = 0): boolean {
  if (prior.lastBreachAtMs !== undefined) return false;
  const toleranceMs = intervalMs > 0 ? intervalMs * FOR_TOLERANCE_RATIO : 0;
  switch (prior.status) {
    case 'inactive':
      return !reading.fireMet && prior.pendingSinceMs === undefined && prior.firingSinceMs === undefined && prior.clearingSinceMs === undefined;
    case 'pending':
      return reading.fireMet && prior.pendingSinceMs !== undefined && reading.atMs - prior.pendingSinceMs + toleranceMs < timing.forMs && prior.firingSinceMs === undefined && prior.clearingSinceMs === undefined;
    case 'firing':
      if (timing.keepFiringForMs > 0) return false;
      if (!reading.clearMet) return prior.clearingSinceMs === undefined;
      return prior.clearingSinceMs !== undefined && reading.atMs - prior.clearingSinceMs + toleranceMs < timing.clearForMs;
    default:
      return assertNever(prior.status);
  }
}

/**
 * nextAlertState(state, reading, timing, intervalMs, memory) written into `state` itself when it
 * keeps the status and timers (keepsStatus) and `memory` holds every field of `memoryFields` the
 * state holds: the state then becomes, field for field, the one nextAlertState would have made,
 * and no event is due. Returns whether it did; otherwise `state` is untouched. `memoryFields` are
 * all the fields `memory` may hold (its kind's, RuleKind.memoryFields). For a caller that owns the
 * state (no one else holds it): the step evaluator, which would otherwise make a state per sample
 * of every healthy series.
 */
export function keepStatusInPlace(state: RuleState, reading: ConditionReading, timing: AlertTiming, intervalMs: number, memory: SeriesMemory | undefined, memoryFields: readonly (keyof SeriesMemory)[]): boolean {
  if (!keepsStatus(state, reading, timing, intervalMs)) return false;
  const fields = state as unknown as Record<string, unknown>;
  // A field the memory no longer holds would have to be deleted (nextAlertState never keeps the prior state's).
  for (const field of memoryFields) if (fields[field] !== undefined && memory?.[field] === undefined) return false;
  state.lastValue = reading.value;
  state.lastSampleAtMs = reading.atMs;
  if (memory !== undefined) for (const field of memoryFields) if (memory[field] !== undefined) fields[field] = memory[field];
  return true;
}

function nextTransition(prior: RuleState, reading: ConditionReading, timing: AlertTiming, intervalMs: number, memory: SeriesMemory | undefined): AlertTransition {
  const toleranceMs = intervalMs > 0 ? intervalMs * FOR_TOLERANCE_RATIO : 0;
  // One new object per step, with optional timers set only when defined (no undefined keys, so
  // that a JSON round trip gives an equal object, and no deletes on the hot path). An inactive
  // state (most kept states: a healthy series' buffer) has no timers, and its memory is spread into
  // the literal, which keeps it in the object: a field added to a literal later goes to a property
  // array of its own (40 bytes). A literal with a spread has room for one field more, where a
  // pending or firing state's first timer goes.
  const next = (status: AlertStatus, extra?: SeriesMemory): RuleState => ({
    ruleName: prior.ruleName,
    ruleVersion: prior.ruleVersion,
    fingerprint: prior.fingerprint,
    labels: prior.labels,
    status,
    lastValue: reading.value,
    lastSampleAtMs: reading.atMs,
    ...extra,
  });
  switch (prior.status) {
    case 'inactive':
      return reading.fireMet ? breaching(next, reading.atMs, reading.atMs, timing, toleranceMs) : { state: next('inactive', memory) };
    case 'pending':
      return reading.fireMet ? breaching(next, prior.pendingSinceMs ?? reading.atMs, reading.atMs, timing, toleranceMs) : { state: next('inactive', memory) };
    case 'firing': {
      const lastBreachAtMs = timing.keepFiringForMs > 0 ? (reading.fireMet ? reading.atMs : prior.lastBreachAtMs) : undefined;
      const clearingSinceMs = reading.clearMet ? (prior.clearingSinceMs ?? reading.atMs) : undefined;
      if (clearingSinceMs !== undefined) {
        const heldMs = reading.atMs - clearingSinceMs;
        const keptLongEnough = lastBreachAtMs === undefined || reading.atMs - lastBreachAtMs >= timing.keepFiringForMs;
        if (heldMs + toleranceMs >= timing.clearForMs && keptLongEnough) {
          return { state: next('inactive', memory), event: { kind: 'resolved', sinceMs: clearingSinceMs, heldMs } };
        }
      }
      const state = next('firing');
      if (prior.pendingSinceMs !== undefined) state.pendingSinceMs = prior.pendingSinceMs;
      if (prior.firingSinceMs !== undefined) state.firingSinceMs = prior.firingSinceMs;
      if (clearingSinceMs !== undefined) state.clearingSinceMs = clearingSinceMs;
      if (lastBreachAtMs !== undefined) state.lastBreachAtMs = lastBreachAtMs;
      return { state };
    }
    default:
      return assertNever(prior.status);
  }
}

/** The fire condition holds: pending until it has held for `forMs`, then firing. */
function breaching(next: (status: AlertStatus) => RuleState, pendingSinceMs: number, atMs: number, timing: AlertTiming, toleranceMs: number): AlertTransition {
  const heldMs = atMs - pendingSinceMs;
  if (heldMs + toleranceMs < timing.forMs) {
    const pending = next('pending');
    pending.pendingSinceMs = pendingSinceMs;
    return { state: pending };
  }
  const firing = next('firing');
  firing.pendingSinceMs = pendingSinceMs;
  firing.firingSinceMs = atMs;
  if (timing.keepFiringForMs > 0) firing.lastBreachAtMs = atMs;
  return { state: firing, event: { kind: 'firing', sinceMs: pendingSinceMs, heldMs } };
}

function assertNever(value: never): never {
  throw new Error(`unexpected alert status ${String(value)}`);
}
