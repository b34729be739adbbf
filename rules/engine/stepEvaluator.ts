/**
 * The rules engine for replays (`rules backtest`): the same decisions as calling `evaluate` once per
 * step with that step's samples and the states it returned, without what makes `evaluate` costly per
 * sample when every call starts from a map of states and a flat list of samples.
 *
 * - A series is resolved once (StepEvaluator.series): its canonical labels, the rules whose metric
 *   and matchers it satisfies, and per rule its fingerprint and state. A sample is then only added
 *   to its series' records of the tile, after the series' previous one.
 * - Steps are evaluated in tiles (`close` each step, `evaluateClosed` a tile of them; `step` is a
 *   tile of one): series by series, each rule that reads samples (every kind but the group
 *   aggregate) runs its kind's reader and the alert state machine over the series' samples of every
 *   step of the tile in turn, as evaluateSeries would step by step, with the rule's sweep between
 *   the steps where it is due. What one rule decides for one series (a run) depends on no other
 *   series within a step, and a reading kind's sweep judges each state alone (CompiledRule.sweep),
 *   so a run can go through the whole tile while its memory (state, buffer, samples) is in the
 *   cache, instead of being reached once a step among every other series'.
 *   A run is read in a step only when one of its samples can change it: a memoryless rule's series
 *   without a state stays so while its samples do not breach (such steps are passed over in one
 *   loop over the values). A reading that keeps an inactive state inactive is written into the
 *   state the run made in the tile (keepStatusInPlace) instead of making one per sample; a kind
 *   with readKept (predictions) writes it there itself, with no reading object per sample.
 * - A rule that throws loses its outcome of the step it threw in, as with `evaluate`: a tile where
 *   a rule threw keeps nothing of that rule and evaluates it again one step at a time.
 * - Rules without a reader (aggregates judge many series together) are handed to `evaluate` itself,
 *   step by step, restricted to them, with their samples of the step in arrival order.
 * - The signals of each step come out in `evaluate`'s order: by time, then rule by rule in the
 *   order their first sample of the step arrived, series by series in the same way, then the sweeps
 *   in rule order, each over its states in the order they gained them (Run.liveKey); the ranks and
 *   positions are worked out only for a step with more than one signal.
 *
 * Pure: no I/O, no clock but each step's `nowMs`. `test/rules/stepEvaluator.test.ts` runs it beside
 * `evaluate` over generated histories, step by step and in tiles of random lengths, and requires
 * the same signals in the same order.
 */
import { canonicalLabels } from '../../contract/labels.js';
import type { RuleState, SeriesMemory, SeriesSample, Signal } from '../model/ruleTypes.js';
import { keepStatusInPlace, nextAlertState } from './alertStateMachine.js';
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
  /**
   * Closes the current step at `nowMs` without evaluating it yet: its samples wait for `evaluateClosed`
   * with those of the steps closed after it (a tile of steps, see the module comment).
   */
  close(nowMs: number): void;
  /**
   * Evaluates the closed steps and returns their signals, one list per step in the order they were
   * closed, each what `step` would have returned. Throws when samples were added after the last close.
   */
  evaluateClosed(): Signal[][];
}

/** A signal and where `evaluate` would have collected it, to order the signals of a step. */
interface Ordered {
  signal: Signal;
  /** 0: raised by a sample (in rule, then series order); 1: raised by a sweep (in rule order). */
  phase: 0 | 1;
  /** Phase 0: the rule's rank among the step's rules (filled in only when the step has signals to order); phase 1: the sweep index. */
  first: number;
  /** Phase 0: the series' position among the step's series (filled in with `first`); phase 1: the state's place in the sweep (Run.liveKey) or the signal's index. */
  second: number;
  /** Phase 1: the signal's index among those of one state's sweep. */
  third: number;
  /** The rule that raised it (undefined for the rules `evaluate` itself runs). */
  runner: RuleRunner | undefined;
  /** Phase 0: the series whose sample raised it. */
  series: Series | undefined;
}

