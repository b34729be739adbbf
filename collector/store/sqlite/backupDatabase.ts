/**
 * An online, consistent copy of the collector's SQLite database, taken while the collector runs.
 *
 * `VACUUM INTO` writes the database as one read transaction sees it: in WAL mode that snapshot
 * holds every transaction committed before it began (the collector acknowledges a report only after
 * its transaction commits, so every report acknowledged before the backup started is in it), it
 * never blocks the collector's writers, and unlike the page-by-page backup API it is never restarted
 * by their commits, so it finishes under any ingest load. The copy is written beside the target,
 * mode 0600 (it holds agent credential hashes), checked with `PRAGMA integrity_check`, synced, and only
 * then renamed into place: a failed or interrupted backup never leaves a file under the target name.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { assertSchemaNotNewer, schemaVersionOf } from './schemaVersion.js';

/** What a backup wrote. */
export interface BackupResult {
  file: string;
  bytes: number;
  schemaVersion: number;
}

/** Copies the database at `source` to `target` (which must not exist yet); see the module comment. */
export function backupDatabase(source: string, target: string): BackupResult {
  if (existsSync(target)) throw new Error(`${target} already exists; a backup never overwrites a file`);
  if (!existsSync(source)) throw new Error(`no database at ${source}: has the collector run with this data directory?`);
  const partial = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  closeSync(openSync(partial, 'wx', 0o600));
  try {
    const db = new Database(source, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 10000');
      assertSchemaNotNewer(db, source);
      db.prepare('VACUUM INTO ?').run(partial);
    } finally {
      db.close();
    }
    const copy = new Database(partial, { readonly: true, fileMustExist: true });
    let schemaVersion: number;
    try {
      const problems = copy.pragma('integrity_check') as Array<{ integrity_check: string }>;
      if (problems.length !== 1 || problems[0]!.integrity_check !== 'ok') {
        throw new Error(`the copy failed its integrity check: ${problems.map((p) => p.integrity_check).join('; ')}`);
      }
      schemaVersion = schemaVersionOf(copy);
    } finally {
      copy.close();
    }
    syncFile(partial);
    renameSync(partial, target);
    syncFile(dirname(target));
    return { file: target, bytes: statSync(target).size, schemaVersion };
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
