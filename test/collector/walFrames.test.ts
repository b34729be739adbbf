/**
 * bench/walFrames.ts reads the frames of a SQLite WAL's current generation (bench/walPages.ts
 * attributes them to b-trees): on a real WAL, the commits it counts are the ones made since the log
 * last restarted, and frames an earlier generation left past them are not counted.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { walFrames } from '../../bench/walFrames.js';

describe('walFrames', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-walframes-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('counts the commits and pages of the current generation only', () => {
    const file = join(dir, 'w.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('BEGIN; CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB); CREATE TABLE u (id INTEGER PRIMARY KEY); COMMIT');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    // Four commits of several pages each (rows of 3 kB: one page a row and more).
    for (let commit = 0; commit < 4; commit++) db.transaction(() => { for (let i = 0; i < 5; i++) insert.run(Buffer.alloc(3000, commit)); })();
    const first = walFrames(readFileSync(`${file}-wal`));
    expect(first.pageSize).toBe(4096);
    expect(first.commits).toBe(5); // the CREATE TABLEs' commit and four
    expect(first.pages.length).toBeGreaterThan(20);
    expect(first.bytes).toBe(readFileSync(`${file}-wal`).length);
    const uRoot = (db.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'u'").get() as { rootpage: number }).rootpage;

    // Copied into the file, the log restarts with the next write: one small commit over the start of the old frames.
    db.pragma('wal_checkpoint(PASSIVE)');
    db.prepare('INSERT INTO u DEFAULT VALUES').run();
    const wal = readFileSync(`${file}-wal`);
    const second = walFrames(wal);
    expect(wal.length).toBe(first.bytes); // the old generation's frames are still in the file...
    expect(second.commits).toBe(1); // ...and not counted
    expect(second.pages).toContain(uRoot);
    expect(second.pages.length).toBeLessThan(5);
    expect(second.bytes).toBe(32 + second.pages.length * (24 + 4096));
    db.close();
  });

  it('reads an empty or missing log as no frames', () => {
    expect(walFrames(Buffer.alloc(0))).toEqual({ pageSize: 0, pages: [], commits: 0, bytes: 0 });
  });
});
