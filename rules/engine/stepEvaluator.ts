/**
 * The rules engine for replays (`rules backtest`): the same decisions as calling `evaluate` once per
 * step with that step's samples and the states it returned, without what makes `evaluate` costly per
 * sample when every call starts from a map of states and a flat list of samples.
 *
 * - A series is resolved once (StepEvaluator.series): its canonical labels, the rules whose metric
 *   and matchers it satisfies, and per rule its fingerprint and state. A sample is then only added
 *   to its series' list for the step.
 * - Per step, each rule that reads samples (every kind but the group aggregate) runs its kind's
 *   reader and the alert state machine over its series' samples, as evaluateSeries does; the
 *   states stay on the series (no map of fingerprints), and the kind's sweeps get the rule's own
 *   states that sent nothing in the step, in the order `evaluate`'s prior map would list them.
 *   A run (one rule over one series) is read only when a sample of the step can change it: a
 *   memoryless rule's series without a state stays so while its samples do not breach, and those
 *   cost one comparison as they are added (most samples of a replay).
 * - Rules without a reader (aggregates judge many series together) are handed to `evaluate` itself,
 *   restricted to them, with their samples of the step in arrival order.
 * - Where a step's samples are kept is laid out for the cache: a replay of 100 hosts touches 800
 *   series a step, and every object a sample reaches first in a step is a likely cache miss there
 *   (a CPU profile of 100 hosts against 20 puts the growth on exactly those loads). So the step's
 *   samples go to columns shared by every series (one series' samples linked through `next`), not to
 *   arrays of each series, and a series whose rules are all memoryless and hold no state tests a
 *   sample with one shared function (`breaches`) without reaching its runs.
 * - The signals of a step come out in `evaluate`'s order: by time, then rule by rule in the order
 *   their first sample arrived, series by series in the same way, then the sweeps in rule order
 *   (the rules' order worked out only for a step with more than one signal).
 *
 * Pure: no I/O, no clock but each step's `nowMs`. `test/rules/stepEvaluator.test.ts` runs it beside
 * `evaluate` over generated histories and requires the same signals in the same order.
 */
import { canonicalLabels } from '../../contract/labels.js';
import type { RuleState, SeriesSample, Signal } from '../model/ruleTypes.js';
import { nextAlertState } from './alertStateMachine.js';
import { buildSignal } from './buildSignal.js';
import type { CompiledRule, SampleReader } from './compiledRule.js';
import type { CompiledRuleSet } from './compileRules.js';
import { ruleKindOf } from '../kinds/registry.js';
import { evaluate } from './evaluate.js';
import { isForgettable } from './isForgettable.js';
import { freshState } from './ruleOutcome.js';
import { SWEEP_MS } from './sweepRules.js';

/** One series as the step evaluator knows it; get one from StepEvaluator.series, once per series. */
export interface StepSeries {
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Whether some rule reads its samples (`add` passes over the samples of a series none reads). */
  readonly read: boolean;
}

/** Evaluates a rule set step by step, as repeated `evaluate` calls would (see the module comment). */
export interface StepEvaluator {
  /**
   * The series of `metric` and `labels` (the same object for the same canonical labels), whose
   * samples are read with `intervalMs` as their source's reporting interval (0: unknown).
   */
  series(metric: string, labels: Readonly<Record<string, string>>, intervalMs: number): StepSeries;
  /** Adds a sample of `series` to the current step. Samples of a step may come in any order. */
  add(series: StepSeries, atMs: number, value: number, text?: string): void;
  /** Evaluates the step's samples at `nowMs` (the `nowMs` of `evaluate`) and returns its signals in `evaluate`'s order. */
  step(nowMs: number): Signal[];
}

/** A signal and where `evaluate` would have collected it, to order the signals of a step. */
interface Ordered {
  signal: Signal;
  /** 0: raised by a sample (in rule, then series order); 1: raised by a sweep (in rule order). */
  phase: 0 | 1;
  /** The rule's rank (phase 0: filled in from `runner` only when the step has signals to order) or sweep index. */
  first: number;
  second: number;
  /** Phase 0: the rule that raised it. */
  runner?: RuleRunner;
}

