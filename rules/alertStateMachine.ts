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
 * which starts at the first reading where the condition holds. With keepFiringFor, a firing state
 * records in lastBreachAtMs the last reading where the fire condition held (Prometheus'
 * keep_firing_for, counted from there).
 */
import type { RuleState } from './ruleTypes.js';

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

/** Optional figures a reading can carry; see the template variables of the same names. */
export interface ReadingDetail {
  /** The newest raw sample value, where `value` is something else (window, predict, absent rules). */
  current?: number;
  /** Predict rules: seconds until the fitted line reaches the fire threshold (Infinity: never). */
  secondsToThreshold?: number;
  /** Aggregate rules: members counted, and members meeting the member condition (ratio). */
  seriesCount?: number;
  matchingCount?: number;
}

/** The rule's timers, in milliseconds. */
export interface AlertTiming {
  forMs: number;
  clearForMs: number;
  /** 0 when the rule has no keepFiringFor. */
  keepFiringForMs: number;
}

/** The outcome of one step: the new state and, on a firing or resolve, the event to signal. */
export interface AlertTransition {
  state: RuleState;
  event?: {
    kind: 'firing' | 'resolved';
    /** When the condition behind the event began. */
    sinceMs: number;
    /** How long it held before the event, for the reason text. */
    heldMs: number;
  };
}

/** Applies one reading to `prior` (an inactive state for a series seen for the first time). */
export function nextAlertState(prior: RuleState, reading: ConditionReading, timing: AlertTiming): AlertTransition {
  const identity = {
    ruleName: prior.ruleName,
    ruleVersion: prior.ruleVersion,
    fingerprint: prior.fingerprint,
    labels: prior.labels,
    lastValue: reading.value,
    lastSampleAtMs: reading.atMs,
  };
  switch (prior.status) {
    case 'inactive':
      return reading.fireMet ? breaching(identity, reading.atMs, reading.atMs, timing) : { state: { ...identity, status: 'inactive' } };
    case 'pending':
      return reading.fireMet
        ? breaching(identity, prior.pendingSinceMs ?? reading.atMs, reading.atMs, timing)
        : { state: { ...identity, status: 'inactive' } };
    case 'firing': {
      const lastBreachAtMs = timing.keepFiringForMs > 0 ? (reading.fireMet ? reading.atMs : prior.lastBreachAtMs) : undefined;
      const firing = { ...identity, status: 'firing' as const, pendingSinceMs: prior.pendingSinceMs, firingSinceMs: prior.firingSinceMs, lastBreachAtMs };
      if (!reading.clearMet) return { state: withoutUndefined(firing) };
      const clearingSinceMs = prior.clearingSinceMs ?? reading.atMs;
      const heldMs = reading.atMs - clearingSinceMs;
      const keptLongEnough = lastBreachAtMs === undefined || reading.atMs - lastBreachAtMs >= timing.keepFiringForMs;
      if (heldMs >= timing.clearForMs && keptLongEnough) {
        return { state: { ...identity, status: 'inactive' }, event: { kind: 'resolved', sinceMs: clearingSinceMs, heldMs } };
      }
      return { state: withoutUndefined({ ...firing, clearingSinceMs }) };
    }
    default:
      return assertNever(prior.status);
  }
}

type Identity = Omit<RuleState, 'status' | 'pendingSinceMs' | 'firingSinceMs' | 'clearingSinceMs'>;

/** The fire condition holds: pending until it has held for `forMs`, then firing. */
function breaching(identity: Identity, pendingSinceMs: number, atMs: number, timing: AlertTiming): AlertTransition {
  const heldMs = atMs - pendingSinceMs;
  if (heldMs < timing.forMs) return { state: { ...identity, status: 'pending', pendingSinceMs } };
  const firing: RuleState = { ...identity, status: 'firing', pendingSinceMs, firingSinceMs: atMs };
  if (timing.keepFiringForMs > 0) firing.lastBreachAtMs = atMs;
  return {
    state: firing,
    event: { kind: 'firing', sinceMs: pendingSinceMs, heldMs },
  };
}

/** States stay free of `undefined` keys, so that a JSON round trip gives an equal object. */
function withoutUndefined(state: RuleState): RuleState {
  const copy: RuleState = { ...state };
  for (const key of ['pendingSinceMs', 'firingSinceMs', 'clearingSinceMs', 'lastBreachAtMs'] as const) {
    if (copy[key] === undefined) delete copy[key];
  }
  return copy;
}

function assertNever(value: never): never {
  throw new Error(`unexpected alert status ${String(value)}`);
}
