/**
 * The background upkeep of stored history: compaction of the hot per-report rows into compressed
 * series chunks and rollups (once an hour of history is `compactAfterMs` old), then pruning of raw
 * history and rollups past their own retentions. No step holds the event loop or the writer long,
 * so ingest batches interleave with the work instead of waiting behind it: a compaction reads one
 * host's hour outside any transaction, encodes it in slices of `sliceMs` with the event loop given
 * back between them, and writes it in one short transaction (the inserts only); once an hour's hosts
 * are done, a sweep deletes the rows compacted, a bounded number of rows a step (SQLite); pruning
 * deletes a bounded number of rows a step.
 */
import type { Logger } from 'pino';
import { setImmediate as nextTurn, setTimeout as sleepFor } from 'node:timers/promises';
import type { Clock } from '../clock.js';
import type { CompactionResult } from '../domain/history.js';
import { type CompactedBlock, compactRowsInSteps } from '../store/historyBlocks.js';
import type { Store } from '../store/store.js';

/**
 * Rows deleted per pruning step (per rollup resolution). Rows go in time order, so in a fleet each
 * is on a page of its own and a step writes about a page a row; SQLite copies the pages of its WAL
 * into the file in the commit that brings the WAL past 1,000 pages, at about 17 us a page on the
 * 2-core machine. At 100 hosts (`npm run bench:backtest`) steps of 1,000 rows took up to 77-88 ms,
 * most of it such a checkpoint of the pages they had written; a step of 250 rows and the checkpoint
 * of its pages after it (pruneInSteps) are each a fraction of that.
 */
export const DEFAULT_PRUNE_STEP_ROWS = 250;
/**
 * Rows (rowids) a sweep step goes through, deleting those compaction covered. They go in the order
 * they arrived, so a step dirties the table's pages holding them once, the base-time index's leaves
 * alike, and a leaf of report_chunks_by_host for each host among them: as many leaves as rows once
 * the fleet has more hosts than a step has rows, so a larger step buys nothing there and only holds
 * the event loop longer (`node dist/bench/backtest.js --days 1 --hosts 1000`: steps of 1,000 rows
 * p99 24 ms of CPU, 2.50 MB written a host-hour).
 */
export const DEFAULT_SWEEP_STEP_ROWS = 500;
/** How long a compaction encodes in one go before it gives the event loop back (ingest's target is 50 ms). */
export const DEFAULT_ENCODE_SLICE_MS = 5;
/**
 * The share of the event loop a pass takes while it has work: after each step it rests twice as
 * long as the step took (restingPause). With only a turn of the loop between steps, a report waited
 * behind a step at each stage of its ingest that crossed a turn (reading, the batch, the commit, the
 * answer): `node dist/bench/ingest.js --maintenance 400` on a loaded machine measured ack p50
 * 54-117 ms while a pass ran against 5-10 ms without one, and 37-64 ms resting as long as each step
 * took. On the quiet machine (session 34, `--maintenance 800`) half the loop and 10 ms slices gave
 * an ack p99 of 42.2 and 45.0 ms, half and 5 ms slices 54.0, a third and 5 ms slices 25.5 and 28.7
 * (docs/performance-history.md, "Ingest while a pass runs"). A third of the loop still keeps up: a host-hour of 60
 * series costs about 20 ms on the 2-core machine, so 10,000 hosts' hour takes about 600 s of wall
 * time an hour.
 */
export const DEFAULT_WORK_SHARE = 0.33;
/** Tries to write one block whose hot rows another pass changed meanwhile, before the pass ends. */
const WRITE_ATTEMPTS = 5;

export interface HistoryMaintenanceOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  compactAfterMs: number;
  rawRetentionMs: number;
  rollupRetentionMs: number;
  /** Rows deleted per pruning step. */
  pruneStepRows?: number;
  /** Rows a sweep step goes through (DEFAULT_SWEEP_STEP_ROWS). */
  sweepStepRows?: number;
  /** How long a compaction encodes before it yields; DEFAULT_ENCODE_SLICE_MS by default. */
  encodeSliceMs?: number;
  /** Waits between steps; restingPause(DEFAULT_WORK_SHARE) by default. */
  yieldToIngest?: () => Promise<unknown>;
  /** Checked between steps: true ends the run early (the collector is stopping). */
  stopping?: () => boolean;
  /** Told how long each synchronous step held the event loop, on the clock and in CPU time of the process (the collector's tripline_history_step_seconds). */
  onStep?: (step: HistoryStep, ms: number, cpuMs: number) => void;
}

/** A synchronous step of a pass: compaction's read, encoding slice and write, the sweep after it, or a pruning step (PruneStep). */
export type HistoryStep = CompactionStep | SweepStep | PruneStep;