interface Series extends StepSeries {
  read: boolean;
  readonly key: string;
  readonly intervalMs: number;
  readonly runs: Run[];
  /** Whether a rule evaluated by `evaluate` itself watches it: its samples then also go to that call. */
  readonly delegated: boolean;
  /**
   * When every run's rule is memoryless (RuleRunner.fires): whether a value breaches one of them.
   * While no run holds a state, a sample for which it says no leaves every run as it was.
   */
  readonly breaches: ((value: number) => boolean) | undefined;
  /** How many of its runs hold a state (kept by `keep`). */
  statefulRuns: number;
  /** Its samples of the step: `count` of them in the step's columns (StepSamples), from `first` on through `next`; `last` the newest added. */
  first: number;
  last: number;
  count: number;
  /** The one sample object the readers get, refilled for each reading (a reader keeps nothing of it). */
  readonly sample: SeriesSample;
  /** The step its batch belongs to; an older mark means an empty batch. */
  stepMark: number;
  /** Its position among the step's series, by their first sample. */
  position: number;
}

/** One reading rule over one series: the state `evaluate` would keep under the series' fingerprint. */
interface Run {
  readonly rule: RuleRunner;
  readonly series: Series;
  readonly fingerprint: string;
  state: RuleState | undefined;
  /** The step in which a state of this run was last returned (touched, so not swept). */
  touchedStep: number;
  /** The step in which a sample made this run worth reading (see StepEvaluator.add); an older mark: not yet. */
  dirtyStep: number;
}

/**
 * The samples of a step, every series' together, by position in the order they were added; a
 * series' next sample of the step at `next[position]` (-1: none). Reused from step to step.
 */
interface StepSamples {
  readonly times: number[];
  readonly values: number[];
  readonly texts: Array<string | undefined>;
  readonly next: number[];
  length: number;
}

/** A rule whose kind reads samples, with its kept states in the order `evaluate`'s prior map lists them. */
interface RuleRunner {
  readonly compiled: CompiledRule;
  readonly read: SampleReader;
  /**
   * For kinds that keep no memory (threshold, status), which judge each sample alone: the prior
   * state handed to their reader for a series without a state. Such a series stays without one
   * while its fire condition does not hold (inactive, forgettable, no signal), so those samples
   * cost one reading and nothing else.
   */
  readonly blank: RuleState | undefined;
  /** With `blank`: whether a sample's value breaches, without a reading (KindBehaviour.firesAt). */
  readonly fires: ((value: number) => boolean) | undefined;
  readonly sweepIndex: number;
  /** Its position among the rule set's runners (names a list of runners: breachTest). */
  readonly id: number;
  readonly live: Map<Run, true>;
  readonly byFingerprint: Map<string, Run>;
  lastSweepMs: number | undefined;
  /** The step its `batchRuns` belong to; an older mark means none yet. */
  stepMark: number;
  /** The step its `rank` was given in. */
  rankMark: number;
  /** The rule's rank among the step's rules, by the first sample routed to it (given only when a step's signals need ordering). */
  rank: number;
  /** The runs of the step whose samples can change something (see StepEvaluator.add; emptied, not replaced, each step). */
  readonly batchRuns: Run[];
  /** applyRule's states to keep, by run (arrays reused from step to step). */
  readonly stagedRuns: Run[];
  readonly stagedStates: RuleState[];
}

