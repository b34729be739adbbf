/**
 * The SQLite store: reports round-trip through the chunk format, series are queried back by
 * labels and time, duplicates are refused, retention prunes, and a rolled-back transaction leaves
 * nothing behind (not even cached series ids).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { ReportRecord } from '../../collector/store/store.js';

function record(sequence: number, receivedAtMs: number, value: number): ReportRecord {
  return {
    agentId: 'agent-1',
    hostname: 'web-01',
    labels: { group: 'web' },
    version: 'test',
    intervalSeconds: 15,
    sequence,
    receivedAtMs,
    samples: [
      { metric: 'filesystem_used_ratio', labels: { host: 'web-01', group: 'web', mount: '/' }, value, atMs: receivedAtMs - 100 },
      { metric: 'filesystem_used_ratio', labels: { host: 'web-01', group: 'web', mount: '/var' }, value: value / 2, atMs: receivedAtMs - 100 },
    ],
    checks: [],
  };
}

describe('SQLite store', () => {
  it('stores reports once and reads a series back over a time range', () => {
    const store = openSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'tripline-store-')), 'db.sqlite') });
    const base = Date.parse('2026-11-24T00:00:00Z');
    store.transaction((tx) => {
      for (let i = 0; i < 10; i++) expect(tx.insertReport(record(i, base + i * 15_000, i / 10))).toBe(true);
      expect(tx.insertReport(record(3, base + 99_000, 0.99))).toBe(false); // re-sent sequence
    });
    // Label order does not matter; only the '/' series comes back; the range is inclusive.
    const series = store.querySeries('filesystem_used_ratio', { mount: '/', group: 'web', host: 'web-01' }, base + 15_000 - 100, base + 45_000 - 100);
    expect(series.map((s) => s.value)).toEqual([0.1, 0.2, 0.3]);
    expect(series.map((s) => s.atMs)).toEqual([base + 14_900, base + 29_900, base + 44_900]);
    expect(store.listHosts()).toMatchObject([{ hostname: 'web-01', lastSequence: 9, labels: { group: 'web' } }]);
    store.close();
  });

  it('prunes report chunks received before the cutoff', () => {
    const store = openSqliteStore({ file: ':memory:' });
    const base = Date.parse('2026-11-24T00:00:00Z');
    store.transaction((tx) => {
      for (let i = 0; i < 4; i++) tx.insertReport(record(i, base + i * 60_000, 0.5));
    });
    expect(store.pruneBefore(base + 120_000)).toBe(2);
    const left = store.querySeries('filesystem_used_ratio', { host: 'web-01', group: 'web', mount: '/' }, 0, base + 600_000);
    expect(left).toHaveLength(2);
  });

  it('keeps nothing from a transaction that threw, and reuses nothing it minted', () => {
    const store = openSqliteStore({ file: ':memory:' });
    const base = Date.parse('2026-11-24T00:00:00Z');
    expect(() =>
      store.transaction((tx) => {
        tx.insertReport(record(0, base, 0.5));
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(store.listHosts()).toEqual([]);
    store.transaction((tx) => tx.insertReport(record(0, base, 0.7)));
    expect(store.querySeries('filesystem_used_ratio', { host: 'web-01', group: 'web', mount: '/' }, 0, base + 1000).map((s) => s.value)).toEqual([0.7]);
  });

  it('allows only one active incident per fingerprint', () => {
    const store = openSqliteStore({ file: ':memory:' });
    const incident = {
      key: 'k1', fingerprint: 'fp', ruleName: 'r', ruleVersion: 'v', host: 'h', severity: 'critical', summary: 's', description: '',
      labels: {}, status: 'open' as const, openedAtMs: 1, resolvedAtMs: null, updatedAtMs: 1, why: {},
    };
    store.transaction((tx) => tx.insertIncident(incident));
    expect(() => store.transaction((tx) => tx.insertIncident({ ...incident, key: 'k2' }))).toThrow(/UNIQUE/);
    store.transaction((tx) => tx.updateIncident(1, { status: 'resolved', resolvedAtMs: 2 }));
    expect(store.transaction((tx) => tx.insertIncident({ ...incident, key: 'k3' })).id).toBe(2);
  });
});
