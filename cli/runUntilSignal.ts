/**
 * Keeps a long-running command alive until SIGTERM or SIGINT, then stops it cleanly once; a
 * second signal while stopping exits at once. SIGHUP calls `reload` when given.
 */
import type { Logger } from 'pino';

export interface RunningParts {
  stop(): Promise<void>;
  reload?(): void;
}

export function runUntilSignal(parts: RunningParts, log: Logger): void {
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal while stopping: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    parts.stop().then(
      () => {
        log.flush();
        process.exitCode = 0;
        setImmediate(() => process.exit(0));
      },
      (error: unknown) => {
        log.error({ err: error }, 'clean shutdown failed');
        log.flush();
        setImmediate(() => process.exit(1));
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  if (parts.reload) process.on('SIGHUP', () => parts.reload!());
}
