/**
 * The agent's own event-loop delay, sampled only around its work: from the start of a report
 * cycle until shortly after its upload. A sampling timer running all the time costs about 1.4 ms
 * of CPU per second, several times the cost of a 15 s cycle; the agent's own work happens in its
 * cycles, so that is where a block can come from.
 *
 * A timer runs every RESOLUTION_MS while sampling; how late it runs is the delay. A block in the
 * cycle's own synchronous work (a /proc read that hangs) is seen even before the timer runs again:
 * `takeMaxSeconds` counts the time since the last run as well.
 */

/** How often the delay is sampled: a block longer than this is always seen. */
const RESOLUTION_MS = 20;
/**
 * Sampling continues this long after the work has finished: a block in the work delays the
 * sampling timer's next run, so two more runs are enough to see it; each costs a wake-up.
 */
const TAIL_MS = 2 * RESOLUTION_MS;

export interface LoopDelaySampler {
  /** Samples from now on (a cycle's work usually takes less than one sampling interval). */
  begin(): void;
  /** Keeps sampling a few intervals more, so a block in the work is measured by a late sample. */
  end(): void;
  /** Worst delay since the last call, in seconds (the sampling interval itself not counted). */
  takeMaxSeconds(): number;
  stop(): void;
}

export function createLoopDelaySampler({ nowMs = () => performance.now() }: { nowMs?: () => number } = {}): LoopDelaySampler {
  let timer: NodeJS.Timeout | undefined;
  /** When the sampling timer last ran (or sampling began). */
  let lastMs = 0;
  let stopAtMs = Infinity;
  let worstMs = 0;

  function tick(): void {
    const now = nowMs();
    worstMs = Math.max(worstMs, now - lastMs - RESOLUTION_MS);
    lastMs = now;
    if (now >= stopAtMs) halt();
  }

  function halt(): void {
    clearInterval(timer);
    timer = undefined;
  }

  return {
    begin() {
      stopAtMs = Infinity;
      if (timer !== undefined) return;
      lastMs = nowMs();
      timer = setInterval(tick, RESOLUTION_MS);
      timer.unref();
    },
    end() {
      stopAtMs = nowMs() + TAIL_MS;
    },
    takeMaxSeconds() {
      if (timer !== undefined) {
        // A block going on right now (the timer has not had a chance to run since) counts too,
        // and only once: the next run measures from here.
        const now = nowMs();
        worstMs = Math.max(worstMs, now - lastMs - RESOLUTION_MS);
        lastMs = now;
      }
      const seconds = Math.max(0, worstMs) / 1000;
      worstMs = 0;
      return seconds;
    },
    stop: halt,
  };
}
