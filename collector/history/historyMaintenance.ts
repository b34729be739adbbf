/**
 * The background upkeep of stored history: compaction of the hot per-report rows into compressed
 * series chunks and rollups (once an hour of history is `compactAfterMs` old), then pruning of raw
 * history and rollups past their own retentions. Each step is one short transaction (one host and
 * hour, or a bounded number of rows) and the event loop is given back between steps, so ingest
 * batches interleave with the work instead of waiting behind it.
 */
import type { Logger } from 'pino';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';

/**
 * Rows deleted per pruning step (per rollup resolution): 5,000 rollup rows took 140 ms in one
 * transaction on the loaded 2-core VM (`npm run bench:backtest` prints it), longer than an ingest
 * batch may wait; a thousand keep a step near the ingest target.
 */
export const DEFAULT_PRUNE_STEP_ROWS = 1_000;

export interface HistoryMaintenanceOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  compactAfterMs: number;
  rawRetentionMs: number;
  rollupRetentionMs: number;
  /** Rows deleted per pruning step. */
  pruneStepRows?: number;
  /** Waits between steps; the next turn of the event loop by default. */
  yieldToIngest?: () => Promise<unknown>;
  /** Checked between steps: true ends the run early (the collector is stopping). */
  stopping?: () => boolean;
}

export interface HistoryMaintenanceResult {
  compactedBlocks: number;
  compactedSamples: number;
  prunedRawRows: number;
  prunedRollupRows: number;
}

/** One pass: compacts every due block, then prunes, a step at a time. */
export async function maintainHistory(options: HistoryMaintenanceOptions): Promise<HistoryMaintenanceResult> {
  const { store, clock } = options;
  const pause = options.yieldToIngest ?? (() => nextTurn());
  const stopping = options.stopping ?? (() => false);
  const step = options.pruneStepRows ?? DEFAULT_PRUNE_STEP_ROWS;
  const result: HistoryMaintenanceResult = { compactedBlocks: 0, compactedSamples: 0, prunedRawRows: 0, prunedRollupRows: 0 };
  while (!stopping()) {
    const compacted = store.compactHistory(clock.nowMs() - options.compactAfterMs);
    if (compacted === undefined) break;
    result.compactedBlocks++;
    result.compactedSamples += compacted.samples;
    await pause();
  }
  for (let removed = step; removed >= step && !stopping(); await pause()) {
    removed = store.pruneBefore(clock.nowMs() - options.rawRetentionMs, step);
    result.prunedRawRows += removed;
  }
  for (let removed = step; removed >= step && !stopping(); await pause()) {
    removed = store.pruneRollupsBefore(clock.nowMs() - options.rollupRetentionMs, step);
    result.prunedRollupRows += removed;
  }
  if (result.compactedBlocks + result.prunedRawRows + result.prunedRollupRows > 0) options.log.info(result, 'history maintained');
  return result;
}
