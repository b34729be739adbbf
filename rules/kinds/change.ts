/**
 * Changes (`change: { window: 10m }`): the rule fires while a series' value has changed within the
 * last `window`, for values that move only on an event: a boot time (reboots), a configuration
 * checksum or a version number (drift, upgrades).
 *
 * - A change is a sample whose value differs from the series' previous sample by more than
 *   `tolerance` (default 0: any difference). NaN equals NaN, so a series stuck at NaN does not
 *   change; NaN to a number or back is a change. The first sample a rule sees of a series is not one.
 *   With `direction: down` (or `up`) only a fall (or a rise) counts: a link speed that dropped, a
 *   version that went back.
 * - The previous sample is the last one applied, however long ago: a value that changed while the
 *   series was silent (a host rebooting) is a change at its first sample back.
 * - Fire condition: the last change is less than `window` before the reading (a sample's own time,
 *   or a sweep's `nowMs`). `for`, `clearFor` and `keepFiringFor` work as for any rule; a `for`
 *   longer than the window fires only when changes keep coming within the window (flapping).
 * - It resolves once the value has stayed the same for `window`: judged on each sample and on the
 *   sweeps (about once a second), so also when the series stops sending.
 * - A sample that is no change never starts an alert, so a late sample cannot re-open one that a
 *   sweep has resolved.
 * - Template variables: `{{ value }}` and `{{ current }}` are the current value, `{{ previous }}` the
 *   value before the last change, `{{ secondsSinceChange }}` the time since it, `{{ threshold }}`
 *   the tolerance. No `above`, `below`, `clearBelow` or `clearAbove`.
 *
 * Each series keeps its last value and, in `valueSinceMs` and `previousValue`, when its value last
 * changed and what it was before; the state is kept as long as the series is, so the next change
 * is seen however late it comes.
 */
import { Type } from '@sinclair/typebox';
import { formatDuration } from '../../config/duration.js';
import { Duration } from '../../config/durationSchema.js';
import { nextAlertState, type ConditionReading } from '../engine/alertStateMachine.js';
import { buildSignal } from '../engine/buildSignal.js';
import type { CompiledRule, RuleOutcome, SampleReading } from '../engine/compiledRule.js';
import { addSignal } from '../engine/ruleOutcome.js';
import { knownName } from '../load/knownName.js';
import { positiveSeconds } from '../load/positiveSeconds.js';
import type { RuleState, SeriesMemory } from '../model/ruleTypes.js';
import { formatNumber } from '../template/templateFilters.js';
import { kindSpec, type ReportIssue, type RuleKind } from './ruleKind.js';

/** The rule fires while the series' value changed (by more than `tolerance`) within the last `windowSeconds`. */
export interface ChangeSpec {
  windowSeconds: number;
  tolerance: number;
  /** Only falls (`down`) or rises (`up`) count as changes; absent: both. */
  direction?: ChangeDirection;
}

/** Which way a value must move to count as a change. */
export type ChangeDirection = 'up' | 'down';

const CHANGE_DIRECTIONS: readonly ChangeDirection[] = ['up', 'down'];

declare module '../model/ruleTypes.js' {
  interface RuleKindSpecs {
    change?: ChangeSpec;
  }
  interface SeriesMemory {
    /** Change rules: since when the series has held its current value (its first sample, or its last change). */
    valueSinceMs?: number;
    /** Change rules: the value before the last change; absent until the series has changed. */
    previousValue?: number;
  }
}

/** `change: { window: 10m, tolerance: 60 }` */
const ChangeEntrySchema = Type.Object({ window: Duration({ positive: true }), tolerance: Type.Optional(Type.Number()), direction: Type.Optional(Type.String()) }, { additionalProperties: false });

const THRESHOLD_KEYS = ['above', 'below', 'clearBelow', 'clearAbove'] as const;

