/**
 * Compaction of the hot report rows into compressed series chunks and rollups, on a real SQLite
 * file: every read (one series, the time-ordered replay, the latest values) answers the same
 * before and after; a report re-sent after its row was compacted is still a duplicate; a report
 * that arrives after its block was compacted adds a part; rollups agree with the raw samples;
 * retention prunes raw chunks and rollups separately; an upgraded database keeps its hot rows.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROLLUP_BUCKET_MS, type RollupResolution } from '../../collector/domain/history.js';
import pino from 'pino';
import { compactOldestInSteps, DEFAULT_PRUNE_STEP_ROWS, maintainHistory, restingPause, type RestingClock } from '../../collector/history/historyMaintenance.js';
import { addToBuckets } from '../../collector/history/rollupBuckets.js';
import Database from 'better-sqlite3';
import { compactRows } from '../../collector/store/historyBlocks.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { ReportRecord, Store } from '../../collector/store/store.js';

const T0 = Date.parse('2026-11-24T00:00:00Z');
const HOUR = 3_600_000;

function report(host: number, sequence: number, atMs: number): ReportRecord {
  const hostname = `web-${host}`;
  const labels = (extra: Record<string, string> = {}) => ({ host: hostname, group: 'web', ...extra });
  return {
    agentId: `agent-${host}`,
    hostname,
    labels: { group: 'web' },
    version: 'test',
    intervalSeconds: 15,
    sequence,
    receivedAtMs: atMs + 50,
    samples: [
      { metric: 'cpu_usage_ratio', labels: labels(), value: Math.abs(Math.sin(sequence * (host + 1))), atMs },
      { metric: 'filesystem_used_ratio', labels: labels({ mount: '/' }), value: 0.5, atMs },
      // Special values round-trip through compaction too; rollups leave them out.
      { metric: 'odd_value', labels: labels(), value: [NaN, -0, Infinity, 5e-324][sequence % 4]!, atMs },
      { metric: 'check_status', labels: labels({ check: 'ssh' }), value: sequence % 3 === 0 ? 2 : 0, atMs: atMs + 7, text: `SSH ${sequence}` },
    ],
    checks: [],
  };
}

/** Two hosts, one report every 15 s for `hours` hours from T0. */
function fill(store: Store, hours: number, firstSequence = 1): number {
  let sequence = firstSequence;
  store.transaction((tx) => {
    for (let at = T0; at < T0 + hours * HOUR; at += 15_000, sequence++) for (const host of [1, 2]) tx.insertReport(report(host, sequence, at));
  });
  return sequence;
}

function snapshot(store: Store) {
  const series = store.querySeries('check_status', { host: 'web-1', group: 'web', check: 'ssh' }, T0, T0 + 10 * HOUR);
  const odd = store.querySeries('odd_value', { host: 'web-2', group: 'web' }, T0, T0 + 10 * HOUR);
  const replay = [...store.iterateSamples(T0 + 1_000, T0 + 10 * HOUR)];
  const latest = store.latestPoints(store.findSeries({ metric: 'cpu_usage_ratio' }));
  return { series, odd: odd.map((s) => [s.atMs, Object.is(s.value, -0) ? '-0' : String(s.value)]), replay, latest: [...latest] };
}

function compactAll(store: Store, beforeMs: number): number {
  let blocks = 0;
  while (store.compactHistory(beforeMs) !== undefined) blocks++;
  return blocks;
}

const tempFile = () => join(mkdtempSync(join(tmpdir(), 'tripline-history-')), 'tripline.db');

/** Compacts the next host of the oldest due block, as the maintenance does, without sweeping; whether there was one. */
function compactOneHost(store: Store, beforeMs: number): boolean {
  const hot = store.readHotBlock(beforeMs);
  if (hot === undefined) return false;
  expect(store.writeCompactedBlock(hot, compactRows(hot.rows))).toBeDefined();
  return true;
}

