/**
 * A crash during compaction loses and duplicates nothing: a real process compacting a real SQLite
 * file is killed with SIGKILL (no chance to clean up) after a varying number of committed blocks,
 * or of steps of the sweep of a block's compacted rows, and each time the database still holds
 * every sample exactly once, a re-sent report is still a duplicate, and compaction carries on from
 * where the dead process stopped; once everything is compacted, no hot row is left.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { ReportRecord, Store } from '../../collector/store/store.js';

const T0 = Date.parse('2026-11-24T00:00:00Z');
const HOUR = 3_600_000;
const HOSTS = 12;
const HOURS = 6;
const SERIES = 30;
const CHILD = resolve(import.meta.dirname, 'compactionChild.ts');

function report(host: number, sequence: number, atMs: number): ReportRecord {
  const hostname = `db-${host}`;
  return {
    agentId: hostname, hostname, labels: {}, version: 'test', intervalSeconds: 15, sequence, receivedAtMs: atMs,
    samples: Array.from({ length: SERIES }, (_, i) => ({ metric: 'crash_test_value', labels: { host: hostname, index: String(i) }, value: sequence * 1000 + i, atMs })),
    checks: [],
  };
}

/** Per host: (time, value) pairs of every stored sample of the host's index-0 and index-29 series. */
function census(store: Store): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  for (const series of store.findSeries({ metric: 'crash_test_value' })) {
    if (series.labels.index !== '0' && series.labels.index !== String(SERIES - 1)) continue;
    seen.set(`${series.hostname}/${series.labels.index}`, store.seriesPoints(series, 0, T0 + 10 * HOUR).map((p) => `${p.atMs}=${p.value}`));
  }
  return seen;
}

/** Rows a step of the child's sweeps goes through: an hour of the 12 hosts (2,880 rows) is some 58 steps. */
const SWEEP_STEP_ROWS = 50;

/**
 * Runs the compacting child and SIGKILLs it after `commits` committed blocks or `sweeps` steps of
 * sweeping, whichever comes first; resolves with how many of each it saw.
 */
function compactAndKill(file: string, { commits = Infinity, sweeps = Infinity }: { commits?: number; sweeps?: number }): Promise<{ committed: number; swept: number; finished: boolean }> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file, String(T0 + HOURS * HOUR), String(SWEEP_STEP_ROWS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let committed = 0;
    let swept = 0;
    let finished = false;
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.stdout.on('data', (data: Buffer) => {
      for (const line of data.toString().split('\n')) {
        if (line.startsWith('compacted')) committed++;
        if (line === 'swept') swept++;
        if (line === 'done') finished = true;
      }
      if (committed >= commits || swept >= sweeps) child.kill('SIGKILL');
    });
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && code !== 0) fail(new Error(`compaction child exited with ${code}: ${stderr}`));
      else ok({ committed, swept, finished });
    });
  });
}

describe('a compaction killed with SIGKILL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-compaction-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loses and duplicates nothing, and the next compaction carries on', async () => {
    const file = join(dir, 'tripline.db');
    const store = openSqliteStore({ file });
    let sequence = 0;
    store.transaction((tx) => {
      for (let at = T0; at < T0 + HOURS * HOUR; at += 15_000) {
        sequence++;
        for (let host = 0; host < HOSTS; host++) tx.insertReport(report(host, sequence, at));
      }
    });
    const expected = census(store);
    expect([...expected.values()].every((points) => points.length === HOURS * 240)).toBe(true);
    store.close();

    // Kill after 1, 5 and 17 commits: the process is always inside its next block's transaction or between two; then
    // 3, 40 and 1 steps into a sweep (a run that finds a sweep pending starts it over from the table's first row; the
    // rows an earlier run deleted are gone).
    for (const kill of [{ commits: 1 }, { commits: 5 }, { commits: 17 }, { sweeps: 3 }, { sweeps: 40 }, { sweeps: 1 }]) {
      const { committed, swept, finished } = await compactAndKill(file, kill);
      expect(finished).toBe(false);
      if (kill.commits !== undefined) expect(committed).toBeGreaterThanOrEqual(kill.commits);
      else expect(swept).toBeGreaterThanOrEqual(kill.sweeps);
      const reopened = openSqliteStore({ file });
      expect(census(reopened)).toEqual(expected);
      reopened.transaction((tx) => {
        for (let host = 0; host < HOSTS; host++) expect(tx.insertReport(report(host, 1, T0))).toBe(false);
      });
      reopened.close();
    }
    const final = openSqliteStore({ file });
    let blocks = 0;
    while (final.compactHistory(T0 + HOURS * HOUR) !== undefined) blocks++;
    expect(blocks).toBeGreaterThan(0);
    expect(census(final)).toEqual(expected);
    expect(final.transaction((tx) => tx.insertReport(report(0, sequence, T0 + HOURS * HOUR - 15_000)))).toBe(false);
    final.close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM report_chunks').get()).toEqual({ n: 0 });
    db.close();
  }, 120_000);
});
