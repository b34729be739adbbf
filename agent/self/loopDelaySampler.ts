/**
 * The agent's own event-loop delay: how long its work keeps the loop from running anything else.
 *
 * Measured without waking the process: a sampling timer (monitorEventLoopDelay, or a 20 ms
 * interval around each cycle) costs a wake-up per sample, and on a VM a wake-up after even 20 ms
 * of sleep costs about 0.2 ms of CPU, several times a whole cycle's probes (bench:agent measured the
 * 20 ms sampler at 0.6 to 0.9 ms per cycle). Instead:
 * - `busyFrom()` is called when a piece of agent work starts. One `setImmediate` runs as soon as
 *   the loop is free again; the time until then is how long the work, with the promise jobs it
 *   queued, held the loop.
 * - `busyWhile(work)` runs a piece of work (a report cycle) and measures it the same way, except
 *   that work that finished synchronously (the default cycle: synchronous /proc probes, report
 *   assembly and the socket write, queuing no promise job of its own) is measured on the spot, with
 *   no immediate: an immediate is one more turn of the loop per cycle, with its own poll.
 * - `late(ms)` records how late a timer ran (the report ticker's own), which is what any block
 *   outside the agent's measured work (a GC pause, a slow callback) shows up as.
 * - `takeMaxSeconds()` also counts a piece of work still in progress, so a cycle's own block is in
 *   the report it builds, and only there.
 */

import { isPromiseLike } from '../probes/probeRunner.js';

export interface LoopDelaySampler {
  /** Work starts now: measure how long the loop stays busy. */
  busyFrom(): void;
  /**
   * Runs `work` and measures how long it held the loop: until it returns when it returns anything
   * but a promise (or throws), else until the loop is free again, as `busyFrom`. Returns what it returned.
   */
  busyWhile<T>(work: () => T): T;
  /** A timer ran `ms` milliseconds after it was due. */
  late(ms: number): void;
  /** Worst delay since the last call, in seconds. */
  takeMaxSeconds(): number;
}

export function createLoopDelaySampler({ nowMs = () => performance.now() }: { nowMs?: () => number } = {}): LoopDelaySampler {
  /** Start of the piece of work being measured, or undefined when none is. */
  let busySinceMs: number | undefined;
  let worstMs = 0;

  function settle(): void {
    if (busySinceMs === undefined) return;
    worstMs = Math.max(worstMs, nowMs() - busySinceMs);
    busySinceMs = undefined;
  }

  return {
    busyFrom() {
      // Work that starts inside measured work is part of it.
      if (busySinceMs !== undefined) return;
      busySinceMs = nowMs();
      setImmediate(settle);
    },
    busyWhile(work) {
      // Work that starts inside measured work is part of it.
      if (busySinceMs !== undefined) return work();
      busySinceMs = nowMs();
      let synchronous = true;
      try {
        const result = work();
        synchronous = !isPromiseLike(result);
        return result;
      } finally {
        if (synchronous) settle();
        else setImmediate(settle);
      }
    },
    late(ms) {
      worstMs = Math.max(worstMs, ms);
    },
    takeMaxSeconds() {
      if (busySinceMs !== undefined) {
        // The work in progress so far counts here; the immediate measures the rest.
        const now = nowMs();
        worstMs = Math.max(worstMs, now - busySinceMs);
        busySinceMs = now;
      }
      const seconds = worstMs / 1000;
      worstMs = 0;
      return seconds;
    },
  };
}
