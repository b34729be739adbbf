/**
 * The shapes the engine and the rule kinds meet on: a rule compiled for evaluation, the work one
 * call hands it, and what it gives back. Types only, so that the kinds and the engine can both
 * depend on them without depending on each other.
 */
import type { LabelPredicate } from '../labels/compileLabelMatchers.js';
import type { Rule, RuleState, SeriesMemory, SeriesSample, Signal } from '../model/ruleTypes.js';
import type { CompiledTemplate } from '../template/renderTemplate.js';
import type { AlertEvent, AlertTiming, ConditionReading } from './alertStateMachine.js';

/** One rule ready to evaluate: what every rule has, plus the behaviour its kind supplies. */
export interface CompiledRule extends KindBehaviour {
  rule: Rule;
  matches: LabelPredicate;
  timing: AlertTiming;
  /**
   * The fingerprint of a series of this rule, given a canonical key of its labels. Memoized (hashing
   * is the costliest step of evaluation); the memo only ever returns what `fingerprint` would.
   */
  fingerprintOf(seriesKey: string, labels: Readonly<Record<string, string>>): string;
  /**
   * For kinds that keep no memory and tell a breach from the value alone (KindBehaviour.firesAt,
   * and no memory fields): that test. A series without a state whose samples do not breach stays
   * inactive and without memory, so it gets no state and no signal, and its samples need no reading
   * (most series of a healthy fleet, every report).
   */
  quiet?: (value: number) => boolean;
  summary: CompiledTemplate;
  description: CompiledTemplate;
  /** The rules that inhibit this one, carried on its signals; absent when none does. */
  inhibition?: Signal['inhibition'];
}

/**
 * What a rule kind makes of one rule (RuleKind.compile). The engine calls these and nothing else,
 * so it never asks which kind a rule is.
 */
export interface KindBehaviour {
  /**
   * Reads the rule's condition at one sample of a series. Used by the default per-series
   * evaluation (evaluateSeries.ts); window, rate and prediction rules produce the same kind of
   * reading as plain ones, so the state machine does not change.
   */
  read?: SampleReader;
  /**
   * For kinds whose reading of a sample depends on nothing the series remembers (threshold,
   * status): whether the fire condition holds at a sample of `value`, as `read(sample, state).fireMet`
   * says for any state, without making a reading. The step evaluator passes over the samples of a
   * series without a state that do not breach with this alone.
   */
  firesAt?: (value: number) => boolean;
  /**
   * For the step evaluator, which writes a reading that keeps an inactive state inactive into the
   * state it made (keepStatusInPlace): `read(sample, state)` where `state` is such a state (inactive,
   * no timers; no one else holds it or its memory). When the fire condition does not hold, writes
   * what keepStatusInPlace would (lastValue, lastSampleAtMs and the kind's memory) into `state` and
   * returns undefined, without making a reading; otherwise returns the reading and leaves `state` as
   * it was. For kinds whose readings are objects of their own (predictions, which read every sample
   * of a filesystem three times in the built-in pack): most of a replay's readings keep the state.
   */
  readKept?: (sample: SeriesSample, state: RuleState) => SampleReading | undefined;
  /** Replaces the per-series evaluation for kinds that do not judge sample by sample (aggregates). */
  applySamples?: ApplySamples;
  /**
   * Time-driven work, run about once a second whether or not samples came (see sweepRules.ts). For
   * kinds with a reader it judges each state alone (the outcome over a list is the outcomes over
   * each of its states, in order): the step evaluator sweeps one series at a time (stepEvaluator.ts).
   */
  sweep?: SweepRule;
  /**
   * The shortest time between two sweeps of the rule; SWEEP_MS when unset. Kinds whose sweep only
   * forgets memory that has aged out of a long window need not look every second.
   */
  sweepEveryMs?: number;
  /** The readable reason of a signal, e.g. "filesystem_used_ratio 0.93 above 0.9 for 5m". */
  reason: ReasonText;
  /**
   * Whether a state whose only change is its latest sample (lastValue, lastSampleAtMs, new points of
   * `recent`) may reach the store later than the sample (engine/latestSampleChange.ts): only when
   * nothing the rule decides depends on them. Absent rules measure silence from the last sample and
   * aggregates the staleness of members, so they leave it unset (false); change rules with a
   * tolerance compare each value with the last one.
   */
  latestSampleMayLag?: boolean;
  /**
   * How far back the kind's memory of a series reaches (a window's or a prediction's span), for
   * kinds whose latest-sample change is a new point in that memory: a point lost in a crash weighs
   * less the longer the span, so the collector may write such changes of a long window less often
   * (alertPipeline.ts, checkpointIntervalMs). Unset: no such memory.
   */
  memorySpanMs?: number;
  /**
   * Whether the sweep judges series of many hosts together (aggregate groups). Collectors sharing a
   * store each hold only the series of the hosts that report to them, so one of them judges such a
   * rule for all, from the states every collector wrote (splitCrossHostSweeps).
   */
  crossHost?: boolean;
}

