/**
 * The SQLite store checkpoints its WAL every WAL_CHECKPOINT_PAGES pages (sqliteStore.ts), so that no
 * commit pays on the event loop for copying more than that and its own pages into the file. The
 * WAL file is reused from its start after each complete checkpoint and never shrinks, so its size is
 * the most pages it ever held: at SQLite's default of 1,000 pages the same writes leave it about
 * three times as large.
 */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStore, WAL_CHECKPOINT_PAGES } from '../../collector/store/sqlite/sqliteStore.js';
import type { ReportRecord } from '../../collector/store/store.js';

const T0 = Date.parse('2026-11-24T00:00:00Z');
/** A WAL frame: a page of 4,096 bytes (SQLite's default page size) and its 24-byte header. */
const FRAME_BYTES = 4_096 + 24;

function report(hostname: string, sequence: number): ReportRecord {
  return {
    agentId: `agent-${hostname}`, hostname, labels: {}, version: 'test', intervalSeconds: 15, sequence, receivedAtMs: T0 + 50, checks: [],
    samples: Array.from({ length: 40 }, (_, i) => ({ metric: `metric_${i}`, labels: { host: hostname, slot: String(i) }, value: i * 1.5, atMs: T0 })),
  };
}

describe('the SQLite store\'s WAL', () => {
  it('is checkpointed every few hundred pages, so that its file never holds many more than that and one commit', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tripline-wal-')), 'tripline.db');
    const store = openSqliteStore({ file });
    let sequence = 1;
    let largest = 0;
    // 40 commits of 50 new hosts' reports: about 190 pages each, 7,600 in all.
    for (let batch = 0; batch < 40; batch++) {
      store.transaction((tx) => {
        for (let host = 0; host < 50; host++) expect(tx.insertReport(report(`host-${batch}-${host}`, sequence++))).toBe(true);
      });
      largest = Math.max(largest, statSync(`${file}-wal`).size);
    }
    // Checkpointed at 1,000 pages, as SQLite does by default, the same commits left the file at 1,200 pages.
    expect(largest).toBeGreaterThan(WAL_CHECKPOINT_PAGES * FRAME_BYTES);
    expect(largest).toBeLessThan((WAL_CHECKPOINT_PAGES + 350) * FRAME_BYTES);
    // Nothing written was lost to the checkpoints: every host and its last report is there after reopening.
    store.close();
    const reopened = openSqliteStore({ file });
    expect(reopened.findSeries({ metric: 'metric_39' })).toHaveLength(2_000);
    reopened.close();
  });
});