/** A step evaluator over `ruleSet` starting from no state. */
export function createStepEvaluator(ruleSet: CompiledRuleSet): StepEvaluator {
  const sweepOrder = new Map([...ruleSet.swept.keys()].map((name, index) => [name, index] as const));
  const runners = new Map<CompiledRule, RuleRunner>();
  const delegated: CompiledRule[] = [];
  for (const list of ruleSet.byMetric.values()) {
    for (const compiled of list) {
      if (compiled.read && !compiled.applySamples) {
        const blank = ruleKindOf(compiled.rule).memoryFields.length === 0 ? freshState(compiled.rule, '', {}) : undefined;
        runners.set(compiled, { compiled, read: compiled.read, blank, fires: blank && compiled.firesAt, sweepIndex: sweepOrder.get(compiled.rule.name) ?? -1, id: runners.size, live: new Map(), byFingerprint: new Map(), lastSweepMs: undefined, stepMark: -1, rankMark: -1, rank: 0, batchRuns: [], stagedRuns: [], stagedStates: [] });
      } else delegated.push(compiled);
    }
  }
  const swept = [...runners.values()].filter((runner) => runner.sweepIndex >= 0).sort((a, b) => a.sweepIndex - b.sweepIndex);
  const delegatedSet = delegatedRuleSet(ruleSet, delegated);
  const delegatedStates = new Map<string, RuleState>();
  let delegatedBatch: SeriesSample[] = [];
  const seriesByKey = new Map<string, Series>();
  // One `breaches` per list of memoryless rules, shared by the series of that list (hot in the cache).
  const breachTests = new Map<string, (value: number) => boolean>();
  const samples: StepSamples = { times: [], values: [], texts: [], next: [], length: 0 };
  let batchSeries: Series[] = [];
  // The rules with runs to read in this step, in no particular order (signals are ordered by rank).
  let dirtyRunners: RuleRunner[] = [];
  let stepNumber = 0;

  const series = (metric: string, labels: Readonly<Record<string, string>>, intervalMs: number): StepSeries => {
    const key = `${metric}\u0000${canonicalLabels(labels)}`;
    const known = seriesByKey.get(key);
    if (known) return known;
    const candidates = rulesOf(ruleSet, metric, labels);
    const reading = candidates.map((compiled) => runners.get(compiled)).filter((runner) => runner !== undefined);
    const created: Series = {
      metric,
      labels,
      key: canonicalLabels(labels),
      intervalMs,
      runs: [],
      delegated: candidates.some((c) => !runners.has(c)),
      breaches: breachTest(reading, breachTests),
      statefulRuns: 0,
      first: -1,
      last: -1,
      count: 0,
      sample: { metric, labels, value: NaN, atMs: NaN, text: undefined, intervalMs },
      stepMark: -1,
      position: 0,
      read: false,
    };
    for (const runner of reading) {
      const { compiled } = runner;
      const run: Run = { rule: runner, series: created, fingerprint: compiled.fingerprintOf(created.key, labels), state: undefined, touchedStep: -1, dirtyStep: -1 };
      created.runs.push(run);
      runner.byFingerprint.set(run.fingerprint, run);
    }
    created.read = created.delegated || created.runs.length > 0;
    seriesByKey.set(key, created);
    return created;
  };

  const add = (handle: StepSeries, atMs: number, value: number, text?: string): void => {
    const s = handle as Series;
    if (!s.read) return;
    if (s.stepMark !== stepNumber) {
      s.stepMark = stepNumber;
      s.position = batchSeries.length;
      s.count = 0;
      batchSeries.push(s);
    }
    const i = samples.length++;
    samples.times[i] = atMs;
    samples.values[i] = value;
    samples.texts[i] = text;
    samples.next[i] = -1;
    if (s.count++ === 0) s.first = i;
    else samples.next[s.last] = i;
    s.last = i;
    // A run is read in the step once one of its samples can change something: always, but for a
    // memoryless rule's series without a state, whose samples that do not breach leave it as it was
    // (applyRule passes over them too). Most samples of a replay are such: they cost this test only,
    // made once for all the series' rules when none of them holds a state.
    if (s.statefulRuns === 0 && s.breaches !== undefined && !s.breaches(value)) {
      if (s.delegated) delegate(s, atMs, value, text);
      return;
    }
    for (const run of s.runs) {
      if (run.dirtyStep === stepNumber) continue;
      const runner = run.rule;
      if (run.state === undefined && runner.fires !== undefined && !runner.fires(value)) continue;
      run.dirtyStep = stepNumber;
      if (runner.stepMark !== stepNumber) {
        runner.stepMark = stepNumber;
        runner.batchRuns.length = 0;
        dirtyRunners.push(runner);
      }
      runner.batchRuns.push(run);
    }
    if (s.delegated) delegate(s, atMs, value, text);
  };
  const delegate = (s: Series, atMs: number, value: number, text: string | undefined): void => {
    delegatedBatch.push(text === undefined ? { metric: s.metric, labels: s.labels, value, atMs, intervalMs: s.intervalMs } : { metric: s.metric, labels: s.labels, value, atMs, text, intervalMs: s.intervalMs });
  };

  const step = (nowMs: number): Signal[] => {
    const current = stepNumber;
    const ordered: Ordered[] = [];
    for (const runner of dirtyRunners) applyRule(runner, current, samples, ordered);
    if (delegatedSet) {
      const result = evaluate(delegatedSet, delegatedBatch, delegatedStates, nowMs);
      for (const state of result.states) {
        if (isForgettable(state)) delegatedStates.delete(state.fingerprint);
        else delegatedStates.set(state.fingerprint, state);
      }
      result.signals.forEach((signal, index) => ordered.push({ signal, phase: 1, first: sweepOrder.get(signal.ruleName) ?? -1, second: index }));
    }
    for (const runner of swept) {
      if (runner.lastSweepMs === undefined || nowMs - runner.lastSweepMs >= (runner.compiled.sweepEveryMs ?? SWEEP_MS)) sweepRule(runner, current, nowMs, ordered);
    }
    if (ordered.length > 1) {
      rankRules(batchSeries, current);
      for (const o of ordered) if (o.runner) o.first = o.runner.rank;
      ordered.sort(byCollectionOrder);
    }
    stepNumber++;
    samples.length = 0;
    batchSeries = [];
    dirtyRunners = [];
    delegatedBatch = [];
    return ordered.map((o) => o.signal);
  };

  return { series, add, step };
}

