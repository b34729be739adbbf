/**
 * Replays stored history through the whole decision path the collector runs live: the pure rules
 * engine (hysteresis, for/clearFor), agent silence derived from gaps between a host's samples, and
 * the incident lifecycle (flap folding, re-open window, topology, silences, maintenance, grouping,
 * escalation) against an in-memory ledger. Nothing is written anywhere; no host is pinged (down
 * verdicts stay "unknown", which counts as down for children).
 *
 * The rules run through the step evaluator (rules/engine/stepEvaluator.ts): each series is resolved
 * once, when its first sample comes, and every step gives the signals `evaluate` would have given on
 * that step's samples. test/collector/replayEquivalence.test.ts holds the replay that called
 * `evaluate` per step (test/support/referenceReplay.ts) and requires the same outcome from both.
 *
 * Stored history comes as blocks of columns (Store.iterateSampleBlocks): replayStoredBlocks hands
 * each step's samples to the replays by series id, in the order iterateSamples would have given
 * them one object at a time (test/collector/replayStoredBlocks.test.ts requires the same outcome).
 */
import { pino } from 'pino';
import { compileRules, createStepEvaluator, type Rule, type StepSeries } from '../../rules/index.js';
import { AGENT_MISSED_REPORTS_METRIC } from '../alerting/missedReportWatcher.js';
import type { IncidentPolicy } from '../incidents/incidentPolicy.js';
import { createIncidentService, type IncidentEnvironment } from '../incidents/incidentService.js';
import type { IncidentRecord } from '../domain/incident.js';
import type { MaintenanceRecord } from '../domain/maintenanceWindow.js';
import type { SilenceRecord } from '../domain/silence.js';
import { BlockCursor, knownSamples, type SampleBlocks, type SampleVisitor, type StoredSeries } from '../store/sampleBlocks.js';
import type { StoredSample } from '../store/store.js';
import { createMemoryLedger, type MemoryLedger } from './memoryLedger.js';
import { countSkipped, splitUnread } from './unreadSeries.js';

export interface ReplayOptions {
  rules: readonly Rule[];
  policy: IncidentPolicy;
  environment: IncidentEnvironment;
  /** Report interval per host, to derive `agent_missed_reports` from gaps; hosts not listed use 15 s. */
  intervalSecondsByHost: ReadonlyMap<string, number>;
  /** History time per evaluation step (the live collector evaluates per batch and per silence tick). */
  stepMs?: number;
  /**
   * How many steps the rules evaluate together (a tile: each series' runs over all its samples of
   * the tile while its memory is in the cache, the incident lifecycle still step by step); TILE_STEPS by default.
   */
  tileSteps?: number;
  /** Keep up to this many of the replayed incidents (oldest first) in the summary's `incidentList`; none by default. */
  keepIncidents?: number;
}

/** One incident a replay opened, as a backtest diff lists it. */
export interface ReplayedIncident {
  ruleName: string;
  host: string;
  labels: Record<string, string>;
  summary: string;
  openedAtMs: number;
  /** When it resolved within the replayed range; null when still open at its end. */
  resolvedAtMs: number | null;
  ticketed: boolean;
}

export interface BacktestOptions extends ReplayOptions {
  /**
   * Samples in time order: stored history as blocks of columns (`store.iterateSampleBlocks(from, to)`),
   * or samples one by one (`store.iterateSamples(from, to)`, same outcome).
   */
  samples: SampleBlocks | Iterable<StoredSample>;
  toMs: number;
}

export interface BacktestSummary {
  incidents: number;
  /** Incidents that got a desk 'open' (their own ticket). */
  tickets: number;
  /** Incidents that never got a ticket: silenced, in maintenance, symptoms, grouped. */
  withoutTicket: number;
  stillOpen: number;
  /** Median of resolvedAt - openedAt over resolved incidents, null when none resolved. */
  medianDurationMs: number | null;
  deskOperations: Record<string, number>;
  perHost: Record<string, number>;
  perRule: Record<string, number>;
  samples: number;
  /** The first `keepIncidents` incidents by opening time, when the replay was asked to keep them. */
  incidentList?: ReplayedIncident[];
}

/** One replay fed sample by sample, so several rule sets can share one pass over the history. */
export interface Replay {
  push(sample: StoredSample): void;
  finish(toMs: number): BacktestSummary;
}