interface Series extends StepSeries {
  read: boolean;
  readonly key: string;
  readonly intervalMs: number;
  readonly runs: Run[];
  /** Whether a rule evaluated by `evaluate` itself watches it: its samples then also go to that call. */
  readonly delegated: boolean;
  /**
   * Its samples of the tile in the order added, side by side, so that the evaluation of the series
   * reads them in a row (in the tile's order added, a series' samples are far apart: a cache miss
   * each at 100 hosts): sample `k`'s time, value, step of the tile, position in the tile
   * (TileSamples) and text in TileSamples.texts (-1: none) are `records[RECORD * k ..]`, `count` of
   * them. Reused from tile to tile.
   */
  records: Float64Array;
  count: number;
  /** The tile its samples belong to; an older mark means none yet. */
  tileMark: number;
  /** The one sample object the readers get, refilled for each reading (a reader keeps nothing of it). */
  readonly sample: SeriesSample;
  /** The step its `position` was given in. */
  positionMark: number;
  /** Its position among the step's series, by their first sample (given only when a step's signals need ordering). */
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
  /**
   * While it has a state, its place in the order `evaluate`'s prior map lists the rule's states (the
   * order its sweep sees them): the number of the sample that made the run worth reading in the step
   * it gained its state. Within a step runs gain states in the order of those samples, and samples
   * are numbered in the order they were added, across steps.
   */
  liveKey: number;
}

/**
 * The samples of a tile, every series' together, by position in the order they were added (their
 * numbers are in their series' Series.records): sample `i`'s series is `series[i]`. Reused from tile to tile.
 */
interface TileSamples {
  /** The texts of the tile's samples that have one (status checks' output lines). */
  readonly texts: string[];
  readonly series: Series[];
  length: number;
}

/** The numbers of one sample in Series.records: time, value, step, position in the tile, text. */
const RECORD = 5;

/** A rule whose kind reads samples, with its kept states. */
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
  /** The memory fields of its kind (RuleKind.memoryFields), the only ones its states hold. */
  readonly memoryFields: readonly (keyof SeriesMemory)[];
  readonly sweepIndex: number;
  /** Its runs that hold a state (in `evaluate`'s order when sorted by Run.liveKey). */
  readonly live: Set<Run>;
  readonly byFingerprint: Map<string, Run>;
  lastSweepMs: number | undefined;
  /** The steps of the tile being evaluated in which the rule sweeps, in order (none for rules that do not sweep). */
  readonly due: number[];
  /** The step its `rank` was given in. */
  rankMark: number;
  /** The rule's rank among the step's rules, by the first sample routed to it (given only when a step's signals need ordering). */
  rank: number;
}

/** What a run ends a tile (or a step) with, to be kept once its rule's work of the tile has not thrown. */
interface RunEnd {
  run: Run;
  state: RuleState | undefined;
  touchedStep: number;
  liveKey: number;
  /**
   * Whether `state` was made in this evaluation and has reached nothing but this end, so that a
   * reading that keeps its status and timers is written into it (keepStatusInPlace) instead of
   * making a state per sample (most readings of a series' tile keep them). Only inactive states
   * nextAlertState made (most kept states: a healthy series' buffer), which have one shape per kind
   * of memory, so that the writes stay fast; the others are rare.
   */
  owned: boolean;
}

/**
 * A series' samples of the tile grouped by step (each run of the series reads them): samples
 * `[from[g], from[g + 1])` of `records` (in Series.records' layout: time, value, step, position in
 * the tile, text in `texts`) are those of step `stepOf[g]`, in time order. `records` is the
 * series' own records, which are in that order but when a step's samples came out of time order:
 * then a copy of them sorted (in `sorted`, reused), so that the usual tile copies nothing.
 */
interface StepGroups {
  records: Float64Array;
  /** The tile's texts (TileSamples.texts). */
  texts: readonly string[];
  readonly from: number[];
  readonly stepOf: number[];
  count: number;
  sorted: Float64Array;
}

/** Empty groups, to fill with groupByStep. */
function stepGroups(): StepGroups {
  return { records: new Float64Array(0), texts: [], from: [], stepOf: [], count: 0, sorted: new Float64Array(0) };
}

