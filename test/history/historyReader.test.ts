/**
 * The history read surface: raw or rollups by span and step (a table), rollup reads that agree
 * with the raw samples across the compacted and the hot part, label filters, and the latest values
 * of many hosts, from the last report, from older hot reports, or from compressed chunks when a
 * host has been silent past the hot window.
 */
import { describe, expect, it } from 'vitest';
import { chooseResolution, createHistoryReader, type ReadSeriesQuery } from '../../collector/history/historyReader.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { ReportRecord, Store } from '../../collector/store/store.js';

const T0 = Date.parse('2026-11-24T00:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function report(host: string, sequence: number, atMs: number, extra: ReportRecord['samples'] = []): ReportRecord {
  return {
    agentId: host, hostname: host, labels: { group: 'web' }, version: 'test', intervalSeconds: 15, sequence, receivedAtMs: atMs,
    samples: [
      { metric: 'filesystem_used_ratio', labels: { host, group: 'web', mount: '/' }, value: 0.5 + (sequence % 10) / 100, atMs },
      { metric: 'filesystem_used_ratio', labels: { host, group: 'web', mount: '/var' }, value: 0.25, atMs },
      ...extra,
    ],
    checks: [],
  };
}

/** web-1 and web-2 report for 4 hours; web-3 only in the first hour (silent since). The first 3 hours are compacted. */
function fixture(): Store {
  const store = openSqliteStore({ file: ':memory:' });
  store.transaction((tx) => {
    let sequence = 0;
    for (let at = T0; at < T0 + 4 * HOUR; at += 15_000) {
      sequence++;
      tx.insertReport(report('web-1', sequence, at, sequence % 40 === 1 ? [{ metric: 'check_status', labels: { host: 'web-1', group: 'web', check: 'ssh' }, value: 0, atMs: at, text: `SSH OK ${sequence}` }] : []));
      tx.insertReport(report('web-2', sequence, at));
      if (at < T0 + HOUR) tx.insertReport(report('web-3', sequence, at));
    }
  });
  while (store.compactHistory(T0 + 3 * HOUR) !== undefined);
  return store;
}

