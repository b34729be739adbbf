/**
 * A background pass that runs again after a delay chosen from its own result, never overlapping
 * itself: the outbox worker (again at once while there is work) and the desk sync (every interval)
 * share it. A failed pass is logged and the loop goes on; `stop` waits for the pass in flight.
 */
import type { Logger } from 'pino';

export interface PollingLoop {
  start(): void;
  stop(): Promise<void>;
  /** True once stop was called: a long pass checks it between items and returns early. */
  stopping(): boolean;
}

export interface PollingLoopOptions<T> {
  pass: () => Promise<T>;
  /** Delay before the next pass; `undefined` when the pass failed. */
  nextDelayMs: (result: T | undefined) => number;
  log: Logger;
  /** The log message of a failed pass. */
  failureMessage: string;
}

export function createPollingLoop<T>(options: PollingLoopOptions<T>): PollingLoop {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let scheduling = false;
  /** Set by stop only: a pass run by hand (tests, runOnce) before any start is not stopping. */
  let stopRequested = false;

  const schedule = (delayMs: number): void => {
    if (!scheduling) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = options
        .pass()
        .then(
          (result) => options.nextDelayMs(result),
          (error: unknown) => {
            options.log.error({ err: error }, options.failureMessage);
            return options.nextDelayMs(undefined);
          },
        )
        .then((next) => {
          running = undefined;
          schedule(next);
        });
    }, delayMs);
    timer.unref();
  };

  return {
    start() {
      scheduling = true;
      stopRequested = false;
      schedule(0);
    },
    async stop() {
      scheduling = false;
      stopRequested = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (running) await running;
    },
    stopping: () => stopRequested,
  };
}