/** A step evaluator over `ruleSet` starting from no state. */
export function createStepEvaluator(ruleSet: CompiledRuleSet): StepEvaluator {
  const sweepOrder = new Map([...ruleSet.swept.keys()].map((name, index) => [name, index] as const));
  const runners = new Map<CompiledRule, RuleRunner>();
  const delegated: CompiledRule[] = [];
  for (const list of ruleSet.byMetric.values()) {
    for (const compiled of list) {
      if (compiled.read && !compiled.applySamples) {
        const { memoryFields } = ruleKindOf(compiled.rule);
        const blank = memoryFields.length === 0 ? freshState(compiled.rule, '', {}) : undefined;
        runners.set(compiled, { compiled, read: compiled.read, blank, fires: blank && compiled.firesAt, memoryFields, sweepIndex: sweepOrder.get(compiled.rule.name) ?? -1, live: new Set(), byFingerprint: new Map(), lastSweepMs: undefined, due: [], rankMark: -1, rank: 0 });
      } else delegated.push(compiled);
    }
  }
  const swept = [...runners.values()].filter((runner) => runner.sweepIndex >= 0).sort((a, b) => a.sweepIndex - b.sweepIndex);
  const delegatedSet = delegatedRuleSet(ruleSet, delegated);
  const delegatedStates = new Map<string, RuleState>();
  const seriesByKey = new Map<string, Series>();
  const samples: TileSamples = { texts: [], series: [], length: 0 };
  const groups = stepGroups();
  // The closed steps of the tile: each one's `nowMs`, where its samples start, and its samples for `evaluate` itself.
  let nows: number[] = [];
  let stepStarts: number[] = [0];
  let delegatedBatches: SeriesSample[][] = [];
  let delegatedBatch: SeriesSample[] = [];
  let tileSeries: Series[] = [];
  let tileNumber = 0;
  // The number of the tile's first step, and of its first sample, counted over all tiles.
  let firstStep = 0;
  let firstSample = 0;

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
      records: new Float64Array(RECORD * 16),
      count: 0,
      tileMark: -1,
      sample: { metric, labels, value: NaN, atMs: NaN, text: undefined, intervalMs },
      positionMark: -1,
      position: 0,
      read: false,
    };
    for (const runner of reading) {
      const { compiled } = runner;
      const run: Run = { rule: runner, series: created, fingerprint: compiled.fingerprintOf(created.key, labels), state: undefined, touchedStep: -1, liveKey: -1 };
      created.runs.push(run);
      runner.byFingerprint.set(run.fingerprint, run);
    }
    created.read = created.delegated || created.runs.length > 0;
    seriesByKey.set(key, created);
    return created;
  };

  // A sample only goes to its series' records of the tile here: what it changes is worked out
  // series by series when the tile is evaluated, while the series' memory is in the cache.
  const add = (handle: StepSeries, atMs: number, value: number, text?: string): void => {
    const s = handle as Series;
    if (!s.read) return;
    const i = samples.length++;
    samples.series[i] = s;
    if (s.tileMark !== tileNumber) {
      s.tileMark = tileNumber;
      s.count = 0;
      tileSeries.push(s);
    }
    if (RECORD * (s.count + 1) > s.records.length) {
      const grown = new Float64Array(2 * s.records.length);
      grown.set(s.records);
      s.records = grown;
    }
    const { records } = s;
    const at = RECORD * s.count++;
    records[at] = atMs;
    records[at + 1] = value;
    records[at + 2] = nows.length;
    records[at + 3] = i;
    if (text === undefined) records[at + 4] = -1;
    else {
      records[at + 4] = samples.texts.length;
      samples.texts.push(text);
    }
    if (s.delegated) delegatedBatch.push(text === undefined ? { metric: s.metric, labels: s.labels, value, atMs, intervalMs: s.intervalMs } : { metric: s.metric, labels: s.labels, value, atMs, text, intervalMs: s.intervalMs });
  };

  const close = (nowMs: number): void => {
    nows.push(nowMs);
    stepStarts.push(samples.length);
    delegatedBatches.push(delegatedBatch);
    delegatedBatch = [];
  };

  const evaluateClosed = (): Signal[][] => {
    if (samples.length > stepStarts[nows.length]!) throw new Error('the step evaluator was asked to evaluate its closed steps while the open one already has samples');
    const tile: Tile = { firstStep, firstSample, nows, samples, ordered: nows.map(() => []), failed: new Set() };
    for (const runner of swept) dueSteps(runner, nows);
    const ends: RunEnd[] = [];
    for (const s of tileSeries) evaluateSeries(tile, s, groupByStep(samples, s, groups), ends);
    // The states of swept rules whose series sent nothing in the tile still meet the rule's sweeps.
    const quiet = new Set<Series>();
    for (const runner of swept) for (const run of runner.live) if (run.series.tileMark !== tileNumber) quiet.add(run.series);
    groups.count = 0;
    for (const s of quiet) evaluateSeries(tile, s, groups, ends);
    for (const end of ends) if (!tile.failed.has(end.run.rule)) keep(end);
    for (const runner of swept) if (!tile.failed.has(runner)) runner.lastSweepMs = lastDue(runner, nows);
    // A rule that threw in the tile is evaluated again step by step, so that it loses only its
    // outcome of the step it threw in, as with `evaluate` (its signals of the tile dropped first).
    if (tile.failed.size > 0) {
      tile.ordered = tile.ordered.map((list) => list.filter((o) => o.runner === undefined || !tile.failed.has(o.runner)));
      for (const runner of tile.failed) stepByStep(tile, runner, tileSeries);
    }
    const signals = nows.map((nowMs, k) => {
      const ordered = tile.ordered[k]!;
      if (delegatedSet) {
        const result = evaluate(delegatedSet, delegatedBatches[k]!, delegatedStates, nowMs);
        for (const state of result.states) {
          if (isForgettable(state)) delegatedStates.delete(state.fingerprint);
          else delegatedStates.set(state.fingerprint, state);
        }
        result.signals.forEach((signal, index) => ordered.push({ signal, phase: 1, first: sweepOrder.get(signal.ruleName) ?? -1, second: index, third: 0, runner: undefined, series: undefined }));
      }
      if (ordered.length > 1) {
        rankStep(samples, stepStarts[k]!, stepStarts[k + 1]!, firstStep + k);
        for (const o of ordered) {
          if (o.phase === 1) continue;
          o.first = o.runner!.rank;
          o.second = o.series!.position;
        }
        ordered.sort(byCollectionOrder);
      }
      return ordered.map((o) => o.signal);
    });
    firstStep += nows.length;
    firstSample += samples.length;
    tileNumber++;
    samples.length = 0;
    samples.texts.length = 0;
    tileSeries = [];
    nows = [];
    stepStarts = [0];
    delegatedBatches = [];
    return signals;
  };

  const step = (nowMs: number): Signal[] => {
    close(nowMs);
    return evaluateClosed()[0]!;
  };

  return { series, add, step, close, evaluateClosed };
}