/**
 * A replay that stored history read as columns can feed (replayStoredBlocks): `push(sample)` is
 * `advanceTo(sample.atMs)` then adding the sample; columns add their samples by series id instead,
 * a step at a time.
 */
export interface StoredReplay extends Replay {
  /** Closes the steps that end at or before `atMs`, the time of the next sample; returns the end of the step it belongs to. */
  advanceTo(atMs: number): number;
  /** Adds a sample of stored series `seriesId` to the current step (`series` says what the id is, read once per id). */
  addStored(series: ReadonlyMap<number, StoredSeries>, seriesId: number, atMs: number, value: number, text: string | undefined): void;
  /** Whether some rule of the replay reads samples of `series` (of the others, only their times count: see unreadSeries.ts). */
  reads(series: StoredSeries): boolean;
  /** Counts `count` samples of series no replay reads that were left out of the blocks (splitUnread). */
  skipped(count: number): void;
}

export function runBacktest(options: BacktestOptions): BacktestSummary {
  const replay = createReplay(options);
  const { samples } = options;
  if (isSampleBlocks(samples)) replayStoredBlocks(samples, [replay]);
  else for (const sample of samples) replay.push(sample);
  return replay.finish(options.toMs);
}

/** How far a replay of stored blocks got. */
export interface StoredReplayProgress {
  /** The time of the last sample replayed; -Infinity when none was. */
  lastAtMs: number;
  /** Whether `stop` ended it before the last block. */
  stopped: boolean;
}

/**
 * Feeds stored history to `replays` step by step (one read for all): per step, the replays close the
 * steps before its first sample, then a BlockCursor hands on the step's samples in iterateSamples'
 * order, so the outcome is that of pushing iterateSamples' samples one by one. `stop` is asked
 * before each step.
 */
export function replayStoredBlocks(stored: SampleBlocks, replays: readonly StoredReplay[], stop?: () => boolean): StoredReplayProgress {
  const { series } = stored;
  const known = (seriesId: number) => series.has(seriesId);
  // Per series id, whether some replay reads it (asked once per id).
  const readIds = new Map<number, boolean>();
  const isRead = (seriesId: number): boolean => {
    let read = readIds.get(seriesId);
    if (read === undefined) {
      const known = series.get(seriesId)!;
      read = replays.some((replay) => replay.reads(known));
      readIds.set(seriesId, read);
    }
    return read;
  };
  const hostOf = (seriesId: number) => series.get(seriesId)!.labels.host ?? '';
  const skip = (count: number) => {
    if (count > 0) for (const replay of replays) replay.skipped(count);
  };
  const [only] = replays;
  const visit: SampleVisitor =
    replays.length === 1
      ? (seriesId, atMs, value, text) => only!.addStored(series, seriesId, atMs, value, text)
      : (seriesId, atMs, value, text) => {
          for (const replay of replays) replay.addStored(series, seriesId, atMs, value, text);
        };
  let lastAtMs = -Infinity;
  for (const block of stored.blocks) {
    const { block: read, skipped } = splitUnread(knownSamples(block, known), isRead, hostOf);
    const cursor = new BlockCursor(read);
    let visitedToMs = -Infinity;
    for (let next = cursor.nextAtMs(); next !== Infinity; next = cursor.nextAtMs()) {
      if (stop?.()) {
        skip(countSkipped(skipped, visitedToMs));
        return { lastAtMs, stopped: true };
      }
      let endMs = Infinity;
      for (const replay of replays) endMs = Math.min(endMs, replay.advanceTo(next));
      cursor.visitUntil(endMs, visit);
      visitedToMs = endMs;
      lastAtMs = cursor.lastAtMs;
    }
    skip(countSkipped(skipped));
  }
  return { lastAtMs, stopped: false };
}

function isSampleBlocks(samples: SampleBlocks | Iterable<StoredSample>): samples is SampleBlocks {
  return 'blocks' in samples && 'series' in samples;
}

/**
 * Steps per tile by default: 128 steps of 15 s are 32 minutes of history. Measured at 100 hosts x 7
 * days (docs/performance-history.md, "Why 100 hosts cost more per sample than 20"): tiles of 128 steps took less CPU than
 * tiles of 32, and tiles of one step more than the replay before tiles (what a tile costs whatever
 * its length: the sweeps' states looked through, the per-tile lists).
 */
