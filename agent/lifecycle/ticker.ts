/**
 * Runs an async task every interval on a fixed grid (start + k * interval), never overlapping:
 * when a run overruns, the missed ticks are skipped (and logged) rather than run in a burst.
 *
 * Why timers and not node-cron: cron schedules align every agent of a fleet to the same wall-clock
 * seconds (:00, :15, ...), so thousands of agents would hit the collector in the same instant; a grid
 * anchored at each agent's start spreads them out. Timers also take any interval (7s, 90s, 2m30s),
 * where cron expressions only express divisors of a minute or an hour. node-cron stays the tool for
 * wall-clock schedules (a nightly inventory), which this is not.
 */
import type { Logger } from 'pino';
import { nodeTimers, type TimerScheduler } from './timerScheduler.js';

/** A started or stopped periodic task. */
export interface Ticker {
  /** Runs the task now, then on the grid. Idempotent. */
  start(): void;
  /** Cancels future runs; resolves when a run in progress has finished. */
  stop(): Promise<void>;
}

/** Dependencies of a ticker. */
export interface TickerOptions {
  /** Names the ticker in logs. */
  name: string;
  intervalSeconds: number;
  /**
   * The task, told how many milliseconds after its due time it runs; a rejection (or a throw) is
   * logged and does not stop the ticker. A task that finished synchronously may return nothing:
   * the next run is then scheduled without a promise.
   */
  onTick: (lateMs: number) => Promise<void> | void;
  log: Logger;
  /** Milliseconds of a monotonic clock that the grid and the lateness are measured on; performance.now by default. */
  monotonicMs?: () => number;
  /** Sets and clears the timer of the next run; node's timers by default. */
  timers?: TimerScheduler;
}

/** Creates a stopped ticker. */
export function createTicker({ name, intervalSeconds, onTick, log, monotonicMs = () => performance.now(), timers = nodeTimers }: TickerOptions): Ticker {
  const intervalMs = intervalSeconds * 1000;
  let stopped = true;
  let timer: unknown;
  let running: Promise<void> | undefined;
  let nextAtMs = 0;
  /** Bumped by every start, so that a run from before a stop cannot schedule into a later start. */
  let generation = 0;

  function failed(error: unknown): void {
    log.error({ ticker: name, err: error }, 'scheduled task failed');
  }

  function fire(): void {
    const own = generation;
    let result: Promise<void> | void = undefined;
    try {
      result = onTick(Math.max(0, monotonicMs() - nextAtMs));
    } catch (error) {
      failed(error);
    }
    if (result === undefined) return scheduleNext(own);
    running = result.catch(failed).finally(() => {
      running = undefined;
      scheduleNext(own);
    });
  }

  function scheduleNext(own: number): void {
    if (stopped || own !== generation) return;
    const now = monotonicMs();
    nextAtMs += intervalMs;
    if (nextAtMs <= now) {
      const skipped = Math.floor((now - nextAtMs) / intervalMs) + 1;
      nextAtMs += skipped * intervalMs;
      log.warn({ ticker: name, skipped }, 'scheduled runs skipped: previous run overran its interval');
    }
    timer = timers.setTimeout(fire, nextAtMs - now);
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      generation += 1;
      nextAtMs = monotonicMs();
      fire();
    },
    async stop() {
      stopped = true;
      timers.clearTimeout(timer);
      await running;
    },
  };
}