describe('history reads', () => {
  // Each row: a query's span and step, the raw retention's start, and the resolution read.
  it.each<{ name: string; query: Pick<ReadSeriesQuery, 'fromMs' | 'toMs' | 'stepMs' | 'resolution'>; rawSince: number; expected: string }>([
    { name: 'a day, no step', query: { fromMs: T0, toMs: T0 + DAY }, rawSince: 0, expected: 'raw' },
    { name: '7 days, no step', query: { fromMs: T0, toMs: T0 + 7 * DAY }, rawSince: 0, expected: 'raw' },
    { name: '30 days, no step', query: { fromMs: T0, toMs: T0 + 30 * DAY }, rawSince: 0, expected: '5m' },
    { name: 'a year, no step', query: { fromMs: T0, toMs: T0 + 365 * DAY }, rawSince: 0, expected: '1h' },
    { name: 'a 1-minute step', query: { fromMs: T0, toMs: T0 + 30 * DAY, stepMs: 60_000 }, rawSince: 0, expected: 'raw' },
    { name: 'a 10-minute step', query: { fromMs: T0, toMs: T0 + DAY, stepMs: 600_000 }, rawSince: 0, expected: '5m' },
    { name: 'a 2-hour step', query: { fromMs: T0, toMs: T0 + DAY, stepMs: 2 * HOUR }, rawSince: 0, expected: '1h' },
    { name: 'a day older than the raw retention', query: { fromMs: T0, toMs: T0 + DAY }, rawSince: T0 + HOUR, expected: '5m' },
    { name: 'raw asked for explicitly', query: { fromMs: T0, toMs: T0 + 30 * DAY, resolution: 'raw' }, rawSince: T0 + HOUR, expected: 'raw' },
  ])('reads $name from $expected', ({ query, rawSince, expected }) => {
    expect(chooseResolution(query, rawSince)).toBe(expected);
  });

  it('reads raw samples across compressed and hot history, filtered by labels and matchers', () => {
    const store = fixture();
    const reader = createHistoryReader({ store, clock: { nowMs: () => T0 + 4 * HOUR }, rawRetentionMs: 14 * DAY });
    const [root, ...others] = reader.readSeries({ hostname: 'web-1', metric: 'filesystem_used_ratio', labels: { mount: '/' }, fromMs: T0, toMs: T0 + 4 * HOUR });
    expect(others).toEqual([]);
    expect(root!.resolution).toBe('raw');
    expect(root!.points).toHaveLength(4 * 240);
    expect(root!.points.map((p) => p.value)).toEqual(store.querySeries('filesystem_used_ratio', { host: 'web-1', group: 'web', mount: '/' }, T0, T0 + 4 * HOUR).map((s) => s.value));
    const matched = reader.readSeries({ metric: 'filesystem_used_ratio', matchers: [{ label: 'mount', op: '=~', value: '/v.*' }, { label: 'host', op: '!=', value: 'web-3' }], fromMs: T0, toMs: T0 + HOUR });
    expect(matched.map((r) => `${r.series.hostname}${r.series.labels.mount}`)).toEqual(['web-1/var', 'web-2/var']);
    const checks = reader.readSeries({ hostname: 'web-1', metric: 'check_status', fromMs: T0, toMs: T0 + 4 * HOUR });
    expect(checks[0]!.points.slice(0, 2).map((p) => p.text)).toEqual(['SSH OK 1', 'SSH OK 41']);
  });

  // Each row: a resolution or step; the buckets must agree with the raw samples, hot part included.
  it.each<{ name: string; stepMs?: number; resolution?: '5m' | '1h' }>([
    { name: '5-minute rollups', resolution: '5m' },
    { name: '1-hour rollups', resolution: '1h' },
    { name: '15-minute steps from 5-minute rollups', stepMs: 900_000 },
  ])('reads $name that agree with the raw samples', ({ stepMs, resolution }) => {
    const store = fixture();
    const reader = createHistoryReader({ store, clock: { nowMs: () => T0 + 4 * HOUR }, rawRetentionMs: 14 * DAY });
    const query = { hostname: 'web-2', metric: 'filesystem_used_ratio', labels: { mount: '/' }, fromMs: T0, toMs: T0 + 4 * HOUR - 1, ...(stepMs ? { stepMs } : {}), ...(resolution ? { resolution } : {}) };
    const [read] = reader.readSeries(query);
    const bucketMs = read!.stepMs!;
    const raw = reader.readSeries({ ...query, resolution: 'raw', stepMs: bucketMs })[0]!;
    expect(read!.resolution).not.toBe('raw');
    expect(read!.points.length).toBe((4 * HOUR) / bucketMs);
    const round = (p: { atMs: number; value: number; min: number; max: number; count: number }) => ({ ...p, value: Number(p.value.toFixed(9)) });
    expect(read!.points.map(round)).toEqual(raw.points.map(round));
  });

  // Each row: a step; readHost (every series of a host at once, rollups summed by the store) must answer what readSeries answers series by series.
  it.each<{ name: string; stepMs: number }>([
    { name: 'raw 1-minute steps', stepMs: 60_000 },
    { name: '17-minute steps from 5-minute rollups', stepMs: 17 * 60_000 },
    { name: '2-hour steps from 1-hour rollups', stepMs: 2 * HOUR },
  ])('reads a whole host in $name as readSeries reads each series', ({ stepMs }) => {
    const store = fixture();
    const reader = createHistoryReader({ store, clock: { nowMs: () => T0 + 4 * HOUR }, rawRetentionMs: 14 * DAY });
    const range = { fromMs: T0 + 10 * 60_000, toMs: T0 + 4 * HOUR - 1, stepMs };
    const host = reader.readHost({ hostname: 'web-1', ...range });
    expect(host.map((r) => `${r.series.metric}${r.series.labels.mount ?? r.series.labels.check}`)).toEqual(['check_statusssh', 'filesystem_used_ratio/', 'filesystem_used_ratio/var']);
    const round = (p: { atMs: number; value: number; min: number; max: number; count: number }) => ({ atMs: p.atMs, value: Number(p.value.toFixed(9)), min: p.min, max: p.max, count: p.count });
    for (const read of host) {
      const [one] = reader.readSeries({ hostname: 'web-1', metric: read.series.metric, labels: read.series.labels, ...range, fromMs: read.resolution === 'raw' ? range.fromMs : range.fromMs - (range.fromMs % 300_000) });
      expect([read.resolution, read.stepMs]).toEqual([one!.resolution, one!.stepMs]);
      expect(read.points.map(round)).toEqual(one!.points.map(round));
      expect(read.points.reduce((n, p) => n + p.count, 0)).toBeGreaterThan(0);
    }
    expect(reader.readHost({ hostname: 'web-1', metrics: ['filesystem_used_ratio'], labels: { mount: '/var' }, ...range }).map((r) => r.series.labels.mount)).toEqual(['/var']);
    expect(reader.readHost({ hostname: 'no-such-host', ...range })).toEqual([]);
  });

  it('gives the latest value of every host: from the last report, older hot reports, or compressed chunks', () => {
    const store = fixture();
    const reader = createHistoryReader({ store, clock: { nowMs: () => T0 + 4 * HOUR }, rawRetentionMs: 14 * DAY });
    const latest = reader.latestValues({ metric: 'filesystem_used_ratio', labels: { mount: '/' } });
    expect(latest.map((l) => [l.series.hostname, l.atMs - T0])).toEqual([
      ['web-1', 4 * HOUR - 15_000],
      ['web-2', 4 * HOUR - 15_000],
      ['web-3', HOUR - 15_000],
    ]);
    // The check ran in an earlier report than the last one.
    const [check] = reader.latestValues({ metric: 'check_status', hostnames: ['web-1'] });
    expect(check).toMatchObject({ atMs: T0 + 920 * 15_000, text: 'SSH OK 921' });
    expect(reader.latestValues({ metric: 'filesystem_used_ratio', hostnames: ['web-3'], labels: { mount: '/var' } }).map((l) => l.value)).toEqual([0.25]);
  });

  it('refuses a range that ends before it starts and a step that is not positive', () => {
    const reader = createHistoryReader({ store: fixture(), clock: { nowMs: () => T0 }, rawRetentionMs: DAY });
    expect(() => reader.readSeries({ metric: 'm', fromMs: T0 + 1, toMs: T0 })).toThrow(/from .* is after to/);
    expect(() => reader.readSeries({ metric: 'm', fromMs: T0, toMs: T0 + 1, stepMs: 0 })).toThrow(/step must be positive/);
  });
});