export const TILE_STEPS = 128;

export function createReplay(options: ReplayOptions): StoredReplay {
  const stepMs = options.stepMs ?? 15_000;
  const tileSteps = Math.max(1, options.tileSteps ?? TILE_STEPS);
  const evaluator = createStepEvaluator(compileRules(options.rules));
  const watchesSilence = options.rules.some((r) => r.metric === AGENT_MISSED_REPORTS_METRIC);
  const ledger = createMemoryLedger();
  const service = createIncidentService({ route: () => ({ desks: ['backtest'], reason: 'backtest: every incident counts as ticketed at one desk' }), policy: { ...options.policy, probeReachability: false }, environment: readOnce(options.environment), log: pino({ level: 'silent' }) });
  const intervalSecondsOf = (host: string) => options.intervalSecondsByHost.get(host) ?? 15;
  // Per host, in the order hosts first reported: its newest sample time and whether it was silent at the last step.
  const lastSeen = new Map<string, HostSeen>();
  // A series is resolved once per labels object (the store hands out one per series), not per sample;
  // weakly held, so that a source making a labels object per sample does not fill it.
  const resolved = new WeakMap<object, ResolvedSeries>();
  // Stored series by id (ids are small integers: arrays), the series and its host apart, so that a
  // sample reaches no object of its own before the step evaluator's (each is a likely cache miss).
  const seriesById: Array<StepSeries | undefined> = [];
  const seenById: HostSeen[] = [];
  let batchEndMs: number | undefined;
  let count = 0;
  // The closed steps whose signals the lifecycle has not had yet (their nowMs), evaluated a tile at a time.
  const closed: number[] = [];

  const resolve = (metric: string, labels: Record<string, string>, atMs: number): ResolvedSeries => {
    const host = labels.host ?? '';
    let seen = lastSeen.get(host);
    if (!seen) {
      seen = { atMs, silent: false, intervalSeconds: intervalSecondsOf(host), silence: watchesSilence ? evaluator.series(AGENT_MISSED_REPORTS_METRIC, { host }, 0) : undefined };
      lastSeen.set(host, seen);
    }
    return { metric, series: evaluator.series(metric, labels, intervalSecondsOf(host) * 1000), seen };
  };
  const add = (series: StepSeries, seen: HostSeen, atMs: number, value: number, text: string | undefined) => {
    count++;
    evaluator.add(series, atMs, value, text);
    if (atMs > seen.atMs) {
      if (seen.silent && watchesSilence) evaluator.add(seen.silence!, atMs, 0);
      seen.atMs = atMs;
      seen.silent = false;
    }
  };
  // Stamped just before the step's end, so that a report arriving exactly at the step boundary is newer.
  const flush = (nowMs: number) => {
    if (watchesSilence) {
      const atMs = nowMs - 1;
      for (const seen of lastSeen.values()) {
        const missed = (atMs - seen.atMs) / 1000 / seen.intervalSeconds;
        if (missed >= 1) {
          seen.silent = true;
          evaluator.add(seen.silence!, atMs, missed);
        }
      }
    }
    evaluator.close(nowMs);
    closed.push(nowMs);
    if (closed.length >= tileSteps) evaluateTile();
  };
  // The lifecycle gets each step's signals in the order of the steps, as if each had been evaluated alone.
  const evaluateTile = () => {
    const signals = evaluator.evaluateClosed();
    for (let k = 0; k < closed.length; k++) service.applySignals(ledger, signals[k]!, closed[k]!);
    closed.length = 0;
  };

  const advanceTo = (atMs: number): number => {
    if (batchEndMs === undefined) batchEndMs = atMs + stepMs;
    while (atMs >= batchEndMs) {
      flush(batchEndMs);
      batchEndMs += stepMs;
    }
    return batchEndMs;
  };

  return {
    push(sample) {
      advanceTo(sample.atMs);
      let known = resolved.get(sample.labels);
      if (known === undefined || known.metric !== sample.metric) {
        known = resolve(sample.metric, sample.labels, sample.atMs);
        resolved.set(sample.labels, known);
      }
      add(known.series, known.seen, sample.atMs, sample.value, sample.text);
    },
    advanceTo,
    reads(stored) {
      return evaluator.series(stored.metric, stored.labels, intervalSecondsOf(stored.labels.host ?? '') * 1000).read;
    },
    skipped(skippedCount) {
      count += skippedCount;
    },
    addStored(series, seriesId, atMs, value, text) {
      let known = seriesById[seriesId];
      if (known === undefined) {
        const stored = series.get(seriesId)!;
        const resolvedSeries = resolve(stored.metric, stored.labels, atMs);
        known = seriesById[seriesId] = resolvedSeries.series;
        seenById[seriesId] = resolvedSeries.seen;
      }
      add(known, seenById[seriesId]!, atMs, value, text);
    },
    finish(toMs) {
      if (batchEndMs !== undefined) {
        for (; batchEndMs <= toMs; batchEndMs += stepMs) flush(batchEndMs);
        flush(toMs);
        evaluateTile();
      }
      return replaySummary(ledger, count, options.keepIncidents);
    },
  };
}

