/**
 * What candidate rules would have done: stored history replayed through the rules engine and the
 * incident lifecycle twice in one pass, with the candidate and with the rules in force, as the
 * collector would have decided (no pings). Reads the store only.
 *
 * With `limits.threads` (the CLI's `rules backtest`, which has no time budget) each replay runs on a
 * worker thread of its own (backtest/replayThread.ts) while this thread reads the history for both:
 * the two sides at once, with the outcome of running them in turn
 * (test/collector/backtestThreads.test.ts).
 */
import { pino } from 'pino';
import type { Config } from '../../config/configSchema.js';
import type { Rule } from '../../rules/index.js';
import { startReplayThreads, type EnvironmentSnapshot } from '../backtest/replayThread.js';
import { createReplay, replayStoredBlocks, type BacktestSummary } from '../backtest/runBacktest.js';
import { createIncidentCore } from '../incidents/incidentCore.js';
import { hostFacts } from '../incidents/storeEnvironment.js';
import type { Store } from '../store/store.js';

export interface BacktestComparison {
  fromMs: number;
  toMs: number;
  candidate: BacktestSummary;
  inForce: BacktestSummary;
  elapsedMs: number;
  /**
   * Set when the time budget ran out first: the replay covered `fromMs` up to this time (the base time
   * of the last chunk replayed), and both summaries end there.
   */
  truncatedAtMs?: number;
  /**
   * With `limits.threads`: the time each replay spent on its own thread, and the time this thread
   * spent reading the history for both (waits for the other threads are not counted); `elapsedMs`
   * is the wall clock.
   */
  sides?: { candidateMs: number; inForceMs: number; readingMs: number };
}

/** How much a comparison keeps and may take. */
export interface BacktestLimits {
  /** List up to this many incidents of each replay. */
  keepIncidents?: number;
  /**
   * Stop reading history after this much wall time (the replay runs on the collector's event loop, so
   * a request must not hold it for long); the comparison then says where it stopped.
   */
  budgetMs?: number;
  /** Replay each side on a worker thread of its own while this thread reads (not with `budgetMs`). */
  threads?: boolean;
}

/** The part of the config a replay decides by. */
export type BacktestConfig = Pick<Config, 'incidents' | 'routing' | 'desks' | 'timeZone' | 'services' | 'priority'>;

/** Runs both replays over one store, from `fromMs` to `toMs` (or as far as `limits.budgetMs` allows). */
export function compareBacktest(store: Store, config: BacktestConfig, candidate: readonly Rule[], inForce: readonly Rule[], fromMs: number, toMs: number, limits: BacktestLimits = {}): BacktestComparison {
  const { keepIncidents, budgetMs } = limits;
  if (limits.threads && budgetMs === undefined) return compareOnThreads(store, config, candidate, inForce, fromMs, toMs, keepIncidents);
  const started = performance.now();
  const { environment, policy } = createIncidentCore({ store, config, clock: { nowMs: () => toMs }, log: pino({ level: 'silent' }), probeReachability: false });
  const intervalSecondsByHost = new Map(store.listHosts().map((h) => [h.hostname, h.intervalSeconds] as const));
  // One pass over the history feeds both replays.
  const replays = [candidate, inForce].map((rules) => createReplay({ rules, policy, environment, intervalSecondsByHost, ...(keepIncidents === undefined ? {} : { keepIncidents }) }));
  // Stored history as columns, a step at a time; the clock is read once a step (40,320 steps a week).
  const progress = replayStoredBlocks(store.iterateSampleBlocks(fromMs, toMs), replays, budgetMs === undefined ? undefined : () => performance.now() - started >= budgetMs);
  const truncatedAtMs = progress.stopped ? Math.max(fromMs, progress.lastAtMs) : undefined;
  const endMs = truncatedAtMs ?? toMs;
  const [candidateSummary, inForceSummary] = replays.map((r) => r.finish(endMs));
  return { fromMs, toMs: endMs, candidate: candidateSummary!, inForce: inForceSummary!, elapsedMs: performance.now() - started, ...(truncatedAtMs === undefined ? {} : { truncatedAtMs }) };
}

/** compareBacktest with each replay on a worker thread, this thread reading (see the module comment). */
function compareOnThreads(store: Store, config: BacktestConfig, candidate: readonly Rule[], inForce: readonly Rule[], fromMs: number, toMs: number, keepIncidents: number | undefined): BacktestComparison {
  const started = performance.now();
  const snapshot: EnvironmentSnapshot = { silences: store.listSilences(Number.MIN_SAFE_INTEGER), maintenance: store.listMaintenance(), hosts: store.listHosts().map(hostFacts) };
  const intervalSecondsByHost = new Map(store.listHosts().map((h) => [h.hostname, h.intervalSeconds] as const));
  const threads = startReplayThreads([candidate, inForce], { config, snapshot, intervalSecondsByHost, keepIncidents });
  threads.feed(store.iterateSampleBlocks(fromMs, toMs));
  const readingMs = performance.now() - started - threads.waitedMs();
  const [candidateSide, inForceSide] = threads.finish(toMs);
  return {
    fromMs,
    toMs,
    candidate: candidateSide!.summary,
    inForce: inForceSide!.summary,
    elapsedMs: performance.now() - started,
    sides: { candidateMs: candidateSide!.busyMs, inForceMs: inForceSide!.busyMs, readingMs },
  };
}
