/**
 * Store.checkpointLog on SQLite: a passive checkpoint that copies the WAL's pages into the file, so
 * that the next commits write the WAL from its start and none of them pays for copying the pages
 * before it (history maintenance takes it after each pruning step, historyMaintenance.ts). The WAL
 * file is reused from its start after a complete checkpoint and never shrinks, so its size is the
 * most pages it ever held: without the checkpoints the same commits leave it at SQLite's 1,000-page
 * automatic checkpoint and one commit more.
 */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
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