/**
 * The environment as a replay reads it: silences and maintenance windows read once (a replay changes
 * neither; read at every step they were two store queries per 15 s of history), the silences not yet
 * expired at each step's time picked from them in their order; the topology as the environment keeps it.
 */
function readOnce(environment: IncidentEnvironment): IncidentEnvironment {
  let silences: readonly SilenceRecord[] | undefined;
  let maintenance: readonly MaintenanceRecord[] | undefined;
  return {
    silences: (nowMs) => (silences ??= environment.silences(Number.MIN_SAFE_INTEGER)).filter((silence) => silence.expiresAtMs > nowMs),
    maintenance: () => (maintenance ??= environment.maintenance()),
    topology: () => environment.topology(),
  };
}

/** The summary of a replay's ledger after `samples` samples, with the first `keepIncidents` incidents listed when asked. */
export function replaySummary(ledger: MemoryLedger, samples: number, keepIncidents?: number): BacktestSummary {
  const summary = summarize(ledger.incidents(), ledger.deskOperations(), samples);
  if (keepIncidents === undefined) return summary;
  const kept = ledger.incidents().sort((a, b) => a.openedAtMs - b.openedAtMs || a.id - b.id).slice(0, keepIncidents);
  const opened = new Set(ledger.deskOperations().filter((o) => o.operation === 'open').map((o) => o.incidentId));
  return {
    ...summary,
    incidentList: kept.map((i) => ({ ruleName: i.ruleName, host: i.host, labels: i.labels, summary: i.summary, openedAtMs: i.openedAtMs, resolvedAtMs: i.status === 'resolved' ? i.resolvedAtMs : null, ticketed: opened.has(i.id) })),
  };
}

/** What the replay knows of a host: its newest sample time, whether it was silent at the last step, and its silence series. */
interface HostSeen {
  atMs: number;
  silent: boolean;
  intervalSeconds: number;
  silence: StepSeries | undefined;
}

interface ResolvedSeries {
  metric: string;
  series: StepSeries;
  seen: HostSeen;
}

function summarize(incidents: IncidentRecord[], operations: ReadonlyArray<{ incidentId: number; operation: string }>, samples: number): BacktestSummary {
  const opened = new Set(operations.filter((o) => o.operation === 'open').map((o) => o.incidentId));
  const durations = incidents.filter((i) => i.resolvedAtMs !== null && i.status === 'resolved').map((i) => i.resolvedAtMs! - i.openedAtMs).sort((a, b) => a - b);
  const tally = (keys: string[]) => {
    const counts: Record<string, number> = {};
    for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
    return counts;
  };
  return {
    incidents: incidents.length,
    tickets: opened.size,
    withoutTicket: incidents.filter((i) => !opened.has(i.id)).length,
    stillOpen: incidents.filter((i) => i.status === 'open' || i.status === 'acknowledged').length,
    medianDurationMs: durations.length === 0 ? null : median(durations),
    deskOperations: tally(operations.map((o) => o.operation)),
    perHost: tally(incidents.map((i) => i.host)),
    perRule: tally(incidents.map((i) => i.ruleName)),
    samples,
  };
}

function median(sorted: number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
