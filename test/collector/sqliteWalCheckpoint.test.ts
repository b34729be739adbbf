/**
 * Store.checkpointLog on SQLite: a passive checkpoint that copies the WAL's pages into the file, so
 * that the next commits write the WAL from its start and none of them pays for copying the pages
 * before it (history maintenance takes it after each pruning step, historyMaintenance.ts). The WAL
 * file is reused from its start after a complete checkpoint and never shrinks, so its size is the
 * most pages it ever held: without the checkpoints the same commits leave it at SQLite's 1,000-page
 * automatic checkpoint and one commit more.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeAheadLogBytes } from '../../collector/store/sqlite/databasePath.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import { startWalCheckpointer } from '../../collector/store/sqlite/walCheckpointer.js';
import type { ReportRecord, Store } from '../../collector/store/store.js';

const T0 = Date.parse('2026-11-24T00:00:00Z');
/** A WAL frame: a page of 4,096 bytes (SQLite's default page size) and its 24-byte header. */
const FRAME_BYTES = 4_096 + 24;

function report(hostname: string, sequence: number): ReportRecord {
  return {
    agentId: `agent-${hostname}`, hostname, labels: {}, version: 'test', intervalSeconds: 15, sequence, receivedAtMs: T0 + 50, checks: [],
    samples: Array.from({ length: 40 }, (_, i) => ({ metric: `metric_${i}`, labels: { host: hostname, slot: String(i) }, value: i * 1.5, atMs: T0 })),
  };
}

/** 40 commits of 50 new hosts' reports (about 190 pages each), `between` run after each; the WAL file's largest size. */
function largestWal(store: Store, file: string, between: () => void): number {
  let sequence = 1;
  let largest = 0;
  for (let batch = 0; batch < 40; batch++) {
    store.transaction((tx) => {
      for (let host = 0; host < 50; host++) expect(tx.insertReport(report(`host-${batch}-${host}`, sequence++))).toBe(true);
    });
    largest = Math.max(largest, statSync(`${file}-wal`).size);
    between();
  }
  return largest;
}

describe('Store.checkpointLog on SQLite', () => {
  const tempFile = () => join(mkdtempSync(join(tmpdir(), 'tripline-wal-')), 'tripline.db');

  it('copies the WAL into the file, so that commits after it start the WAL again', () => {
    const file = tempFile();
    const store = openSqliteStore({ file });
    const largest = largestWal(store, file, () => store.checkpointLog());
    // One commit's pages (and the first commit's schema pages), not the automatic checkpoint's 1,000.
    expect(largest).toBeLessThan(300 * FRAME_BYTES);
    // Nothing written was lost to the checkpoints: every host's series is there after reopening.
    store.close();
    const reopened = openSqliteStore({ file });
    expect(reopened.findSeries({ metric: 'metric_39' })).toHaveLength(2_000);
    reopened.close();
  });

  it('is what bounds the WAL: without it the same commits grow it past 1,000 pages', () => {
    const file = tempFile();
    const store = openSqliteStore({ file });
    expect(largestWal(store, file, () => {})).toBeGreaterThan(1_000 * FRAME_BYTES);
    store.close();
  });

  it('does nothing on a read-only store beside a writer (SQLite would fail it with a disk I/O error)', () => {
    const file = tempFile();
    const store = openSqliteStore({ file });
    store.transaction((tx) => void tx.insertReport(report('host-1', 1)));
    const reader = openSqliteStore({ file, readOnly: true });
    expect(() => reader.checkpointLog()).not.toThrow();
    expect(reader.findSeries({ metric: 'metric_0' })).toHaveLength(1);
    reader.close();
    store.close();
  });
});