/** The tile being evaluated (StepEvaluator.evaluateClosed). */
interface Tile {
  /** The number of its first step and of its first sample, counted over all tiles (Run.touchedStep, Run.liveKey). */
  readonly firstStep: number;
  readonly firstSample: number;
  /** Each step's `nowMs`. */
  readonly nows: readonly number[];
  readonly samples: TileSamples;
  /** Per step, its signals as collected. */
  ordered: Ordered[][];
  /** The rules that threw in the tile. */
  readonly failed: Set<RuleRunner>;
}

/**
 * Every run of series `s` over the tile, step after step, its steps' samples in `groups`
 * (groupByStep; none for a series that sent nothing in the tile): what it ends the tile with goes
 * to `ends`, its signals to their steps. A rule that throws is marked failed and its runs passed over.
 */
function evaluateSeries(tile: Tile, s: Series, groups: StepGroups, ends: RunEnd[]): void {
  for (const run of s.runs) {
    const runner = run.rule;
    if (tile.failed.has(runner)) continue;
    const { due } = runner;
    if (groups.count === 0 && (due.length === 0 || run.state === undefined)) continue;
    const end: RunEnd = { run, state: run.state, touchedStep: run.touchedStep, liveKey: run.liveKey, owned: false };
    try {
      // Step after step: the step's samples, then the sweep if due and the run was not touched.
      let g = 0;
      if (due.length === 0 && runner.fires !== undefined) {
        // A memoryless rule that does not sweep: the steps of a series without a state whose samples
        // do not breach leave it so (applyStep), and are passed over in one loop over the values.
        for (; g < groups.count; g++) {
          if (end.state === undefined && (g = nextBreach(groups, g, runner.fires)) === groups.count) break;
          applyStep(tile, end, groups, g);
        }
      }
      for (const k of due) {
        for (; g < groups.count && groups.stepOf[g]! <= k; g++) applyStep(tile, end, groups, g);
        if (end.state !== undefined && end.touchedStep !== tile.firstStep + k) sweepOne(tile, end, k);
      }
      for (; g < groups.count; g++) applyStep(tile, end, groups, g);
    } catch {
      tile.failed.add(runner);
      continue;
    }
    ends.push(end);
  }
}

