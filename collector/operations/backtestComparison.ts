/**
 * What candidate rules would have done: stored history replayed through the rules engine and the
 * incident lifecycle twice in one pass, with the candidate and with the rules in force, as the
 * collector would have decided (no pings). Reads the store only.
 *
 * With `limits.threads` (the CLI's `rules backtest`, which has no time budget) the candidate's replay
 * runs on a worker thread (backtest/replayThread.ts) while this thread reads the history and runs
 * the rules in force: the two sides at once, one on each core, with the outcome of running them in
 * turn (test/collector/backtestThreads.test.ts).
 */
import { pino } from 'pino';
import type { Config } from '../../config/configSchema.js';
import type { Rule } from '../../rules/index.js';
import { snapshotEnvironment, startReplayThread, type EnvironmentSnapshot } from '../backtest/replayThread.js';
import { createReplay, replayStoredBlocks, type BacktestSummary } from '../backtest/runBacktest.js';
import { createIncidentCore } from '../incidents/incidentCore.js';
import { incidentPolicy } from '../incidents/incidentPolicy.js';
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
   * With `limits.threads`: the time each side spent on its own thread (the rules in force's includes
   * reading the history; waits for the other thread are not counted); `elapsedMs` is the wall clock.
   */
  sides?: { candidateMs: number; inForceMs: number };
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
  /** Replay the candidate on a worker thread beside the rules in force (not with `budgetMs`). */
  threads?: boolean;
}

/** The part of the config a replay decides by. */
export type BacktestConfig = Pick<Config, 'incidents' | 'routing' | 'desks' | 'timeZone' | 'services' | 'priority'>;

/** Runs both replays over one store, from `fromMs` to `toMs` (or as far as `limits.budgetMs` allows). */
export function compareBacktest(store: Store, config: BacktestConfig, candidate: readonly Rule[], inForce: readonly Rule[], fromMs: number, toMs: number, limits: BacktestLimits = {}): BacktestComparison {
  const { keepIncidents, budgetMs } = limits;
  if (limits.threads && budgetMs === undefined) return compareOnTwoThreads(store, config, candidate, inForce, fromMs, toMs, keepIncidents);
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

/** compareBacktest with the candidate's replay on a worker thread (see the module comment). */
function compareOnTwoThreads(store: Store, config: BacktestConfig, candidate: readonly Rule[], inForce: readonly Rule[], fromMs: number, toMs: number, keepIncidents: number | undefined): BacktestComparison {
  const started = performance.now();
  const snapshot: EnvironmentSnapshot = { silences: store.listSilences(Number.MIN_SAFE_INTEGER), maintenance: store.listMaintenance(), hosts: store.listHosts().map(hostFacts) };
  const intervalSecondsByHost = new Map(store.listHosts().map((h) => [h.hostname, h.intervalSeconds] as const));
  const thread = startReplayThread({ rules: candidate, config, snapshot, intervalSecondsByHost, keepIncidents });
  const policy = incidentPolicy(config.incidents, { timeZone: config.timeZone, probeReachability: false });
  const replay = createReplay({ rules: inForce, policy, environment: snapshotEnvironment(snapshot, config.incidents.topology), intervalSecondsByHost, ...(keepIncidents === undefined ? {} : { keepIncidents }) });
  const stored = store.iterateSampleBlocks(fromMs, toMs);
  replayStoredBlocks({ series: stored.series, blocks: thread.feed(stored) }, [replay]);
  const inForceSummary = replay.finish(toMs);
  const inForceMs = performance.now() - started - thread.waitedMs();
  const other = thread.finish(toMs);
  return { fromMs, toMs, candidate: other.summary, inForce: inForceSummary, elapsedMs: performance.now() - started, sides: { candidateMs: other.busyMs, inForceMs } };
}