export interface HistoryMaintenanceResult {
  compactedBlocks: number;
  compactedSamples: number;
  prunedRawRows: number;
  prunedRollupRows: number;
}

/** One pass: compacts every due block (sweeping each one's compacted hot rows after it), then prunes, a step at a time. */
export async function maintainHistory(options: HistoryMaintenanceOptions): Promise<HistoryMaintenanceResult> {
  const { store, clock } = options;
  const pause = options.yieldToIngest ?? restingPause(DEFAULT_WORK_SHARE);
  const { stopping = () => false, onStep } = options;
  const result: HistoryMaintenanceResult = { compactedBlocks: 0, compactedSamples: 0, prunedRawRows: 0, prunedRollupRows: 0 };
  while (!stopping()) {
    const compacted = await compactOldestInSteps(store, clock.nowMs() - options.compactAfterMs, { pause, stopping, sliceMs: options.encodeSliceMs, sweepStepRows: options.sweepStepRows, onStep });
    if (compacted === undefined) break;
    result.compactedBlocks++;
    result.compactedSamples += compacted.samples;
    await pause();
  }
  const pruned = await pruneInSteps(store, clock.nowMs() - options.rawRetentionMs, clock.nowMs() - options.rollupRetentionMs, { pause, stopping, stepRows: options.pruneStepRows, onStep });
  result.prunedRawRows = pruned.raw;
  result.prunedRollupRows = pruned.rollups;
  if (result.compactedBlocks + result.prunedRawRows + result.prunedRollupRows > 0) options.log.info(result, 'history maintained');
  return result;
}

/** What restingPause reads the time from and waits with; the process's own by default. */
export interface RestingClock {
  nowMs(): number;
  sleep(ms: number): Promise<unknown>;
  nextTurn(): Promise<unknown>;
}

const PROCESS_RESTING_CLOCK: RestingClock = { nowMs: () => performance.now(), sleep: (ms) => sleepFor(ms), nextTurn: () => nextTurn() };

/**
 * A pause between a pass's synchronous steps that gives the event loop back for `(1 - share) /
 * share` times as long as the work since the last pause took, or for one turn when that is under a
 * millisecond, so that the pass holds at most `share` of the loop while it has work and the
 * requests in progress finish their stages between two of its steps.
 */
export function restingPause(share: number, clock: RestingClock = PROCESS_RESTING_CLOCK): () => Promise<unknown> {
  if (!(share > 0 && share <= 1)) throw new RangeError(`a pass's share of the event loop must be in (0, 1], got ${share}`);
  let resumedMs = clock.nowMs();
  return async () => {
    const restMs = ((clock.nowMs() - resumedMs) * (1 - share)) / share;
    await (restMs >= 1 ? clock.sleep(restMs) : clock.nextTurn());
    resumedMs = clock.nowMs();
  };
}

/** A synchronous step of sweepInSteps: a deletion of compacted hot rows, or the checkpoint after one. */
export type SweepStep = 'sweep' | 'checkpoint';

/**
 * Deletes the hot rows compaction covered (Store.sweepCompacted), `stepRows` rows a step, in the
 * steps pruneInSteps takes (deleteInSteps). Returns how many sweep steps it took: 0 when nothing
 * was left to sweep.
 */
export async function sweepInSteps(
  store: Store,
  options: { pause: () => Promise<unknown>; stopping?: () => boolean; stepRows?: number; onStep?: (step: SweepStep, ms: number, cpuMs: number) => void },
): Promise<number> {
  const { stepRows = DEFAULT_SWEEP_STEP_ROWS } = options;
  return (await deleteInSteps(store, 'sweep', () => store.sweepCompacted(stepRows), () => false, options)).steps;
}

/**
 * Runs deletion steps, timed as `kind`, until `step` has nothing to delete (undefined), `last` says
 * the step just run was the last, or `stopping` says so, giving the event loop back after each; a
 * step that deleted rows is followed by a checkpoint of the store's log as a step of its own.
 */
async function deleteInSteps<K extends string>(
  store: Store,
  kind: K,
  step: () => number | undefined,
  last: (removed: number) => boolean,
  options: { pause: () => Promise<unknown>; stopping?: () => boolean; onStep?: (step: K | 'checkpoint', ms: number, cpuMs: number) => void },
): Promise<{ steps: number; removed: number }> {
  const { pause, stopping = () => false, onStep } = options;
  let steps = 0;
  let total = 0;
  while (!stopping()) {
    const removed = timedStep(onStep, kind, step);
    if (removed === undefined) break;
    steps++;
    total += removed;
    await pause();
    if (removed > 0 && !stopping()) {
      timedStep(onStep, 'checkpoint', () => store.checkpointLog());
      await pause();
    }
    if (last(removed)) break;
  }
  return { steps, removed: total };
}

