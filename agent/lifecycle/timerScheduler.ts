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
  /**
   * A deadline set again and again (the collector connection's, once per upload): `restart()` arms
   * it `delayMs` from now, in place of any earlier arming, and `stop()` disarms it; `run` runs when
   * an arming is neither replaced nor stopped in time. It never keeps the process alive.
   */
  deadline(run: () => void, delayMs: number): Deadline;
}

/** See `TimerScheduler.deadline`. */
export interface Deadline {
  restart(): void;
  stop(): void;
}

/** Node's own timers. */
export const nodeTimers: TimerScheduler = {
  setTimeout: (run, delayMs) => setTimeout(run, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
  // One Timeout, refresh()ed, and stopped by a flag rather than cleared: re-arming it moves it
  // within its timer list, where a setTimeout and a clearTimeout per upload make a Timeout and a
  // timer list each time. Stopped, it may still fire once (unref'd), and does nothing. Clearing it
  // would not spare that wake-up: node moves its one libuv timer only earlier, never later, so a
  // cleared Timeout still wakes the loop when it would have fired (node 20, seen with strace).
  deadline(run, delayMs) {
    let timer: NodeJS.Timeout | undefined;
    let armed = false;
    const expire = () => {
      if (!armed) return;
      armed = false;
      run();
    };
    return {
      restart() {
        armed = true;
        if (timer === undefined) timer = setTimeout(expire, delayMs).unref();
        else timer.refresh();
      },
      stop() {
        armed = false;
      },
    };
  },
};
