/**
 * Checkpoints of the write-ahead log on a thread of their own. In WAL mode a commit appends its pages
 * to the log, and a checkpoint copies them into the database file (reading them back from the log,
 * writing them, and syncing both files). SQLite's default runs the checkpoint inside the commit that
 * takes the log past 1,000 pages, on the thread that committed: for the collector, the event loop,
 * which then holds every waiting report for as long as the copy and its syncs take (about a tenth
 * of the event loop's time in a profile of bench/ingest.ts in a real fleet's order, most of it
 * waiting for the syncs: the paced ack p99 about halves without it; see docs/performance-history.md,
 * session 48). With a checkpointer a worker thread with a connection of its own
 * runs a PASSIVE checkpoint every CHECKPOINT_EVERY_MS (it copies what no reader still needs, and
 * never takes the writer's lock), so the copy and the syncs run beside the event loop.
 *
 * The log starts over from its beginning only when a transaction begins with every page of it copied;
 * a checkpoint running beside a busy writer can miss that moment for long (the log file grew to 700
 * MB in the ingest bench's first minute with the thread alone). So the store's connection keeps an
 * automatic checkpoint of its own at LOG_BOUND_FRAMES pages (64 MB) instead of SQLite's 1,000: a
 * commit that finds the log that long copies what the thread has not yet (a tenth of a second's
 * pages at most) and the connection's next transaction starts the log over; `journal_size_limit`
 * then cuts a log file that a burst made large back to that size. The thread never takes the
 * writer's lock and never waits for a reader. (While 50,000 agents first report, the log file
 * still reaches 260-280 MB, with the thread or without it: SQLite's checkpoints at 1,000 pages do
 * not keep it shorter then either; bench:ingest, session 48.)
 *
 * Nothing about durability changes: a commit is as durable as before (synchronous=NORMAL: in the log
 * when COMMIT returns), and a checkpoint interrupted by a crash is redone from the log at the next
 * open, as SQLite always does. If the thread fails or ends unasked, the store's connection goes back
 * to checkpointing in its commits (`running()` turns false and `onFailure` is told why).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the thread checkpoints (a PASSIVE checkpoint with nothing to copy costs microseconds). */
export const CHECKPOINT_EVERY_MS = 100;
/** The store's connection's own automatic checkpoint beside the thread (`PRAGMA wal_autocheckpoint`, pages of 4 kB: 64 MB). */
export const LOG_BOUND_FRAMES = 16_000;
/** The size a log file is cut back to when it starts over (`PRAGMA journal_size_limit`, bytes): the bound's. */
export const JOURNAL_SIZE_LIMIT_BYTES = LOG_BOUND_FRAMES * 4_096;
/** How long stop() waits for the thread to close its connection before leaving it to end on its own. */
const STOP_WAIT_MS = 10_000;

/** Slots of the shared control array. */
const STATE = 0;
const STOP = 1;
const CHECKPOINTS = 2;
const LOG_FRAMES = 3;
const SLOTS = 4;
/** Values of control[STATE] (0 while the thread starts). */
const RUNNING = 1;
const ENDED = 2;

export interface WalCheckpointerOptions {
  /** The database file (not ':memory:'), already in WAL mode. */
  file: string;
  /** Told once when the thread fails or ends unasked (the store's connection checkpoints again by then). */
  onFailure(error: Error): void;
  /** How often the thread checkpoints (CHECKPOINT_EVERY_MS). */
  everyMs?: number;
}

export interface WalCheckpointer {
  /** Whether the thread is (or is about to be) checkpointing: false once it failed or was stopped. */
  running(): boolean;
  /** Checkpoints the thread ran, and the pages its last one found in the log. */
  figures(): { checkpoints: number; logFrames: number };
  /** Stops the thread and waits (at most STOP_WAIT_MS) until it has closed its connection. */
  stop(): void;
}

/** What the thread gets (structured-cloned; `control` is shared). */
interface ThreadData {
  file: string;
  driver: string;
  control: SharedArrayBuffer;
  everyMs: number;
  slots: { STATE: number; STOP: number; CHECKPOINTS: number; LOG_FRAMES: number; RUNNING: number; ENDED: number };
}

/** What the thread uses of its better-sqlite3 connection. */
interface ThreadConnection {
  pragma(source: string): unknown;
  prepare(source: string): { get(): unknown };
  close(): void;
}