/**
 * Reads a rule's condition at `sample`, given the series' state before it (inactive and empty for a
 * new series). A reader keeps nothing of `sample` itself (the step evaluator refills one object per reading).
 */
export type SampleReader = (sample: SeriesSample, prior: RuleState) => SampleReading;

/** A reading, and what the kind keeps of the series for its next one (added to the new state). */
export interface SampleReading extends ConditionReading {
  /** Only defined values: a JSON round trip must give the same state. */
  memory?: SeriesMemory;
}

/** Applies one call's samples of a rule, per series, continuing from the prior states (by fingerprint). */
export type ApplySamples = (
  compiled: CompiledRule,
  /** Each series once. */
  series: Iterable<SeriesWork>,
  prior: ReadonlyMap<string, RuleState>,
  stats: EvaluationStats,
) => RuleOutcome;

/**
 * One sweep of a rule at `nowMs`: `untouched` are its prior states whose series sent nothing in
 * this call, `written` the states this call already produced for it.
 */
export type SweepRule = (compiled: CompiledRule, untouched: readonly RuleState[], written: readonly RuleState[], nowMs: number) => RuleOutcome;

/** The reason text of a signal for `event`, raised when `reading` was applied. */
export type ReasonText = (event: AlertEvent, reading: ConditionReading) => string;

/** One series of one rule and the samples of it in this call. */
export interface SeriesWork {
  /** The canonical labels of the series (contract/labels.ts). */
  key: string;
  labels: Readonly<Record<string, string>>;
  samples: SeriesSample[];
}

/** Counters for the collector's own metrics. */
export interface EvaluationStats {
  /** Samples applied to a rule (a sample matching two rules counts twice). */
  applied: number;
  /** Samples at or before their series' last applied sample: replayed or out of order. */
  ignoredStale: number;
  /** Samples more than MAX_FUTURE_SKEW_MS ahead of `nowMs`. */
  ignoredFuture: number;
}

/** The states changed and signals raised by one rule in one call; `error` marks the rule unhealthy. */
export interface RuleOutcome {
  states: RuleState[];
  /**
   * Beside `states`, when the kind's evaluation looked them up (evaluateSeries): the state each one
   * replaced (undefined for a new series). evaluate compares each changed state with the one it
   * replaced (latestSampleOnly) and finds it here instead of by its fingerprint in a map of every
   * state the collector holds (a hash lookup in a table of 130,000 at 10,000 agents, which misses
   * the processor's caches: 3.5 % of the event loop's busy time at saturation before; see
   * docs/performance-history.md, "CPU per report", session 50). Without it, evaluate looks each up.
   */
  replaced?: Array<RuleState | undefined>;
  signals: Signal[];
  error?: string;
}
