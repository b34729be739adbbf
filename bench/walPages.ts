/**
 * `node dist/bench/walPages.js FILE`: which b-trees the last commits to a SQLite file wrote. Reads the
 * frames of the WAL's current generation (`FILE-wal`, those whose salt matches its header: the
 * commits since the last checkpoint restarted it), and attributes each frame's page to its table or
 * index through SQLite's `dbstat` on a copy of the file and its WAL (the copy, so that a collector
 * writing FILE meanwhile is neither blocked nor changed). Prints frames per commit and distinct
 * pages by b-tree: a b-tree whose frames per commit are near the reports per commit takes a page of
 * its own per report (README, "Running the benchmarks"). Run it on bench:ingest's database
 * (`/tmp/tripline-bench-*` while it runs) during a phase; it is a sample of the last commits, not an
 * average. Figures only.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { walFrames } from './walFrames.js';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: node dist/bench/walPages.js FILE (a SQLite database in WAL mode)');
if (!existsSync(`${file}-wal`)) {
  console.error(`${file}-wal does not exist: ${file} is not in WAL mode, or no connection has it open (the last one to close removes its log)`);
  process.exit(1);
}
const wal = readFileSync(`${file}-wal`);
const { pageSize, pages, commits, bytes } = walFrames(wal);
const dir = mkdtempSync(join(tmpdir(), 'tripline-walpages-'));
const owner = new Map<number, string>();
try {
  copyFileSync(file, join(dir, 'copy.db'));
  // The current generation only, as SQLite itself reads the log.
  writeFileSync(join(dir, 'copy.db-wal'), wal.subarray(0, bytes));
  const db = new Database(join(dir, 'copy.db'), { readonly: true });
  for (const row of db.prepare('SELECT name, pageno FROM dbstat').iterate() as Iterable<{ name: string; pageno: number }>) owner.set(row.pageno, row.name);
  db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const frames = new Map<string, number>();
const distinct = new Map<string, Set<number>>();
for (const page of pages) {
  const name = owner.get(page) ?? '(not in the file)';
  frames.set(name, (frames.get(name) ?? 0) + 1);
  let set = distinct.get(name);
  if (set === undefined) distinct.set(name, (set = new Set()));
  set.add(page);
}
const perCommit = (n: number) => (commits > 0 ? (n / commits).toFixed(2) : '-');
console.log(`${file}-wal: page size ${pageSize}, ${pages.length} frames in ${commits} commits since the log restarted (${perCommit(pages.length)} frames a commit)`);
for (const [name, count] of [...frames].sort((a, b) => b[1] - a[1])) {
  console.log(`  ${name.padEnd(40)} ${String(count).padStart(7)} frames  ${perCommit(count).padStart(7)} a commit  ${String(distinct.get(name)!.size).padStart(6)} distinct pages`);
}
