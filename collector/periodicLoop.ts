/**
 * The one shape of every background loop in the collector (outbox delivery, desk sync, the
 * missed-report watcher, reachability probes, pruning): a run, then a delay chosen from its result,
 * then the next run, so two runs never overlap. A run that throws or rejects is logged and the loop
 * goes on; `stop` cancels the next run and waits for the one in flight. The default timer is
 * unref'd, so a loop never keeps the process alive; tests pass a timer they step by hand.
 */
import type { Logger } from 'pino';

/** Schedules one callback after a delay, and cancels it. */
export interface LoopTimer {
  schedule(callback: () => void, delayMs: number): unknown;
  cancel(handle: unknown): void;
}

/** setTimeout, unref'd: a pending run does not hold the process open. */
export const unrefTimer: LoopTimer = {
  schedule: (callback, delayMs) => setTimeout(callback, delayMs).unref(),
  cancel: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface PeriodicLoop {
  start(): void;
  /** Cancels the next run and resolves once the run in flight (if any) has settled. */
  stop(): Promise<void>;
  /** True once stop was called: a long run checks it between items and returns early. */
  stopping(): boolean;
  /**
   * Seconds since the last run that succeeded ended, or since the loop started when none has since
   * (the lag of a once-only job where it runs); null while the loop is stopped.
   */
  runAgeSeconds(): number | null;
}

export interface PeriodicLoopOptions<T> {
  run: () => T | Promise<T>;
  /** The delay before the next run: fixed, or chosen from the last run's result (`undefined` when it failed). */
  delayMs: number | ((result: T | undefined) => number);
  /** The delay before the first run after `start`; by default the same as after a failed run. */
  firstDelayMs?: number;
  log: Logger;
  /** The log message of a failed run. */
  failureMessage: string;
  timer?: LoopTimer;
}

export function createPeriodicLoop<T>(options: PeriodicLoopOptions<T>): PeriodicLoop {
  const timer = options.timer ?? unrefTimer;
  const delayAfter = (result: T | undefined): number => (typeof options.delayMs === 'number' ? options.delayMs : options.delayMs(result));
  let handle: unknown;
  let running: Promise<void> | undefined;
  /** Bumped by every start and stop, so a run of an earlier start never schedules another. */
  let generation = 0;
  let active = false;
  /** Set by stop only: a run made by hand before any start is not stopping. */
  let stopRequested = false;
  let startedAtMs = 0;
  let lastSuccessAtMs = Number.NEGATIVE_INFINITY;

  const runOnce = async (): Promise<number> => {
    try {
      const result = await options.run();
      lastSuccessAtMs = Date.now();
      return delayAfter(result);
    } catch (error) {
      options.log.error({ err: error }, options.failureMessage);
      return delayAfter(undefined);
    }
  };

  const schedule = (startedBy: number, delayMs: number): void => {
    if (startedBy !== generation) return;
    handle = timer.schedule(() => {
      handle = undefined;
      running = runOnce().then((next) => {
        running = undefined;
        schedule(startedBy, next);
      });
    }, delayMs);
  };

  return {
    start() {
      if (active) return;
      active = true;
      stopRequested = false;
      startedAtMs = Date.now();
      const startedBy = ++generation;
      const first = options.firstDelayMs ?? delayAfter(undefined);
      if (running) void running.then(() => schedule(startedBy, first));
      else schedule(startedBy, first);
    },
    async stop() {
      active = false;
      stopRequested = true;
      generation++;
      if (handle !== undefined) timer.cancel(handle);
      handle = undefined;
      if (running) await running;
    },
    stopping: () => stopRequested,
    runAgeSeconds: () => (active ? (Date.now() - Math.max(startedAtMs, lastSuccessAtMs)) / 1000 : null),
  };
}