/**
 * The thread's code. It is sent to the worker as text (`String(checkpointThread)`), so it may use
 * nothing from outside itself but its argument and `require`. It blocks its own thread between
 * checkpoints (Atomics.wait), which stop() wakes.
 */
function checkpointThread(data: ThreadData): void {
  const control = new Int32Array(data.control);
  const { STATE, STOP, CHECKPOINTS, LOG_FRAMES, RUNNING, ENDED } = data.slots;
  const ended = () => {
    Atomics.store(control, STATE, ENDED);
    Atomics.notify(control, STATE);
  };
  if (Atomics.load(control, STOP) !== 0) return ended();
  let db: ThreadConnection | undefined;
  try {
    const Database = require(data.driver);
    db = new Database(data.file, { fileMustExist: true }) as ThreadConnection;
    // A checkpoint reads and writes the files directly, not through the connection's page cache.
    db.pragma('cache_size = -64');
    const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
    Atomics.store(control, STATE, RUNNING);
    Atomics.notify(control, STATE);
    while (Atomics.wait(control, STOP, 0, data.everyMs) === 'timed-out') {
      // PASSIVE: copies what no reader still needs, never waiting for a lock or a reader.
      const done = checkpoint.get() as { log: number } | undefined;
      Atomics.store(control, LOG_FRAMES, Math.max(0, done?.log ?? 0));
      Atomics.add(control, CHECKPOINTS, 1);
    }
  } catch (error) {
    // The driver's errors reach the other thread with their own properties only (a SqliteError's message is lost on the way).
    const { message, code } = (error ?? {}) as { message?: unknown; code?: unknown };
    throw new Error(`${String(message ?? error)}${code === undefined ? '' : ` (${String(code)})`}`);
  } finally {
    db?.close();
    ended();
  }
}

/** Starts the checkpoint thread on `options.file`. The caller sets its own connection's `wal_autocheckpoint` to LOG_BOUND_FRAMES. */
export function startWalCheckpointer(options: WalCheckpointerOptions): WalCheckpointer {
  const control = new Int32Array(new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT));
  const data: ThreadData = {
    file: options.file,
    driver: createRequire(import.meta.url).resolve('better-sqlite3'),
    control: control.buffer as SharedArrayBuffer,
    everyMs: options.everyMs ?? CHECKPOINT_EVERY_MS,
    slots: { STATE, STOP, CHECKPOINTS, LOG_FRAMES, RUNNING, ENDED },
  };
  const source = `(${String(checkpointThread)})(require('node:worker_threads').workerData);`;
  // The thread keeps nothing between checkpoints: a 1 MB nursery and a small old generation are plenty,
  // where V8's defaults (16 MB semi-spaces on a large machine) would let each checkpoint's answers pile
  // up before a collection. What stays is an isolate's and a Node environment's own floor, about 10 MB
  // of RSS (docs/performance-history.md, session 48).
  const worker = new Worker(source, { eval: true, workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16, stackSizeMb: 1 } });
  // The thread never keeps the process alive: a process that ends without stopping it loses nothing (the next open checkpoints).
  worker.unref();
  let stopping = false;
  let failed = false;
  const fail = (error: Error) => {
    if (stopping || failed) return;
    failed = true;
    options.onFailure(error);
  };
  worker.on('error', (error: unknown) => fail(new Error(`the checkpoint thread failed: ${error instanceof Error ? error.message : String(error)}`)));
  worker.on('exit', (code) => fail(new Error(`the checkpoint thread ended unasked (exit code ${code})`)));
  return {
    running: () => !stopping && !failed && Atomics.load(control, STATE) !== ENDED,
    figures: () => ({ checkpoints: Atomics.load(control, CHECKPOINTS), logFrames: Atomics.load(control, LOG_FRAMES) }),
    stop() {
      if (stopping) return;
      stopping = true;
      Atomics.store(control, STOP, 1);
      Atomics.notify(control, STOP);
      // Until the thread has closed its connection (a checkpoint under way finishes first): the store's close is
      // then the file's last, which copies what is left and removes the log. A thread still loading (slow
      // start) sees STOP before it opens anything.
      const deadline = Date.now() + STOP_WAIT_MS;
      for (let state = Atomics.load(control, STATE); state !== ENDED && Date.now() < deadline; state = Atomics.load(control, STATE)) {
        Atomics.wait(control, STATE, state, Math.max(1, deadline - Date.now()));
      }
      void worker.terminate();
    },
  };
}
