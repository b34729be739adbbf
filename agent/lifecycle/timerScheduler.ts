/**
 * Where the agent's tickers get their timers from: node's timers in the agent, a manual scheduler in
 * tests, which then step time instead of waiting for it (and cannot fail because the machine is busy).
 */

/** Sets and clears one-shot timers. */
export interface TimerScheduler {
  /** Runs `run` once, `delayMs` milliseconds from now; returns a handle for `clearTimeout`. */
  setTimeout(run: () => void, delayMs: number): unknown;
  /** Cancels a timer that has not run; a handle of a timer that ran, or undefined, is ignored. */
  clearTimeout(handle: unknown): void;
}

/** Node's own timers. */
export const nodeTimers: TimerScheduler = {
  setTimeout: (run, delayMs) => setTimeout(run, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
};