/**
 * One run's samples of one step (group `g`), as evaluateSeries runs one series of a rule: the run
 * is read only when one of them can change something (always, but for a memoryless rule's series
 * without a state, whose samples that do not breach leave it as it was). Updates `end`.
 */
function applyStep(tile: Tile, end: RunEnd, groups: StepGroups, g: number): void {
  const { run } = end;
  const runner = run.rule;
  const { compiled, read, blank, fires } = runner;
  const { rule, timing, readKept } = compiled;
  const s = run.series;
  const { sample } = s;
  const { records, texts } = groups;
  const from = RECORD * groups.from[g]!;
  const to = RECORD * groups.from[g + 1]!;
  const before = end.state;
  // The first sample (in the order added) that makes the run worth reading: its place in the live
  // order if the run gains a state in this step (Run.liveKey). `j` steps over records: a sample's
  // time is records[j], its value j + 1, its position in the tile j + 3, its text j + 4.
  let first = Infinity;
  if (before === undefined && fires !== undefined) {
    for (let j = from; j < to; j += RECORD) if (records[j + 3]! < first && fires(records[j + 1]!)) first = records[j + 3]!;
    if (first === Infinity) return;
  } else for (let j = from; j < to; j += RECORD) first = Math.min(first, records[j + 3]!);
  // Undefined while a memoryless rule's series has no state and its samples do not breach.
  let state: RuleState | undefined = before ?? (blank ? undefined : freshState(rule, run.fingerprint, s.labels));
  let owned = end.owned;
  let lastSampleAtMs = state ? state.lastSampleAtMs : -Infinity;
  let applied = false;
  const k = groups.stepOf[g]!;
  for (let j = from; j < to; j += RECORD) {
    const atMs = records[j]!;
    if (atMs <= lastSampleAtMs) continue;
    lastSampleAtMs = atMs;
    applied = true;
    const value = records[j + 1]!;
    if (state === undefined && fires !== undefined && !fires(value)) continue;
    const text = records[j + 4]!;
    sample.atMs = atMs;
    sample.value = value;
    sample.text = text === -1 ? undefined : texts[text];
    // An owned state is inactive without timers (RunEnd.owned): a reading that keeps it so is written into it by the kind.
    const reading = owned && readKept !== undefined ? readKept(sample, state!) : read(sample, state ?? blank!);
    if (reading === undefined) continue;
    if (state === undefined) {
      if (!reading.fireMet) continue;
      state = freshState(rule, run.fingerprint, s.labels);
    }
    if (owned && keepStatusInPlace(state, reading, timing, s.intervalMs, reading.memory, runner.memoryFields)) continue;
    const transition = nextAlertState(state, reading, timing, sample.intervalMs, reading.memory);
    state = transition.state;
    owned = state.status === 'inactive';
    if (transition.event) tile.ordered[k]!.push({ signal: buildSignal(compiled, state, transition.event, reading, sample.text).signal, phase: 0, first: 0, second: 0, third: 0, runner, series: s });
  }
  if (state && applied && (before || !isForgettable(state))) settle(end, state, tile.firstStep + k, tile.firstSample + first, owned);
}