/** The hot rows in the file (covered or not), read through a connection of its own. */
function hotRowCount(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM report_chunks').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Every sample of web-1, and what a sparkline's read of its cpu series visits (stepVisits), as strings. */
function hostReads(store: Store) {
  const samples = [...store.hostSamples('web-1', T0, T0 + 10 * HOUR)].map((s) => `${s.metric}${JSON.stringify(s.labels)}@${s.atMs}=${s.value}`).sort();
  return { samples, firstOfEachStep: stepVisits(store).firstOfEachStep };
}

/**
 * The samples a sparkline's read of web-1's cpu series in 5-minute steps visits (compacted ones all,
 * hot ones the first of each step), and the first of each step, which the console shows.
 */
function stepVisits(store: Store) {
  const visits: string[] = [];
  const first = new Map<number, string>();
  store.visitStepSamples(store.findSeries({ hostname: 'web-1', metric: 'cpu_usage_ratio' }), T0, T0 + 3 * HOUR, 5 * 60_000, (seriesId, atMs, value) => {
    visits.push(`${seriesId}@${atMs}=${value}`);
    const step = Math.floor((atMs - T0) / (5 * 60_000));
    if (!first.has(step) || atMs < Number(first.get(step)!.split('=')[0])) first.set(step, `${atMs}=${value}`);
  });
  return { visits: visits.sort(), firstOfEachStep: [...first].sort(([a], [b]) => a - b).map(([, v]) => v) };
}

describe('history compaction', () => {
  it('answers every read the same before and after compacting, one transaction per host and block', () => {
    const store = openSqliteStore({ file: tempFile() });
    fill(store, 3);
    const before = snapshot(store);
    expect(before.series).toHaveLength(3 * 240);
    expect(before.series[2]).toMatchObject({ value: 2, text: 'SSH 3' });
    // Only blocks that ended before the cutoff are compacted: the third hour stays hot.
    expect(compactAll(store, T0 + 2 * HOUR + 1)).toBe(4);
    expect(store.compactHistory(T0 + 3 * HOUR - 1)).toBeUndefined();
    expect(snapshot(store)).toEqual(before);
    expect(compactAll(store, T0 + 3 * HOUR)).toBe(2);
    expect(snapshot(store)).toEqual(before);
    store.close();
  });

  it('reads a compacted block not yet swept once (its hot rows covered), and the sweep deletes the covered rows only', () => {
    const file = tempFile();
    const store = openSqliteStore({ file });
    fill(store, 3);
    const before = { ...snapshot(store), ...hostReads(store) };
    expect(before.samples.length).toBeGreaterThan(0);
    expect(before.firstOfEachStep).toHaveLength(36);
    const same = () => expect({ ...snapshot(store), ...hostReads(store) }).toEqual(before);
    // web-1's first hour compacted: its 240 rows stay in the table, covered, and every read still finds each sample once.
    expect(compactOneHost(store, T0 + 3 * HOUR)).toBe(true);
    expect(hotRowCount(file)).toBe(3 * 480);
    same();
    const coveredVisits = stepVisits(store).visits;
    // So does a read-only connection (the CLI's, beside a running collector).
    const reader = openSqliteStore({ file, readOnly: true });
    expect({ ...snapshot(reader), ...hostReads(reader) }).toEqual(before);
    reader.close();
    // A re-sent report of a covered row is still a duplicate.
    store.transaction((tx) => expect(tx.insertReport(report(1, 5, T0 + 60_000))).toBe(false));
    // The sweep: steps of 100 rowids from the table's first row to the last covered one (rowid 479: web-1 arrived
    // first each time), deleting web-1's rows of the hour and none of web-2's.
    const removed: number[] = [];
    for (let step = store.sweepCompacted(100); step !== undefined; step = store.sweepCompacted(100)) removed.push(step);
    expect(removed).toEqual([50, 50, 50, 50, 40]);
    expect(store.sweepCompacted(100)).toBeUndefined();
    expect(hotRowCount(file)).toBe(3 * 480 - 240);
    same();
    // The sparkline's read visits the chunk's samples, not the covered rows too.
    expect(coveredVisits).toEqual(stepVisits(store).visits);
    // web-2's first hour, then the next hour's search waits for the sweep; compacting the rest sweeps as it goes.
    expect(compactOneHost(store, T0 + 3 * HOUR)).toBe(true);
    expect(compactOneHost(store, T0 + 3 * HOUR)).toBe(false);
    same();
    expect(compactAll(store, T0 + 3 * HOUR)).toBe(4);
    expect(hotRowCount(file)).toBe(0);
    same();
    store.close();
  });

  it('compacts in slices as the maintenance does, texts and special values included, and writes nothing when stopped mid-way', async () => {
    const store = openSqliteStore({ file: tempFile() });
    fill(store, 3);
    const before = snapshot(store);
    const steps: string[] = [];
    // Stopping after the first slice of encoding: nothing is written, every row stays hot.
    let turns = 0;
    const stopped = await compactOldestInSteps(store, T0 + 3 * HOUR, { pause: async () => void turns++, stopping: () => turns > 1, sliceMs: 0 });
    expect(stopped).toBeUndefined();
    expect(store.readHotBlock(T0 + 3 * HOUR)?.rows).toHaveLength(240);
    // A slice of 0 ms yields after every chunk: many encoding steps, one read and one write per block.
    let blocks = 0;
    while ((await compactOldestInSteps(store, T0 + 3 * HOUR, { pause: async () => {}, sliceMs: 0, onStep: (step) => steps.push(step) })) !== undefined) blocks++;
    expect(blocks).toBe(6);
    expect(steps.filter((step) => step === 'write')).toHaveLength(6);
    expect(steps.filter((step) => step === 'encode').length).toBeGreaterThan(6 * 4);
    expect(snapshot(store)).toEqual(before);
    store.close();
  });

  it('still refuses a re-sent report after its row was compacted, and adds a late report as a part of its block', () => {
    const store = openSqliteStore({ file: tempFile() });
    const next = fill(store, 2);
    compactAll(store, T0 + 2 * HOUR);
    store.transaction((tx) => {
      expect(tx.insertReport(report(1, 5, T0 + 60_000))).toBe(false);
      expect(tx.insertReport(report(1, next - 1, T0 + 2 * HOUR - 15_000))).toBe(false);
      // A spooled report from the first hour, sent late under a new sequence.
      expect(tx.insertReport(report(1, next + 100, T0 + 7_500))).toBe(true);
    });
    expect(compactAll(store, T0 + 2 * HOUR)).toBe(1);
    const cpu = store.querySeries('cpu_usage_ratio', { host: 'web-1', group: 'web' }, T0, T0 + 60_000);
    expect(cpu.map((s) => s.atMs - T0)).toEqual([0, 7_500, 15_000, 30_000, 45_000, 60_000]);
    const [bucket] = store.rollups(store.findSeries({ hostname: 'web-1', metric: 'cpu_usage_ratio' })[0]!.seriesId, '1h', T0, T0);
    expect(bucket!.count).toBe(241);
    store.close();
  });

  it('keeps the records of what was compacted while their rows wait for the sweep, so that retention does not uncover those rows', () => {
    const file = tempFile();
    const store = openSqliteStore({ file });
    const next = fill(store, 2);
    compactAll(store, T0 + 2 * HOUR);
    // A late report of the first hour, received hours later; compacted, not yet swept.
    store.transaction((tx) => expect(tx.insertReport({ ...report(1, next + 100, T0 + 7_500), receivedAtMs: T0 + 5 * HOUR })).toBe(true));
    expect(compactOneHost(store, T0 + 2 * HOUR)).toBe(true);
    const firstHour = () => store.querySeries('cpu_usage_ratio', { host: 'web-1', group: 'web' }, T0, T0 + 2 * HOUR).map((s) => s.atMs - T0);
    expect(firstHour()).toHaveLength(2 * 240 + 1);
    // Raw retention up to T0 + 3 h: both hours' chunks go; the late row, received after the cutoff, stays, still covered.
    while (store.pruneBefore(T0 + 3 * HOUR, 1_000) >= 1_000);
    expect(firstHour()).toEqual([]);
    expect(hotRowCount(file)).toBe(1);
    // Swept, it goes, and the next pruning takes the records.
    while (store.sweepCompacted(1_000) !== undefined);
    expect(hotRowCount(file)).toBe(0);
    store.pruneBefore(T0 + 3 * HOUR, 1_000);
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM compacted_reports').get()).toEqual({ n: 0 });
    db.close();
    store.close();
  });

  // Each row: a resolution; its buckets must equal the ones computed from the raw samples.
  it.each<{ resolution: RollupResolution }>([{ resolution: '5m' }, { resolution: '1h' }])('keeps $resolution rollups that agree with the raw samples', ({ resolution }) => {
    const store = openSqliteStore({ file: tempFile() });
    fill(store, 3);
    for (const metric of ['cpu_usage_ratio', 'odd_value', 'check_status']) {
      const [series] = store.findSeries({ hostname: 'web-2', metric });
      const raw = store.seriesPoints(series!, T0, T0 + 3 * HOUR);
      const expected = [...addToBuckets(new Map(), raw.map((p) => p.atMs), raw.map((p) => p.value), ROLLUP_BUCKET_MS[resolution]).values()];
      compactAll(store, T0 + 3 * HOUR);
      const stored = store.rollups(series!.seriesId, resolution, T0, T0 + 3 * HOUR);
      // SQLite keeps -0 as 0 in a REAL column: the same minimum for a rollup.
      const same = (b: { sum: number; min: number }) => ({ ...b, sum: Number(b.sum.toFixed(9)), min: b.min + 0 });
      expect(stored.map(same)).toEqual(expected.map(same));
    }
    store.close();
  });

  it('prunes raw history and rollups by their own retention, in bounded steps', () => {
    const store = openSqliteStore({ file: tempFile() });
    fill(store, 3);
    compactAll(store, T0 + 2 * HOUR);
    const [series] = store.findSeries({ hostname: 'web-1', metric: 'cpu_usage_ratio' });
    // Raw: the first block's chunks go (8 series chunks: 4 series x 2 hosts), in steps of 5.
    expect(store.pruneBefore(T0 + HOUR, 5)).toBe(5);
    expect(store.pruneBefore(T0 + HOUR, 5)).toBe(3);
    expect(store.pruneBefore(T0 + HOUR, 5)).toBe(0);
    expect(store.seriesPoints(series!, T0, T0 + 3 * HOUR)[0]!.atMs).toBe(T0 + HOUR);
    expect(store.rollups(series!.seriesId, '1h', T0, T0 + 3 * HOUR)).toHaveLength(2);
    // Re-sent sequences of a pruned block are forgotten with it, as their hot rows would have been.
    expect(store.pruneRollupsBefore(T0 + HOUR)).toBe(4 * 2 * (12 + 1) - 2 * 2 * 0);
    expect(store.rollups(series!.seriesId, '1h', T0, T0 + 3 * HOUR).map((b) => b.startMs)).toEqual([T0 + HOUR]);
    store.close();
  });

  it('prunes hot rows received before the cutoff from the oldest arrival on, and a row received out of order once the rows before it are gone', () => {
    const store = openSqliteStore({ file: tempFile() });
    const next = fill(store, 2);
    const [series] = store.findSeries({ hostname: 'web-1', metric: 'cpu_usage_ratio' });
    // Nothing compacted: the first hour's 240 reports of each host are hot rows received before T0 + 1 h.
    expect(store.pruneBefore(T0 + HOUR)).toBe(2 * 240);
    expect(store.seriesPoints(series!, T0, T0 + 3 * HOUR).map((p) => p.atMs)).toEqual(Array.from({ length: 240 }, (_, i) => T0 + HOUR + i * 15_000));
    expect(store.pruneBefore(T0 + HOUR)).toBe(0);
    // The collector's clock set back: a report arrives after the others with an earlier receive time.
    store.transaction((tx) => expect(tx.insertReport({ ...report(1, next, T0 + 2 * HOUR), receivedAtMs: T0 + 600_000 })).toBe(true));
    expect(store.pruneBefore(T0 + HOUR)).toBe(0);
    expect(store.pruneBefore(T0 + HOUR + 15_000 + 51)).toBe(2 * 2);
    expect(store.seriesPoints(series!, T0, T0 + 3 * HOUR).at(-1)!.atMs).toBe(T0 + 2 * HOUR);
    expect(store.pruneBefore(T0 + 2 * HOUR + 51)).toBe(2 * 238 + 1);
    expect(store.seriesPoints(series!, T0, T0 + 3 * HOUR)).toEqual([]);
    store.close();
  });
});

describe('the maintenance pass', () => {
  const log = pino({ level: 'silent' });

  it('prunes in steps of DEFAULT_PRUNE_STEP_ROWS, each followed by a checkpoint, with a turn of the event loop between steps, and stops between steps when asked', async () => {
    const store = openSqliteStore({ file: tempFile() });
    fill(store, 4);
    compactAll(store, T0 + 4 * HOUR);
    const steps: string[] = [];
    const limits: number[] = [];
    const spy = (name: 'pruneBefore' | 'pruneRollupsBefore') => {
      const prune = store[name].bind(store);
      store[name] = (cutoffMs: number, limit?: number) => {
        limits.push(limit!);
        const removed = prune(cutoffMs, limit);
        steps.push(`${name} ${removed}`);
        return removed;
      };
    };
    spy('pruneBefore');
    spy('pruneRollupsBefore');
    const checkpoint = store.checkpointLog.bind(store);
    store.checkpointLog = () => {
      steps.push('checkpoint');
      checkpoint();
    };
    const options = { store, clock: { nowMs: () => T0 + 7 * HOUR }, log, compactAfterMs: HOUR, rawRetentionMs: 4 * HOUR, rollupRetentionMs: 3 * HOUR };

    // Stopped after the first pause: one raw step, then nothing more (not even its checkpoint).
    let pauses = 0;
    const stopped = await maintainHistory({ ...options, yieldToIngest: async () => void pauses++, stopping: () => pauses > 0 });
    expect(steps).toEqual(['pruneBefore 24']);
    expect(stopped.prunedRollupRows).toBe(0);

    // The 4 hours x 2 hosts x 4 series of rollups, 384 five-minute and 32 hourly buckets, go at most 250 of each
    // resolution a step: 250 + 32, then the last 134.
    steps.length = 0;
    pauses = 0;
    const result = await maintainHistory({ ...options, yieldToIngest: async () => void pauses++ });
    expect(DEFAULT_PRUNE_STEP_ROWS).toBe(250);
    // A step that deleted rows is followed by a checkpoint of the WAL, each a step of its own.
    expect(steps).toEqual(['pruneBefore 0', 'pruneRollupsBefore 282', 'checkpoint', 'pruneRollupsBefore 134', 'checkpoint']);
    expect(new Set(limits)).toEqual(new Set([DEFAULT_PRUNE_STEP_ROWS]));
    expect(pauses).toBe(steps.length);
    expect(result).toMatchObject({ prunedRawRows: 0, prunedRollupRows: 416 });
    const [series] = store.findSeries({ hostname: 'web-1', metric: 'cpu_usage_ratio' });
    expect(store.rollups(series!.seriesId, '1h', T0, T0 + 4 * HOUR)).toEqual([]);
    store.close();
  });
});

describe('the steps a pass reports (onStep: the collector times them as tripline_history_step_seconds)', () => {
  it('tells every step of compaction and of pruning, with its time on the clock and in CPU', async () => {
    const store = openSqliteStore({ file: tempFile() });
    fill(store, 3);
    const steps = new Map<string, number>();
    const result = await maintainHistory({
      store,
      clock: { nowMs: () => T0 + 3 * HOUR + 1 },
      log: pino({ level: 'silent' }),
      compactAfterMs: 1,
      rawRetentionMs: 2 * HOUR,
      rollupRetentionMs: 2 * HOUR,
      yieldToIngest: async () => {},
      onStep: (step, ms, cpuMs) => {
        expect(ms).toBeGreaterThanOrEqual(0);
        expect(cpuMs).toBeGreaterThanOrEqual(0);
        steps.set(step, (steps.get(step) ?? 0) + 1);
      },
    });
    // 3 hours x 2 hosts compacted, one read and one write each; after each hour a read that finds it done, and a sweep of
    // its rows (a step deleting its 480 rows, fewer than a step's 500, and a step finding none left) before the read of
    // the next; then the first hour's chunks and rollups pruned.
    expect(result.compactedBlocks).toBe(6);
    expect(steps.get('read')).toBe(6 + 3 + 1);
    expect(steps.get('write')).toBe(6);
    expect(steps.get('sweep')).toBe(3 * 2);
    expect(steps.get('encode')).toBeGreaterThanOrEqual(6);
    expect([...steps.keys()].sort()).toEqual(['checkpoint', 'encode', 'raw', 'read', 'rollups', 'sweep', 'write']);
    store.close();
  });
});

describe('a report whose samples spread far past its base time', () => {
  // One on-time sample and one 10 hours ahead (collector.intake.maxClockAhead allows up to a day), in one report.
  const spread = (sequence: number, atMs: number, aheadMs: number): ReportRecord => ({
    ...report(1, sequence, atMs),
    samples: [
      { metric: 'cpu_usage_ratio', labels: { host: 'web-1', group: 'web' }, value: 0.25, atMs },
      { metric: 'cpu_usage_ratio', labels: { host: 'web-1', group: 'web' }, value: 0.75, atMs: atMs + aheadMs },
    ],
  });
  const cpu = (store: Store, fromMs: number, toMs: number) => store.querySeries('cpu_usage_ratio', { host: 'web-1', group: 'web' }, fromMs, toMs).map((s) => [s.atMs - T0, s.value]);
  const hostRead = (store: Store, fromMs: number, toMs: number) => [...store.hostSamples('web-1', fromMs, toMs)].map((s) => [s.atMs - T0, s.value]);
  const replay = (store: Store, fromMs: number, toMs: number) => [...store.iterateSamples(fromMs, toMs)].map((s) => [s.atMs - T0, s.value]);

  // Each row: how far ahead the second sample is; reads of a range holding only it find it, hot, compacted with its rows
  // not yet swept (covered), and compacted.
  it.each([{ aheadMs: 30 * 60_000 }, { aheadMs: 10 * HOUR }, { aheadMs: 23 * HOUR + 59 * 60_000 }])('finds a sample $aheadMs ms past its base once, hot, covered and compacted', ({ aheadMs }) => {
    const store = openSqliteStore({ file: tempFile() });
    store.transaction((tx) => {
      tx.insertReport(spread(1, T0, aheadMs));
      tx.insertReport(spread(2, T0 + 15_000, 0));
    });
    const far = T0 + aheadMs;
    const expected = { only: [[aheadMs, 0.75]], all: [[0, 0.25], [15_000, 0.25], [15_000, 0.75], [aheadMs, 0.75]] };
    for (const stage of ['hot', 'covered', 'compacted']) {
      expect(cpu(store, far - 1_000, far + 1_000), stage).toEqual(expected.only);
      expect(hostRead(store, far - 1_000, far + 1_000), stage).toEqual(expected.only);
      expect(replay(store, far - 1_000, far + 1_000), stage).toEqual(expected.only);
      // The replay keeps time order across blocks.
      expect(replay(store, T0, T0 + 2 * 86_400_000), stage).toEqual(expected.all);
      expect(cpu(store, T0, T0 + 2 * 86_400_000), stage).toEqual(expected.all);
      if (stage === 'hot') expect(compactOneHost(store, T0 + 2 * 86_400_000)).toBe(true);
      else compactAll(store, T0 + 2 * 86_400_000);
    }
    store.close();
  });

  it('finds the far samples of a series chunk compacted before chunks were split per block', async () => {
    const { default: Database } = await import('better-sqlite3');
    const { encodeSeriesChunk } = await import('../../collector/history/seriesChunkCodec.js');
    const file = tempFile();
    const store = openSqliteStore({ file });
    fill(store, 1);
    compactAll(store, T0 + HOUR);
    const [series] = store.findSeries({ hostname: 'web-1', metric: 'cpu_usage_ratio' });
    store.close();
    // As the previous release wrote it: keyed by its report's base block, holding a sample 5 hours on.
    const db = new Database(file);
    db.prepare('INSERT INTO series_chunks (series_id, block_start_ms, part, first_at_ms, last_at_ms, sample_count, data, texts) VALUES (?, ?, 999, ?, ?, 2, ?, NULL)')
      .run(series!.seriesId, T0, T0 + 10, T0 + 5 * HOUR, encodeSeriesChunk({ times: [T0 + 10, T0 + 5 * HOUR], values: [0.5, 0.875] }));
    db.close();
    const reopened = openSqliteStore({ file });
    expect(cpu(reopened, T0 + 4 * HOUR, T0 + 6 * HOUR)).toEqual([[5 * HOUR, 0.875]]);
    expect(replay(reopened, T0 + 4 * HOUR, T0 + 6 * HOUR)).toEqual([[5 * HOUR, 0.875]]);
    expect(cpu(reopened, T0, T0 + 6 * HOUR)).toHaveLength(240 + 2);
    reopened.close();
  });
});

describe('a database of the release before compressed history', () => {
  it('upgrades in place: its report rows are read back, and compacted like new ones', async () => {
    const { default: Database } = await import('better-sqlite3');
    const { MIGRATIONS } = await import('../../collector/store/sqlite/schema.js');
    const { encodeChunk } = await import('../../collector/store/sampleChunk.js');
    const file = tempFile();
    const old = new Database(file);
    for (const [step, migration] of MIGRATIONS.slice(0, 5).entries()) {
      old.exec(migration);
      old.pragma(`user_version = ${step + 1}`);
    }
    old.prepare(`INSERT INTO hosts (host_id, agent_id, hostname, labels, version, interval_seconds, last_sequence, first_seen_at_ms, last_report_at_ms)
      VALUES (1, 'agent-old', 'old-1', '{}', 'old', 15, 2, ?, ?)`).run(T0, T0 + 15_000);
    old.prepare(`INSERT INTO series (series_id, host_id, metric, labels) VALUES (7, 1, 'memory_used_ratio', '{"host":"old-1"}')`).run();
    const insert = old.prepare('INSERT INTO report_chunks (host_id, sequence, base_at_ms, received_at_ms, samples, checks, texts) VALUES (1, ?, ?, ?, ?, ?, NULL)');
    insert.run(1, T0, T0, encodeChunk(T0, [{ seriesId: 7, atMs: T0, value: 0.25 }]), '[]');
    insert.run(2, T0 + 15_000, T0 + 15_000, encodeChunk(T0 + 15_000, [{ seriesId: 7, atMs: T0 + 15_000, value: 0.5 }]), '[]');
    old.close();

    const store = openSqliteStore({ file });
    const read = () => store.querySeries('memory_used_ratio', { host: 'old-1' }, T0, T0 + HOUR).map((s) => s.value);
    expect(read()).toEqual([0.25, 0.5]);
    expect(compactAll(store, T0 + HOUR)).toBe(1);
    expect(read()).toEqual([0.25, 0.5]);
    expect(store.rollups(7, '1h', T0, T0)).toEqual([{ startMs: T0, count: 2, sum: 0.75, min: 0.25, max: 0.5 }]);
    expect(store.transaction((tx) => tx.insertReport({ ...report(1, 2, T0), agentId: 'agent-old', hostname: 'old-1' }))).toBe(false);
    store.close();
  });

});

describe('the pause between maintenance steps (restingPause)', () => {
  it('rests between steps as long as the work since the last pause took, at half the loop', async () => {
    let nowMs = 1_000;
    const waits: string[] = [];
    const clock: RestingClock = {
      nowMs: () => nowMs,
      sleep: async (ms) => void waits.push(`sleep ${ms}`),
      nextTurn: async () => void waits.push('turn'),
    };
    const pause = restingPause(0.5, clock);
    nowMs += 12; // a 12 ms step
    await pause();
    nowMs += 0.4; // a step under a millisecond: one turn of the loop is enough
    await pause();
    nowMs += 3;
    await pause();
    expect(waits).toEqual(['sleep 12', 'turn', 'sleep 3']);
    // The time spent resting does not count as work: the next pause measures from when the last one ended.
    const quarter = restingPause(0.25, clock);
    waits.length = 0;
    nowMs += 10;
    await quarter();
    expect(waits).toHaveLength(1);
    expect(Number(waits[0]!.replace('sleep ', ''))).toBeCloseTo(30, 9);
    expect(() => restingPause(0)).toThrow(/share of the event loop must be in \(0, 1\]/);
    expect(() => restingPause(1.5)).toThrow(RangeError);
  });

  it('gives the loop back on the real clock: work due within the rest after a 30 ms step runs before the next step', async () => {
    const pause = restingPause(0.5);
    const order: string[] = [];
    const until = performance.now() + 30;
    while (performance.now() < until);
    order.push('step 1');
    // Due 10 ms after the step: a turn of the loop alone (setImmediate) would run step 2 first.
    setTimeout(() => order.push('a request 10 ms later'), 10);
    await pause();
    order.push('step 2');
    expect(order).toEqual(['step 1', 'a request 10 ms later', 'step 2']);
  });
});