describe('the checkpoint thread (walCheckpointer.ts)', () => {
  const tempFile = () => join(mkdtempSync(join(tmpdir(), 'tripline-walthread-')), 'tripline.db');
  const until = async (what: string, done: () => boolean, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it('copies the pages beside the commits, which no longer checkpoint, and hands the file back whole at close', async () => {
    const file = tempFile();
    const failures: Error[] = [];
    const store = openSqliteStore({ file, checkpointThread: { onFailure: (error) => failures.push(error) } });
    const fileBefore = statSync(file).size;
    // 40 commits of about 190 pages, back to back on this thread: no commit copies a page into the file.
    let sequence = 1;
    for (let batch = 0; batch < 40; batch++) {
      store.transaction((tx) => {
        for (let host = 0; host < 50; host++) tx.insertReport(report(`host-${batch}-${host}`, sequence++));
      });
    }
    // The commits' 7,600-odd pages are under the store's own bound of 16,000: no commit checkpointed, and the log
    // grew well past the 1,000 pages and one commit that SQLite's own checkpoint allows (it may have started over
    // once or twice, when this thread paused long enough between two commits for the checkpoints to catch up).
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(2_000 * FRAME_BYTES);
    // The thread copies them, with no commit after the last: the file grows to the database's size.
    const peer = new Database(file, { readonly: true });
    const databaseBytes = (peer.pragma('page_count', { simple: true }) as number) * 4_096;
    peer.close();
    expect(databaseBytes).toBeGreaterThan(fileBefore + 2_000 * 4_096);
    await until('the thread has copied the pages into the file', () => statSync(file).size === databaseBytes);
    expect(failures).toEqual([]);
    store.close();
    // The thread's connection is closed by the time close returns: the file's last close copied what was left and removed the log.
    expect(existsSync(`${file}-wal`)).toBe(false);
    const reopened = openSqliteStore({ file });
    expect(reopened.findSeries({ metric: 'metric_39' })).toHaveLength(2_000);
    reopened.close();
  });

  it('starts once reports of `fromHosts` hosts are stored, and until then the commits checkpoint', async () => {
    const file = tempFile();
    const failures: Error[] = [];
    const store = openSqliteStore({ file, checkpointThread: { onFailure: (error) => failures.push(error), fromHosts: 60 } });
    const commit = (from: number) =>
      store.transaction((tx) => {
        for (let host = from; host < from + 50; host++) tx.insertReport(report(`host-${host}`, 1));
      });
    // 50 hosts: no thread yet; the one commit's pages stay in the log (SQLite's own checkpoint waits for 1,000).
    commit(0);
    const fileBefore = statSync(file).size;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(statSync(file).size).toBe(fileBefore);
    // 100 hosts: the thread starts after this commit and copies both commits' pages.
    commit(50);
    await until('the thread has copied the pages into the file', () => statSync(file).size > fileBefore);
    expect(failures).toEqual([]);
    store.close();
  });

  it('bounds the log when commits follow each other too closely for it to start over', () => {
    const file = tempFile();
    const failures: Error[] = [];
    // Commits back to back on this thread: the log starts over only when a transaction begins with all of it
    // copied, which a checkpoint beside them seldom leaves time for; the store's own checkpoint at the bound does.
    const store = openSqliteStore({ file, checkpointThread: { onFailure: (error) => failures.push(error), logBoundFrames: 300 } });
    expect(largestWal(store, file, () => {})).toBeLessThan(1_000 * FRAME_BYTES);
    expect(failures).toEqual([]);
    store.close();
  });

  it('never holds the writer: a reader keeping its snapshot leaves the commits free and the pages uncopied', async () => {
    const file = tempFile();
    const writer = new Database(file);
    writer.pragma('journal_mode = WAL');
    writer.pragma('wal_autocheckpoint = 0');
    // Were the thread to take the writer's lock, an insert would fail at once instead of waiting.
    writer.pragma('busy_timeout = 0');
    writer.exec('CREATE TABLE t (x BLOB)');
    writer.pragma('wal_checkpoint(TRUNCATE)');
    const fileBefore = statSync(file).size;
    const reader = new Database(file, { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM t').get();
    const failures: Error[] = [];
    const checkpointer = startWalCheckpointer({ file, onFailure: (error) => failures.push(error), everyMs: 5 });
    const insert = writer.prepare('INSERT INTO t VALUES (randomblob(3000))');
    for (let i = 0; i < 200; i++) insert.run();
    // The store takes a change of `PRAGMA data_version` for another connection's commit (and drops what it keeps): a checkpoint is none.
    const dataVersion = writer.pragma('data_version', { simple: true });
    await until('the thread has checkpointed after the writes', () => checkpointer.figures().checkpoints > 3 && checkpointer.figures().logFrames > 0);
    // The reader's snapshot is older than every page written: none may be copied into the file yet.
    expect(statSync(file).size).toBe(fileBefore);
    reader.exec('COMMIT');
    await until('the thread has copied the pages once the reader moved on', () => statSync(file).size > fileBefore);
    expect(writer.pragma('data_version', { simple: true })).toBe(dataVersion);
    checkpointer.stop();
    expect(checkpointer.running()).toBe(false);
    expect(failures).toEqual([]);
    expect((writer.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(200);
    reader.close();
    writer.close();
  });

  it('says when it fails, and the store then checkpoints in its commits again', async () => {
    const file = tempFile();
    const failures: Error[] = [];
    const store = openSqliteStore({ file, checkpointThread: { onFailure: (error) => failures.push(error) } });
    // The thread opens its own connection a few milliseconds later, and finds no file to open.
    rmSync(file);
    await until('the failure is told', () => failures.length > 0);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.message).toMatch(/^the checkpoint thread failed: unable to open database file \(SQLITE_CANTOPEN\)/);
    // The store's connection, still on the unlinked file, checkpoints in its commits: the log stays near 1,000 pages.
    expect(largestWal(store, file, () => {})).toBeLessThan(1_400 * FRAME_BYTES);
    store.close();
  });

  it('stops at once when it cannot start, and tells nothing once stopped', () => {
    const failures: Error[] = [];
    const checkpointer = startWalCheckpointer({ file: join(tmpdir(), 'tripline-no-such-dir', 'none.db'), onFailure: (error) => failures.push(error) });
    checkpointer.stop();
    expect(checkpointer.running()).toBe(false);
    expect(failures).toEqual([]);
  });
});

describe('writeAheadLogBytes (tripline_sqlite_wal_bytes)', () => {
  it('is the log file\'s size while a store writes, and 0 once the last connection closed it or where there is none', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tripline-wal-')), 'tripline.db');
    expect(writeAheadLogBytes(file)).toBe(0);
    const store = openSqliteStore({ file });
    store.transaction((tx) => {
      for (let host = 0; host < 50; host++) tx.insertReport(report(`host-${host}`, 1));
    });
    const bytes = writeAheadLogBytes(file);
    expect(bytes).toBe(statSync(`${file}-wal`).size);
    // The header (32 bytes) and at least the commit's pages.
    expect(bytes).toBeGreaterThan(32 + 50 * FRAME_BYTES);
    expect((bytes - 32) % FRAME_BYTES).toBe(0);
    // The last connection's close copies the log into the file and removes it.
    store.close();
    expect(writeAheadLogBytes(file)).toBe(0);
    // A path it cannot look at (through a regular file: ENOTDIR) is not known, not an error.
    expect(writeAheadLogBytes(join(file, 'tripline.db'))).toBeNaN();
  });
});