/** The first group from `g` on with a sample whose value breaches (`fires`), or `groups.count` when none has. */
function nextBreach(groups: StepGroups, g: number, fires: (value: number) => boolean): number {
  const { records, from } = groups;
  const end = from[groups.count]!;
  let j = from[g]!;
  while (j < end && !fires(records[RECORD * j + 1]!)) j++;
  if (j === end) return groups.count;
  while (from[g + 1]! <= j) g++;
  return g;
}

/**
 * The rule's sweep at step `k` over the one state of `end`'s run. A reading kind's sweep judges
 * each state alone (CompiledRule.sweep), so this is its part of the sweep over all the rule's
 * untouched states; its signals are ordered by the state's place in that list (Run.liveKey).
 */
function sweepOne(tile: Tile, end: RunEnd, k: number): void {
  const { run } = end;
  const { compiled, sweepIndex } = run.rule;
  const { liveKey } = end;
  // Handed to the sweep, the state is no longer this end's alone.
  end.owned = false;
  const outcome = compiled.sweep!(compiled, [end.state!], [], tile.nows[k]!);
  for (const state of outcome.states) if (state.fingerprint === run.fingerprint) settle(end, state, tile.firstStep + k, liveKey);
  outcome.signals.forEach((signal, index) => tile.ordered[k]!.push({ signal, phase: 1, first: sweepIndex, second: liveKey, third: index, runner: run.rule, series: undefined }));
}

/**
 * A state returned for `end`'s run in step `step`: kept, or forgotten as the collector's map of
 * states would; `gainKey` its liveKey if it had none; `owned` as RunEnd's (a sweep's state is not).
 */
function settle(end: RunEnd, state: RuleState, step: number, gainKey: number, owned = false): void {
  end.touchedStep = step;
  // The state kept, written into (keepStatusInPlace keeps its status and every memory field it
  // holds): still not forgettable, as no state an end holds is.
  if (state === end.state) return;
  if (isForgettable(state)) {
    end.state = undefined;
    end.owned = false;
  } else {
    if (end.state === undefined) end.liveKey = gainKey;
    end.state = state;
    end.owned = owned;
  }
}

/** Keeps what a run ended a tile or step with. */
function keep(end: RunEnd): void {
  const { run } = end;
  run.touchedStep = end.touchedStep;
  if (end.state === run.state) return;
  const wasLive = run.state !== undefined;
  run.state = end.state;
  run.liveKey = end.liveKey;
  if (wasLive && end.state === undefined) run.rule.live.delete(run);
  else if (!wasLive && end.state !== undefined) run.rule.live.add(run);
}

/**
 * A rule that threw somewhere in the tile, evaluated again one step at a time as the step evaluator
 * did before tiles: per step its samples (what throws loses the rule's reading of the step), then
 * its sweep over its untouched states in the live order (what throws loses the sweep's outcome and
 * leaves the sweep due).
 */
function stepByStep(tile: Tile, runner: RuleRunner, tileSeries: readonly Series[]): void {
  const runs: Array<{ run: Run; groups: StepGroups; next: number }> = [];
  for (const s of tileSeries) {
    const run = s.runs.find((r) => r.rule === runner);
    if (run) runs.push({ run, groups: groupByStep(tile.samples, s, stepGroups()), next: 0 });
  }
  const { compiled } = runner;
  const every = compiled.sweepEveryMs ?? SWEEP_MS;
  for (let k = 0; k < tile.nows.length; k++) {
    const nowMs = tile.nows[k]!;
    const step = tile.firstStep + k;
    const ordered = tile.ordered[k]!;
    let collected = ordered.length;
    const ends: RunEnd[] = [];
    try {
      for (const entry of runs) {
        const { groups } = entry;
        if (entry.next >= groups.count || groups.stepOf[entry.next] !== k) continue;
        const end: RunEnd = { run: entry.run, state: entry.run.state, touchedStep: entry.run.touchedStep, liveKey: entry.run.liveKey, owned: false };
        applyStep(tile, end, groups, entry.next++);
        ends.push(end);
      }
      for (const end of ends) keep(end);
    } catch {
      for (const entry of runs) if (entry.next < entry.groups.count && entry.groups.stepOf[entry.next] === k) entry.next++;
      ordered.length = collected;
    }
    if (compiled.sweep === undefined || !(runner.lastSweepMs === undefined || nowMs - runner.lastSweepMs >= every)) continue;
    collected = ordered.length;
    const untouched = [...runner.live].filter((run) => run.touchedStep !== step).sort((a, b) => a.liveKey - b.liveKey);
    try {
      const outcome = compiled.sweep(compiled, untouched.map((run) => run.state!), [], nowMs);
      for (const state of outcome.states) {
        const run = runner.byFingerprint.get(state.fingerprint);
        if (!run) continue;
        const end: RunEnd = { run, state: run.state, touchedStep: run.touchedStep, liveKey: run.liveKey, owned: false };
        settle(end, state, step, run.liveKey);
        keep(end);
      }
      outcome.signals.forEach((signal, index) => ordered.push({ signal, phase: 1, first: runner.sweepIndex, second: index, third: 0, runner, series: undefined }));
      runner.lastSweepMs = nowMs;
    } catch {
      ordered.length = collected;
    }
  }
}

