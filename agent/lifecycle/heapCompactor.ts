/**
 * Gives memory back when V8's own memory reducer cannot: the agent is shipped with `--predictable`
 * (see cli/agentMain.ts), which keeps V8's young generation committed between scavenges but also
 * turns the memory reducer off, so the garbage of start-up (config loading and schema compilation,
 * about 8 MB promoted to the old generation) would stay committed for good.
 *
 * With `--expose-gc` and `--compact-on-every-full-gc` (the other shipped flags), `gc()` is a full,
 * compacting collection that returns the emptied pages. It runs:
 * - once after the agent's first report cycle, when start-up is over (measured: RSS 65 -> 56 MB,
 *   about 60 ms on the development VM);
 * - again only when the resident size has grown by `growthBytes` over what it was after the last
 *   compaction (a long outage's spool drain, a burst of large reports), and at most once per
 *   `minIntervalMs`.
 * A collection holds the event loop; the caller counts the returned milliseconds as loop delay.
 * Without an exposed `gc` (the agent inside `tripline start`, tests) this does nothing, and V8's
 * memory reducer, on in that process, does the job.
 */

export interface HeapCompactorOptions {
  /** `globalThis.gc` when node runs with --expose-gc; undefined turns the compactor off. */
  gc: (() => void) | undefined;
  /** Resident set size now, in bytes. */
  rssBytes: () => number;
  /** Growth of the resident size over the last compaction's that triggers another. */
  growthBytes?: number;
  /** Shortest time between two compactions after the first. */
  minIntervalMs?: number;
  nowMs?: () => number;
}

export interface HeapCompactor {
  /**
   * Called after each report cycle with the resident size the report carried. Compacts when due
   * and returns how long the collection held the loop, in milliseconds (0 when it did not run).
   */
  afterCycle(rssBytes: number): number;
  /** Compactions run so far. */
  compactions(): number;
}

export const DEFAULT_GROWTH_BYTES = 8 * 1024 * 1024;
export const DEFAULT_MIN_INTERVAL_MS = 10 * 60 * 1000;

/** The exposed `gc()` of `node --expose-gc`, if this process has one. */
export function exposedGc(): (() => void) | undefined {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === 'function' ? () => (gc as () => void)() : undefined;
}

export function createHeapCompactor(options: HeapCompactorOptions): HeapCompactor {
  const { gc, rssBytes, growthBytes = DEFAULT_GROWTH_BYTES, minIntervalMs = DEFAULT_MIN_INTERVAL_MS, nowMs = () => performance.now() } = options;
  /** Resident size right after the last compaction; undefined until the first. */
  let baselineBytes: number | undefined;
  let lastAtMs = 0;
  let count = 0;

  function compact(): number {
    const started = nowMs();
    gc!();
    const finished = nowMs();
    baselineBytes = rssBytes();
    lastAtMs = finished;
    count += 1;
    return finished - started;
  }

  return {
    afterCycle(rss) {
      if (gc === undefined) return 0;
      if (baselineBytes === undefined) return compact();
      if (rss - baselineBytes < growthBytes || nowMs() - lastAtMs < minIntervalMs) return 0;
      return compact();
    },
    compactions: () => count,
  };
}