/**
 * Ranks the rules of the step's series in the order their first sample arrived (evaluate's routing
 * order), every rule a series of the step matches, whether or not its samples were read.
 */
function rankRules(batchSeries: readonly Series[], current: number): void {
  let rank = 0;
  for (const s of batchSeries) {
    for (const run of s.runs) {
      const runner = run.rule;
      if (runner.rankMark === current) continue;
      runner.rankMark = current;
      runner.rank = rank++;
    }
  }
}

/** The rules of `ruleSet` that read the series of `metric` and `labels`. */
function rulesOf(ruleSet: CompiledRuleSet, metric: string, labels: Readonly<Record<string, string>>): CompiledRule[] {
  return (ruleSet.byMetric.get(metric) ?? []).filter((compiled) => compiled.matches(labels));
}

/** Whether some rule of `ruleSet` reads the series of `metric` and `labels` (StepSeries.read of a step evaluator over it). */
export function readsSeries(ruleSet: CompiledRuleSet, metric: string, labels: Readonly<Record<string, string>>): boolean {
  return rulesOf(ruleSet, metric, labels).length > 0;
}

/** Time first, then the order `evaluate` collects signals in (its final sort by time is stable). */
function byCollectionOrder(a: Ordered, b: Ordered): number {
  return a.signal.atMs - b.signal.atMs || a.phase - b.phase || a.first - b.first || a.second - b.second;
}

/** The rules `evaluate` itself runs (kinds without a reader), with the compiled rules of the whole set (their inhibition included). */
function delegatedRuleSet(ruleSet: CompiledRuleSet, delegated: readonly CompiledRule[]): CompiledRuleSet | undefined {
  if (delegated.length === 0) return undefined;
  const names = new Set(delegated.map((compiled) => compiled.rule.name));
  const byMetric = new Map<string, CompiledRule[]>();
  for (const compiled of delegated) {
    const list = byMetric.get(compiled.rule.metric);
    if (list) list.push(compiled);
    else byMetric.set(compiled.rule.metric, [compiled]);
  }
  return {
    rules: ruleSet.rules.filter((rule) => names.has(rule.name)),
    byMetric,
    broken: new Map(),
    swept: new Map([...ruleSet.swept].filter(([name]) => names.has(name))),
  };
}

/**
 * One rule's samples of the step, series by series (evaluateSeries). As in `evaluate`, a rule that
 * throws loses its whole outcome of the step: states are committed only after every series ran.
 */
