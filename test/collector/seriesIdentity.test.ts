/**
 * Series identity at ingest: a report of the same shape as its host's last one reuses its series
 * ids by position; whatever changes (a series added in the middle, one gone, labels in another
 * order or with another value, a rolled-back report) still lands every sample in its own series.
 */
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { ReportRecord } from '../../collector/store/store.js';
import { reportToRecord } from '../../collector/ingest/reportToRecord.js';
import { REPORT_SCHEMA_VERSION, type Report } from '../../contract/report.js';

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

  it('reuses ids by the shape of the wire report, and never across a change of host name, agent labels, order or checks', () => {
    const store = openSqliteStore({ file: ':memory:' });
    const wire = (sequence: number, observations: Array<[string, Record<string, string>]>, agent: { hostname?: string; labels?: Record<string, string>; checks?: string[] } = {}): Report => {
      const at = new Date(T0 + sequence * 15_000).toISOString();
      return {
        schemaVersion: REPORT_SCHEMA_VERSION,
        agent: { id: 'a1', hostname: agent.hostname ?? 'h1', version: 'test', intervalSeconds: 15, labels: agent.labels ?? { group: 'web' } },
        sequence,
        sentAt: at,
        observations: observations.map(([metric, labels], i) => ({ metric, labels, value: sequence * 100 + i, at })),
        checks: (agent.checks ?? []).map((name) => ({ name, status: 'ok' as const, output: 'fine', at, durationSeconds: 0.01 })),
      };
    };
    const a: Array<[string, Record<string, string>]> = [['fs', { mount: '/', device: 'sda' }], ['cpu', {}]];
    const b: Array<[string, Record<string, string>]> = [['fs', { mount: '/', device: 'sda' }], ['smart', { device: 'sda' }], ['cpu', {}]];
    const reports = [
      wire(1, a),
      wire(2, b), // a slower probe: two shapes alternate
      wire(3, a),
      wire(4, b),
      wire(5, [['fs', { device: 'sda', mount: '/' }], ['cpu', {}]]), // the same labels in another order: the same series
      wire(6, a, { labels: { group: 'db' } }), // other agent labels: other series
      wire(7, a, { hostname: 'h1-renamed', labels: { group: 'db' } }), // another host name: other series
      wire(8, a, { hostname: 'h1-renamed', labels: { group: 'db' }, checks: ['nginx'] }), // a check added at the end
      wire(9, [['cpu', {}], ['fs', { mount: '/', device: 'sda' }]], { hostname: 'h1-renamed', labels: { group: 'db' }, checks: ['nginx'] }),
    ];
    const insert = (list: Report[]) => store.transaction((tx) => list.forEach((r) => tx.insertReport(reportToRecord(r, T0 + r.sequence * 15_000))));
    const values = (metric: string, labels: Record<string, string>) => store.querySeries(metric, labels, 0, T0 + 20 * 15_000).map((s) => s.value);
    insert(reports.slice(0, 6));
    expect(values('fs', { host: 'h1', group: 'web', mount: '/', device: 'sda' })).toEqual([100, 200, 300, 400, 500]);
    expect(values('cpu', { host: 'h1', group: 'web' })).toEqual([101, 202, 301, 402, 501]);
    expect(values('smart', { host: 'h1', group: 'web', device: 'sda' })).toEqual([201, 401]);
    expect(values('fs', { host: 'h1', group: 'db', mount: '/', device: 'sda' })).toEqual([600]);
    insert(reports.slice(6)); // the host's series are found by its current name from here on
    expect(values('fs', { host: 'h1-renamed', group: 'db', mount: '/', device: 'sda' })).toEqual([700, 800, 901]);
    expect(values('cpu', { host: 'h1-renamed', group: 'db' })).toEqual([701, 801, 900]);
    expect(values('check_status', { host: 'h1-renamed', group: 'db', kind: '', check: 'nginx' })).toEqual([0, 0]);
    store.close();
  });
});
