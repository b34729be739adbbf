/**
 * The agent's own event-loop delay, sampled only around its work: from the start of a report
 * cycle until shortly after its upload. A 20 ms sampling timer running all the time costs about
 * 1.4 ms of CPU per second, several times the cost of a 15 s cycle; the agent's own work happens in
 * its cycles, so that is where a block can come from.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** How often the delay is sampled: a block longer than this is always seen. */
const RESOLUTION_MS = 20;
/**
 * Sampling continues this long after the work has finished: a block in the work delays the
 * sampling timer's next run, so two more samples are enough to see it; each costs a wake-up.
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

export function createLoopDelaySampler(): LoopDelaySampler {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  let timer: NodeJS.Timeout | undefined;
  return {
    begin() {
      clearTimeout(timer);
      histogram.enable();
    },
    end() {
      clearTimeout(timer);
      timer = setTimeout(() => histogram.disable(), TAIL_MS);
      timer.unref();
    },
    takeMaxSeconds() {
      // The histogram records the whole time between its timer's runs: resolution plus lateness.
      const seconds = Math.max(0, histogram.max / 1e9 - RESOLUTION_MS / 1000);
      histogram.reset();
      return seconds;
    },
    stop() {
      clearTimeout(timer);
      histogram.disable();
    },
  };
}