function applyRule(runner: RuleRunner, current: number, samples: StepSamples, ordered: Ordered[]): void {
  const { compiled, read, blank, fires } = runner;
  const { rule, timing } = compiled;
  // The states to keep, run by run (`stagedRuns[i]` gets `stagedStates[i]`), reused from step to step.
  const stagedRuns = runner.stagedRuns;
  const stagedStates = runner.stagedStates;
  stagedRuns.length = 0;
  stagedStates.length = 0;
  const signals: Ordered[] = [];
  try {
    for (const run of runner.batchRuns) {
      const s = run.series;
      const { sample } = s;
      const { times, values, texts } = samples;
      const before = run.state;
      // Undefined while a memoryless rule's series has no state and its samples do not breach.
      let state: RuleState | undefined = before ?? (blank ? undefined : freshState(rule, run.fingerprint, s.labels));
      let lastSampleAtMs = state ? state.lastSampleAtMs : -Infinity;
      let applied = false;
      const order = s.count === 1 ? undefined : inTimeOrder(samples, s.first);
      for (let k = 0; k < s.count; k++) {
        const i = order === undefined ? s.first : order[k]!;
        const atMs = times[i]!;
        if (atMs <= lastSampleAtMs) continue;
        lastSampleAtMs = atMs;
        applied = true;
        if (state === undefined && fires !== undefined && !fires(values[i]!)) continue;
        sample.atMs = atMs;
        sample.value = values[i]!;
        sample.text = texts[i];
        const reading = read(sample, state ?? blank!);
        if (state === undefined) {
          if (!reading.fireMet) continue;
          state = freshState(rule, run.fingerprint, s.labels);
        }
        const transition = nextAlertState(state, reading, timing, sample.intervalMs, reading.memory);
        state = transition.state;
        if (transition.event) signals.push({ signal: buildSignal(compiled, state, transition.event, reading, sample.text).signal, phase: 0, first: 0, second: s.position, runner });
      }
      if (state && applied && (before || !isForgettable(state))) {
        stagedRuns.push(run);
        stagedStates.push(state);
      }
    }
  } catch {
    return;
  }
  for (let i = 0; i < stagedRuns.length; i++) keep(runner, stagedRuns[i]!, stagedStates[i]!, current);
  for (const signal of signals) ordered.push(signal);
}

/** The rule's sweep at `nowMs` over its kept states that got no sample in this step (sweepRules.ts). */
function sweepRule(runner: RuleRunner, current: number, nowMs: number, ordered: Ordered[]): void {
  const { compiled } = runner;
  const untouched: RuleState[] = [];
  for (const run of runner.live.keys()) if (run.touchedStep !== current) untouched.push(run.state!);
  try {
    const outcome = compiled.sweep!(compiled, untouched, [], nowMs);
    for (const state of outcome.states) {
      const run = runner.byFingerprint.get(state.fingerprint);
      if (run) keep(runner, run, state, current);
    }
    outcome.signals.forEach((signal, index) => ordered.push({ signal, phase: 1, first: runner.sweepIndex, second: index }));
    runner.lastSweepMs = nowMs;
  } catch {
    // As in evaluate: the rule's sweep outcome, its record included, is dropped.
  }
}

/** Stores a state a step returned for `run`, or forgets it, as the collector's map of states would. */
function keep(runner: RuleRunner, run: Run, state: RuleState, current: number): void {
  run.touchedStep = current;
  // A run is in `live` exactly while it has a state (only this function sets one).
  const wasLive = run.state !== undefined;
  if (isForgettable(state)) {
    run.state = undefined;
    if (wasLive) {
      runner.live.delete(run);
      run.series.statefulRuns--;
    }
  } else {
    run.state = state;
    if (!wasLive) {
      runner.live.set(run, true);
      run.series.statefulRuns++;
    }
  }
}

/** The positions of a series' samples of the step, from `first` on, in time order (equal times in the order they were added). */
function inTimeOrder(samples: StepSamples, first: number): number[] {
  const positions: number[] = [];
  for (let i = first; i !== -1; i = samples.next[i]!) positions.push(i);
  const { times } = samples;
  for (let k = 1; k < positions.length; k++) {
    if (times[positions[k]!]! < times[positions[k - 1]!]!) return positions.sort((a, b) => times[a]! - times[b]!);
  }
  return positions;
}

/**
 * For `reading`, rules that are all memoryless (RuleRunner.fires): whether a value breaches one of
 * them; one function per list of rules, kept in `tests`. Undefined when one of them has memory.
 */
function breachTest(reading: readonly RuleRunner[], tests: Map<string, (value: number) => boolean>): ((value: number) => boolean) | undefined {
  if (!reading.every((runner) => runner.fires !== undefined)) return undefined;
  const key = reading.map((runner) => runner.id).join(',');
  let test = tests.get(key);
  if (test === undefined) {
    const fires = reading.map((runner) => runner.fires!);
    test = fires.length === 1 ? fires[0]! : (value) => fires.some((fire) => fire(value));
    tests.set(key, test);
  }
  return test;
}
