/**
 * The latest values of a metric across hosts (issue 15: the fleet's latest values of a metric in
 * memory on the embedded engine, read through on the shared one), on both engines: after the first
 * read every stored report moves them on, a series that stops reporting keeps its last sample, a
 * late report of an older time changes nothing, rolled-back writes leave nothing, a restart and
 * pruning are followed, and a second collector's reports in the same database are seen (PostgreSQL,
 * or one SQLite file shared on one host).
 */
import { describe, expect, it } from 'vitest';
import { createHistoryReader } from '../../collector/history/historyReader.js';
import type { ReportRecord, Store } from '../../collector/store/store.js';
import { storeEngines } from '../support/storeEngines.js';

const BASE = Date.parse('2026-11-24T00:00:00Z');

/** One report of `host`: its CPU, a check with its output line, and its /tmp disk unless `withDisk` is false. */
function report(host: string, sequence: number, atMs: number, cpu: number, withDisk = true): ReportRecord {
  const samples: Array<ReportRecord['samples'][number]> = [
    { metric: 'cpu_usage_ratio', labels: { host }, value: cpu, atMs },
    { metric: 'check_status', labels: { host, check: 'ntp' }, value: cpu > 0.5 ? 2 : 0, atMs, text: `offset ${cpu} s` },
  ];
  if (withDisk) samples.push({ metric: 'filesystem_used_ratio', labels: { host, mount: '/tmp' }, value: cpu / 10, atMs });
  return { agentId: `agent-${host}`, hostname: host, labels: {}, version: 'test', intervalSeconds: 15, sequence, receivedAtMs: atMs, samples, checks: [] };
}

const store1 = (store: Store, ...reports: ReportRecord[]) => store.transaction((tx) => reports.forEach((r) => tx.insertReport(r)));

/** The latest values of `metric` by host, as the Prometheus API and the console read them. */
function latest(store: Store, metric: string): Record<string, [number, number, string?]> {
  const reader = createHistoryReader({ store, clock: { nowMs: () => BASE }, rawRetentionMs: 400 * 86_400_000 });
  const out: Record<string, [number, number, string?]> = {};
  for (const v of reader.latestValues({ metric })) out[v.series.hostname] = v.text === undefined ? [v.atMs, v.value] : [v.atMs, v.value, v.text];
  return out;
}

