/**
 * Where the embedded engine keeps its file under a data directory. Its own module so that the CLI's
 * operator commands can find the database without loading the collector's HTTP server.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';

/** The database file under a data directory. */
export function databasePath(dataDir: string): string {
  return join(dataDir, 'tripline.db');
}

/**
 * The size of the write-ahead log beside the database `file` (`FILE-wal`), in bytes: 0 when there is
 * none (no connection has written since the last one closed, or it was cut to nothing). What the
 * commits added and the checkpoints have not yet let start over (see walCheckpointer.ts). NaN when
 * the file cannot be looked at (a path through something that is not a directory, a directory it
 * may not read): a gauge says it does not know rather than failing the whole scrape.
 */
export function writeAheadLogBytes(file: string): number {
  try {
    return statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0;
  } catch {
    return Number.NaN;
  }
}
