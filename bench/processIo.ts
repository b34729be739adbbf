/**
 * What this process has written so far, from /proc/self/io: `wchar`, the bytes passed to write(2)
 * and its kin (here, SQLite's writes to the database and its WAL, whether or not the page cache has
 * sent them to the disk yet).
 */
import { readFileSync } from 'node:fs';

/** Bytes this process has passed to write(2) and its kin so far (/proc/self/io `wchar`). */
export function bytesWritten(): number {
  return Number(/^wchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? NaN);
}

/**
 * The time this process's main thread has run so far, in microseconds (the first field of
 * /proc/self/task/<pid>/schedstat: the scheduler's nanoseconds on a CPU, exact, where
 * process.cpuUsage sums every thread's, V8's helpers and SQLite's checkpoint thread included). The
 * main thread is what holds a collector's rate at saturation (bench:ingest's "the machine at
 * saturation" line).
 */
export function mainThreadMicros(): number {
  return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ', 1)[0]) / 1000;
}
