/**
 * Time that moves only when a test moves it: a monotonic clock and a timer scheduler to hand to the
 * agent's tickers and its loop-delay measurement. A test steps through time instead of sleeping, so
 * what it asserts about lateness, grids and blocks holds however busy the machine is.
 */
import type { TimerScheduler } from '../../agent/lifecycle/timerScheduler.js';

export interface ManualTime {
  /** The clock, in milliseconds. */
  nowMs(): number;
  timers: TimerScheduler;
  /** Moves the clock `ms` forward without running any timer: the event loop was held that long. */
  block(ms: number): void;
  /**
   * Moves the clock `ms` forward, running every timer that falls due on the way, earliest first (a
   * timer set by one that runs included), each at its due time or, when something blocked past it,
   * late; what a timer starts is let settle (one turn of the real event loop) before the next.
   */
  advance(ms: number): Promise<void>;
  /** Timers set and neither run nor cleared. */
  pending(): number;
}

/** A manual clock starting at `startMs`. */
export function createManualTime(startMs = 1000): ManualTime {
  let now = startMs;
  let lastId = 0;
  const timers = new Map<number, { atMs: number; run: () => void }>();
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

  /** The id of the earliest timer due by `untilMs` (the first set among equals), if any. */
  function nextDue(untilMs: number): number | undefined {
    let found: number | undefined;
    for (const [id, timer] of timers) {
      if (timer.atMs <= untilMs && (found === undefined || timer.atMs < timers.get(found)!.atMs)) found = id;
    }
    return found;
  }

  return {
    nowMs: () => now,
    timers: {
      setTimeout(run, delayMs) {
        lastId += 1;
        timers.set(lastId, { atMs: now + Math.max(0, delayMs), run });
        return lastId;
      },
      clearTimeout(handle) {
        timers.delete(handle as number);
      },
      deadline(run, delayMs) {
        let id: number | undefined;
        return {
          restart() {
            if (id !== undefined) timers.delete(id);
            lastId += 1;
            id = lastId;
            timers.set(id, { atMs: now + Math.max(0, delayMs), run });
          },
          stop() {
            if (id !== undefined) timers.delete(id);
            id = undefined;
          },
        };
      },
    },
    block(ms) {
      now += ms;
    },
    async advance(ms) {
      const untilMs = now + ms;
      await settle();
      for (let id = nextDue(untilMs); id !== undefined; id = nextDue(untilMs)) {
        const timer = timers.get(id)!;
        timers.delete(id);
        now = Math.max(now, timer.atMs);
        timer.run();
        await settle();
      }
      now = Math.max(now, untilMs);
    },
    pending: () => timers.size,
  };
}