/** A synchronous step of pruneInSteps: a deletion of raw history or of rollups, or the checkpoint after one. */
export type PruneStep = 'raw' | 'rollups' | 'checkpoint';

export interface PruneStepOptions {
  pause: () => Promise<unknown>;
  stopping?: () => boolean;
  stepRows?: number;
  /** Told how long each synchronous step took, on the clock and in CPU time of the process (as CompactionStepOptions.onStep). */
  onStep?: (step: PruneStep, ms: number, cpuMs: number) => void;
}

/**
 * Deletes raw history before `rawBeforeMs`, then rollups before `rollupsBeforeMs`, `stepRows` rows a
 * step, giving the event loop back after each; a step that deleted something is followed by a
 * checkpoint of the store's log as a step of its own (Store.checkpointLog), so that no commit pays
 * for the pages of more than one step. Ends early, between steps, when `stopping` says so.
 */
export async function pruneInSteps(store: Store, rawBeforeMs: number, rollupsBeforeMs: number, options: PruneStepOptions): Promise<{ raw: number; rollups: number }> {
  const { stepRows = DEFAULT_PRUNE_STEP_ROWS } = options;
  // A step that deleted fewer than a step's rows found the last of them.
  const lastStep = (removed: number) => removed < stepRows;
  const raw = await deleteInSteps(store, 'raw', () => store.pruneBefore(rawBeforeMs, stepRows), lastStep, options);
  const rollups = await deleteInSteps(store, 'rollups', () => store.pruneRollupsBefore(rollupsBeforeMs, stepRows), lastStep, options);
  return { raw: raw.removed, rollups: rollups.removed };
}

/**
 * How compactOldestInSteps goes about it; `onStep` is told how long each synchronous step took, on
 * the clock and in CPU time of the process (the bench prints both: on a loaded machine the clock
 * also counts the time the process waited for a core).
 */
export interface CompactionStepOptions {
  pause: () => Promise<unknown>;
  stopping?: () => boolean;
  sliceMs?: number;
  /** Rows a step of the sweep after a block goes through (DEFAULT_SWEEP_STEP_ROWS). */
  sweepStepRows?: number;
  onStep?: (step: CompactionStep, ms: number, cpuMs: number) => void;
}

/** A synchronous step of compactOldestInSteps: reading a host's hour, a slice of encoding it, writing its chunks, or the sweep after a block. */
export type CompactionStep = 'read' | 'encode' | 'write' | SweepStep;

/**
 * Compacts the next host's hot reports of the oldest block that ended before `beforeMs` in steps
 * (see the module comment), after sweeping the compacted rows of the block before when the store
 * has them (Store.sweepCompacted): undefined when none is due, when the collector is stopping
 * (nothing written), or when other passes kept changing its rows.
 */
export async function compactOldestInSteps(store: Store, beforeMs: number, options: CompactionStepOptions): Promise<CompactionResult | undefined> {
  const { pause, stopping = () => false, sliceMs = DEFAULT_ENCODE_SLICE_MS, sweepStepRows, onStep } = options;
  const timed = <T>(step: CompactionStep, run: () => T): T => timedStep(onStep, step, run);
  for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
    let hot = timed('read', () => store.readHotBlock(beforeMs));
    // A block done: its compacted rows go before the next block is looked for.
    if (hot === undefined && (await sweepInSteps(store, { pause, stopping, stepRows: sweepStepRows, onStep })) > 0) hot = timed('read', () => store.readHotBlock(beforeMs));
    if (hot === undefined) return undefined;
    const steps = compactRowsInSteps(hot.rows);
    let block: CompactedBlock | undefined;
    while (block === undefined) {
      await pause();
      if (stopping()) return undefined;
      block = timed('encode', () => {
        const started = performance.now();
        for (;;) {
          const step = steps.next();
          if (step.done === true) return step.value;
          if (performance.now() - started >= sliceMs) return undefined;
        }
      });
    }
    const written = block;
    const result = timed('write', () => store.writeCompactedBlock(hot, written));
    if (result !== undefined) return result;
    await pause();
  }
  return undefined;
}

/** Runs one synchronous step, telling `onStep` (if any) its time on the clock and in CPU time of the process. */
function timedStep<S, T>(onStep: ((step: S, ms: number, cpuMs: number) => void) | undefined, step: S, run: () => T): T {
  if (onStep === undefined) return run();
  const [started, cpu] = [performance.now(), process.cpuUsage()];
  const result = run();
  const used = process.cpuUsage(cpu);
  onStep(step, performance.now() - started, (used.user + used.system) / 1000);
  return result;
}