describe.each(storeEngines())('latest values ($name)', (engine) => {
  it('move on with every report stored after the first read; a series that stops keeps its last sample; a late older report changes nothing', () => {
    const store = engine.open();
    store1(store, report('a', 1, BASE, 0.1), report('b', 5, BASE, 0.2));
    expect(latest(store, 'cpu_usage_ratio')).toEqual({ a: [BASE, 0.1], b: [BASE, 0.2] });
    expect(latest(store, 'filesystem_used_ratio')).toEqual({ a: [BASE, 0.01], b: [BASE, 0.02] });
    // Host a's disk stops reporting; a new host c comes; host b's agent sends a report it had spooled (an older sequence and time).
    store1(store, report('a', 2, BASE + 15_000, 0.7, false), report('c', 1, BASE + 15_000, 0.3), report('b', 4, BASE - 60_000, 0.9));
    expect(latest(store, 'cpu_usage_ratio')).toEqual({ a: [BASE + 15_000, 0.7], b: [BASE, 0.2], c: [BASE + 15_000, 0.3] });
    expect(latest(store, 'filesystem_used_ratio')).toEqual({ a: [BASE, 0.01], b: [BASE, 0.02], c: [BASE + 15_000, 0.03] });
    expect(latest(store, 'check_status')).toEqual({ a: [BASE + 15_000, 2, 'offset 0.7 s'], b: [BASE, 0, 'offset 0.2 s'], c: [BASE + 15_000, 0, 'offset 0.3 s'] });
    // Many reports later, a's disk still has its last sample (beyond the few last reports searched on a first read).
    for (let i = 3; i < 60; i++) store1(store, report('a', i, BASE + i * 15_000, 0.4, false));
    expect(latest(store, 'filesystem_used_ratio').a).toEqual([BASE, 0.01]);
    expect(latest(store, 'cpu_usage_ratio').a).toEqual([BASE + 59 * 15_000, 0.4]);
    store.close();
  });

  it('keep nothing of a transaction or a savepoint that rolled back', () => {
    const store = engine.open();
    store1(store, report('a', 1, BASE, 0.1));
    expect(latest(store, 'cpu_usage_ratio')).toEqual({ a: [BASE, 0.1] });
    expect(() =>
      store.transaction((tx) => {
        tx.insertReport(report('a', 2, BASE + 15_000, 0.5));
        throw new Error('the batch failed');
      }),
    ).toThrow('the batch failed');
    expect(latest(store, 'cpu_usage_ratio')).toEqual({ a: [BASE, 0.1] });
    store.transaction((tx) => {
      expect(() =>
        tx.savepoint(() => {
          tx.insertReport(report('a', 3, BASE + 30_000, 0.6));
          throw new Error('this report failed');
        }),
      ).toThrow('this report failed');
      tx.insertReport(report('a', 4, BASE + 45_000, 0.3));
    });
    expect(latest(store, 'cpu_usage_ratio')).toEqual({ a: [BASE + 45_000, 0.3] });
    expect(latest(store, 'check_status')).toEqual({ a: [BASE + 45_000, 0, 'offset 0.3 s'] });
    store.close();
  });

  it('are the same after a restart, for series read before it and series not', () => {
    const database = engine.database();
    const before = database.open();
    store1(before, report('a', 1, BASE, 0.1), report('b', 1, BASE, 0.2));
    expect(latest(before, 'cpu_usage_ratio')).toEqual({ a: [BASE, 0.1], b: [BASE, 0.2] });
    store1(before, report('a', 2, BASE + 15_000, 0.5, false), report('b', 2, BASE + 15_000, 0.6));
    const wanted = { cpu: latest(before, 'cpu_usage_ratio'), disk: latest(before, 'filesystem_used_ratio'), checks: latest(before, 'check_status') };
    before.close();
    const after = database.open();
    expect({ cpu: latest(after, 'cpu_usage_ratio'), disk: latest(after, 'filesystem_used_ratio'), checks: latest(after, 'check_status') }).toEqual(wanted);
    expect(wanted.disk).toEqual({ a: [BASE, 0.01], b: [BASE + 15_000, 0.06] });
    // Compacted history too: the newest sample of a series is found in its compressed chunk.
    expect(after.compactHistory(BASE + 3 * 3_600_000)).toBeDefined();
    expect(after.compactHistory(BASE + 3 * 3_600_000)).toBeDefined();
    after.close();
    const compacted = database.open();
    expect(latest(compacted, 'filesystem_used_ratio')).toEqual(wanted.disk);
    store1(compacted, report('a', 3, BASE + 30_000, 0.8));
    expect(latest(compacted, 'filesystem_used_ratio')).toEqual({ ...wanted.disk, a: [BASE + 30_000, 0.08] });
    compacted.close();
  });

  it('forget what retention pruned', () => {
    const store = engine.open();
    store1(store, report('a', 1, BASE, 0.1), report('b', 1, BASE + 7_200_000, 0.2));
    expect(latest(store, 'cpu_usage_ratio')).toEqual({ a: [BASE, 0.1], b: [BASE + 7_200_000, 0.2] });
    while (store.pruneBefore(BASE + 3_600_000, 1) > 0);
    expect(latest(store, 'cpu_usage_ratio')).toEqual({ b: [BASE + 7_200_000, 0.2] });
    store.close();
  });

  it("find a host's series made after the metric's series were read, and a host's new name", () => {
    const store = engine.open();
    store1(store, report('a', 1, BASE, 0.1));
    expect(store.findSeries({ metric: 'cpu_usage_ratio' }).map((s) => s.hostname)).toEqual(['a']);
    store1(store, report('b', 1, BASE, 0.2));
    expect(store.findSeries({ metric: 'cpu_usage_ratio' }).map((s) => s.hostname)).toEqual(['a', 'b']);
    // Agent a's host renamed: its series (the same rows) now carry the new name.
    store1(store, { ...report('a', 2, BASE + 15_000, 0.3), hostname: 'c' });
    expect(store.findSeries({ metric: 'cpu_usage_ratio' }).map((s) => s.hostname)).toEqual(['b', 'c']);
    // What a caller gets is its own array.
    store.findSeries({ metric: 'cpu_usage_ratio' }).pop();
    expect(store.findSeries({ metric: 'cpu_usage_ratio' })).toHaveLength(2);
    store.close();
  });

  // Both engines: several collectors may share one SQLite file on one host (README, leases).
  it("see another collector's reports in the shared store", () => {
    const database = engine.database();
    const [one, two] = [database.open(), database.open()];
    store1(one, report('a', 1, BASE, 0.1));
    expect(latest(one, 'cpu_usage_ratio')).toEqual({ a: [BASE, 0.1] });
    // The agent fails over to the other collector, and a new host reports there.
    store1(two, report('a', 2, BASE + 15_000, 0.5), report('b', 1, BASE + 15_000, 0.2));
    expect(latest(one, 'cpu_usage_ratio')).toEqual({ a: [BASE + 15_000, 0.5], b: [BASE + 15_000, 0.2] });
    expect(latest(two, 'cpu_usage_ratio')).toEqual(latest(one, 'cpu_usage_ratio'));
    // And back: the first collector's own writes after the other's are followed too.
    store1(one, report('a', 3, BASE + 30_000, 0.7));
    expect(latest(two, 'cpu_usage_ratio')).toEqual({ a: [BASE + 30_000, 0.7], b: [BASE + 15_000, 0.2] });
    expect(latest(one, 'cpu_usage_ratio')).toEqual({ a: [BASE + 30_000, 0.7], b: [BASE + 15_000, 0.2] });
    one.close();
    two.close();
  });
});
