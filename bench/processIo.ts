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