/** The change kind: `change: { window, tolerance }`, judged on samples and, to resolve on time, on sweeps. */
export const changeKind: RuleKind = {
  ruleKey: 'change',
  entryKey: 'change',
  schema: { change: Type.Optional(ChangeEntrySchema) },
  build: (entry, report) => {
    for (const key of THRESHOLD_KEYS) {
      const why = 'it fires when the value changes and resolves once it has stayed the same for change.window';
      if (entry[key] !== undefined) report([key], `a "change" rule has no "${key}": ${why}`, 'key');
    }
    const change = changeSpec(entry.change, report);
    return change && { change };
  },
  impliedFire: (built) => (built?.change ? { op: 'above', threshold: built.change.tolerance } : undefined),
  memoryFields: ['valueSinceMs', 'previousValue'],
  templateVariables: [
    { name: 'previous', only: 'change rules', applies: (entry) => entry.change !== undefined },
    { name: 'secondsSinceChange', only: 'change rules', applies: (entry) => entry.change !== undefined },
  ],
  versionPart: (definition) => definition.change && ['change', definition.change],
  compile: (rule) => {
    const { windowSeconds, tolerance, direction } = kindSpec(rule, 'change');
    if (!(windowSeconds > 0) || !(tolerance >= 0) || !Number.isFinite(windowSeconds + tolerance)) {
      throw new Error('change needs a window above 0 and a finite tolerance of 0 or more');
    }
    const windowMs = windowSeconds * 1000;
    /**
     * The reading at `atMs` of a series holding `value` since `held.valueSinceMs`; only when
     * `mayStart` can it start an alert. `keep` is the memory to store (none on a sweep).
     */
    const judge = (atMs: number, value: number, held: SeriesMemory, mayStart: boolean, keep?: SeriesMemory): SampleReading => {
      const within = held.previousValue !== undefined && atMs - held.valueSinceMs! < windowMs;
      const detail = { current: value, previous: numberOr(held.previousValue), secondsSinceChange: (atMs - held.valueSinceMs!) / 1000 };
      return { atMs, value, fireMet: within && mayStart, clearMet: !within, detail, memory: keep };
    };
    return {
      read: (sample, prior) => {
        const known = prior.valueSinceMs !== undefined;
        const before = numberOr(prior.lastValue);
        const changed = known && !sameValue(sample.value, before, tolerance) && movesAs(direction, before, sample.value);
        const memory: SeriesMemory = changed
          ? { valueSinceMs: sample.atMs, previousValue: numberOr(prior.lastValue) }
          : known
            ? memoryOf(prior)
            : { valueSinceMs: sample.atMs };
        return judge(sample.atMs, sample.value, memory, changed || prior.status !== 'inactive', memory);
      },
      sweep: (compiled, untouched, _written, nowMs) => sweepChanges(compiled, untouched, nowMs, (prior) => judge(nowMs, numberOr(prior.lastValue), prior, true)),
      // Without a tolerance or a direction the last value only moves with a change (which is memory),
      // so none is judged against a lagging last value.
      latestSampleMayLag: tolerance === 0 && direction === undefined,
      reason: (event, { value, detail }) => {
        if (event.kind === 'resolved') return `${rule.metric} unchanged for ${formatDuration(detail?.secondsSinceChange ?? windowSeconds)}`;
        const held = event.heldMs > 0 ? `, changing for ${formatDuration(event.heldMs / 1000)}` : '';
        return `${rule.metric} changed from ${formatNumber(detail?.previous ?? NaN)} to ${formatNumber(value)}${held}`;
      },
    };
  },
};

function changeSpec(change: unknown, report: ReportIssue): ChangeSpec | undefined {
  if (typeof change !== 'object' || change === null) return undefined; // the schema says what is wrong
  const { window, tolerance = 0, direction } = change as { window?: unknown; tolerance?: unknown; direction?: unknown };
  const windowSeconds = positiveSeconds(window);
  const way = direction === undefined ? undefined : knownName(direction, CHANGE_DIRECTIONS, ['change', 'direction'], 'direction', report);
  if (direction !== undefined && way === undefined) return undefined;
  if (typeof tolerance !== 'number') return undefined;
  if (!(Number.isFinite(tolerance) && tolerance >= 0)) {
    report(['change', 'tolerance'], `must be a number of 0 or more (how far the value may move without counting as a change), got ${tolerance}`);
    return undefined;
  }
  if (!windowSeconds) return undefined;
  return way ? { windowSeconds, tolerance, direction: way } : { windowSeconds, tolerance };
}

/** Whether the move from `before` to `after` goes the way `direction` asks (any way when unset; NaN on either side counts). */
function movesAs(direction: ChangeDirection | undefined, before: number, after: number): boolean {
  if (direction === undefined || Number.isNaN(before) || Number.isNaN(after)) return true;
  return direction === 'down' ? after < before : after > before;
}

/**
 * The sweep: re-judges each pending or firing series that sent nothing in this call at `nowMs`,
 * so that an alert resolves once the window has passed even without samples. Only a change of
 * status or timers yields a state, so a quiet sweep writes nothing.
 */
function sweepChanges(compiled: CompiledRule, silent: readonly RuleState[], nowMs: number, readAt: (prior: RuleState) => ConditionReading): RuleOutcome {
  const outcome: RuleOutcome = { states: [], signals: [] };
  for (const prior of silent) {
    if (prior.status === 'inactive' || prior.valueSinceMs === undefined || !(nowMs > prior.lastSampleAtMs)) continue;
    const reading = readAt(prior);
    if (prior.status === 'firing' && reading.fireMet) continue;
    const transition = nextAlertState({ ...prior, ruleVersion: compiled.rule.version }, reading, compiled.timing);
    const next = transition.state;
    if (next.status === prior.status && next.pendingSinceMs === prior.pendingSinceMs && next.clearingSinceMs === prior.clearingSinceMs) continue;
    const state: RuleState = { ...next, lastValue: prior.lastValue, lastSampleAtMs: prior.lastSampleAtMs, ...memoryOf(prior) };
    outcome.states.push(state);
    if (transition.event) addSignal(outcome, buildSignal(compiled, state, transition.event, reading));
  }
  return outcome;
}

/** What a change rule remembers of a series, as its state has it (only the fields that are set). */
function memoryOf(state: RuleState): SeriesMemory {
  return state.previousValue === undefined ? { valueSinceMs: state.valueSinceMs! } : { valueSinceMs: state.valueSinceMs!, previousValue: state.previousValue };
}

/** Whether two successive values are the same, within `tolerance`; NaN is the same as NaN. */
function sameValue(value: number, previous: number, tolerance: number): boolean {
  if (value === previous || (Number.isNaN(value) && Number.isNaN(previous))) return true;
  return Math.abs(value - previous) <= tolerance;
}

/** A number as persisted: JSON turns NaN into null, which is read back as NaN. */
function numberOr(value: number | null | undefined): number {
  return typeof value === 'number' ? value : NaN;
}