/** The steps of `nows` in which `runner` sweeps (each at least its sweepEveryMs after the one before), into `runner.due`. */
function dueSteps(runner: RuleRunner, nows: readonly number[]): void {
  const { due } = runner;
  due.length = 0;
  const every = runner.compiled.sweepEveryMs ?? SWEEP_MS;
  let last = runner.lastSweepMs;
  for (let k = 0; k < nows.length; k++) {
    if (last !== undefined && nows[k]! - last < every) continue;
    due.push(k);
    last = nows[k];
  }
}

/** The `nowMs` of the last step of `nows` in which `runner` sweeps (dueSteps), or its last sweep's before the tile. */
function lastDue(runner: RuleRunner, nows: readonly number[]): number | undefined {
  return runner.due.length > 0 ? nows[runner.due[runner.due.length - 1]!] : runner.lastSweepMs;
}

/** Series `s`'s samples of the tile, grouped by step, each step's in time order (equal times in the order they were added), into `groups`. */
function groupByStep(samples: TileSamples, s: Series, groups: StepGroups): StepGroups {
  const { records } = s;
  const { from, stepOf } = groups;
  let count = 0;
  let unordered = false;
  for (let n = 0; n < s.count; n++) {
    const at = RECORD * n;
    const step = records[at + 2]!;
    if (count === 0 || step !== stepOf[count - 1]) {
      from[count] = n;
      stepOf[count++] = step;
    } else if (records[at]! < records[at - RECORD]!) unordered = true;
  }
  from[count] = s.count;
  groups.count = count;
  groups.texts = samples.texts;
  groups.records = unordered ? sortedByTime(records, groups) : records;
  return groups;
}

/** The records of `groups`' steps (from `records`), each step's sorted by time, then by the order added (their records' order), in `groups.sorted`. */
function sortedByTime(records: Float64Array, groups: StepGroups): Float64Array {
  const { from, count } = groups;
  if (groups.sorted.length < RECORD * from[count]!) groups.sorted = new Float64Array(records.length);
  const { sorted } = groups;
  for (let g = 0; g < count; g++) {
    const order: number[] = [];
    for (let n = from[g]!; n < from[g + 1]!; n++) order.push(n);
    order.sort((a, b) => records[RECORD * a]! - records[RECORD * b]! || a - b);
    order.forEach((n, k) => sorted.set(records.subarray(RECORD * n, RECORD * n + RECORD), RECORD * (from[g]! + k)));
  }
  return sorted;
}

/**
 * Gives the step's series their positions (by their first sample) and the rules they match their
 * ranks (evaluate's routing order): every rule a series of the step matches, whether or not its
 * samples were read.
 */
function rankStep(samples: TileSamples, from: number, to: number, step: number): void {
  let position = 0;
  let rank = 0;
  for (let i = from; i < to; i++) {
    const s = samples.series[i]!;
    if (s.positionMark === step) continue;
    s.positionMark = step;
    s.position = position++;
    for (const run of s.runs) {
      const runner = run.rule;
      if (runner.rankMark === step) continue;
      runner.rankMark = step;
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
  return a.signal.atMs - b.signal.atMs || a.phase - b.phase || a.first - b.first || a.second - b.second || a.third - b.third;
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
