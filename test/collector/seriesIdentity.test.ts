/**
 * Series identity at ingest: a report of the same shape as its host's last one reuses its series
 * ids by position; whatever changes (a series added in the middle, one gone, labels in another
 * order or with another value, a rolled-back report) still lands every sample in its own series.
 */
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { ReportRecord } from '../../collector/store/store.js';

const T0 = Date.parse('2026-11-24T00:00:00Z');

function report(sequence: number, samples: Array<[metric: string, labels: Record<string, string>]>): ReportRecord {
  return {
    agentId: 'a1', hostname: 'h1', labels: {}, version: 'test', intervalSeconds: 15, sequence, receivedAtMs: T0 + sequence * 15_000, checks: [],
    samples: samples.map(([metric, labels], i) => ({ metric, labels: { host: 'h1', ...labels }, value: sequence * 100 + i, atMs: T0 + sequence * 15_000 })),
  };
}

describe('series identity by report shape', () => {
  it('keeps every sample in its own series whatever the shape does from one report to the next', () => {
    const store = openSqliteStore({ file: ':memory:' });
    const shapes: Array<Array<[string, Record<string, string>]>> = [
      [['fs', { mount: '/' }], ['fs', { mount: '/var' }], ['cpu', {}]],
      [['fs', { mount: '/' }], ['fs', { mount: '/var' }], ['cpu', {}]],
      // A series added in the middle shifts every position after it.
      [['fs', { mount: '/' }], ['fs', { mount: '/data' }], ['fs', { mount: '/var' }], ['cpu', {}]],
      // One gone; labels given in another order (same series), and another value (another series).
      [['fs', { mount: '/var' }], ['cpu', {}], ['fs', { mount: '/' }]],
      [['fs', { mount: '/' }], ['cpu', { core: '0' }], ['cpu', {}]],
    ];
    store.transaction((tx) => shapes.forEach((shape, i) => tx.insertReport(report(i + 1, shape))));
    expect(() =>
      store.transaction((tx) => {
        tx.insertReport(report(6, [['fs', { mount: '/' }], ['new_series', {}]]));
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    store.transaction((tx) => tx.insertReport(report(7, [['fs', { mount: '/' }], ['new_series', {}]])));
    const values = (metric: string, labels: Record<string, string>) => store.querySeries(metric, { host: 'h1', ...labels }, 0, T0 + 10 * 15_000).map((s) => s.value);
    expect(values('fs', { mount: '/' })).toEqual([100, 200, 300, 402, 500, 700]);
    expect(values('fs', { mount: '/var' })).toEqual([101, 201, 302, 400]);
    expect(values('fs', { mount: '/data' })).toEqual([301]);
    expect(values('cpu', {})).toEqual([102, 202, 303, 401, 502]);
    expect(values('cpu', { core: '0' })).toEqual([501]);
    expect(values('new_series', {})).toEqual([701]);
    expect(store.findSeries({ hostname: 'h1', metric: 'new_series' })).toHaveLength(1);
    store.close();
  });
});
