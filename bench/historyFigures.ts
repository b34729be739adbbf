/**
 * The history figures of `npm run bench:backtest` (issue 15): compaction time and its longest
 * transaction (the most ingest can wait behind it), bytes per sample, read latencies through the
 * history reader, and the latest values of many hosts. Figures only; nothing is asserted.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { compactOldestInSteps, type CompactionStep, DEFAULT_PRUNE_STEP_ROWS, type PruneStep, pruneInSteps } from '../collector/history/historyMaintenance.js';
import { createHistoryReader, type ReadSeriesQuery } from '../collector/history/historyReader.js';
import { createHistoryOperations } from '../collector/operations/historyOperations.js';
import { decodeSeriesChunk, encodeLayout1, encodeLayout2 } from '../collector/history/seriesChunkCodec.js';
import { openSqliteStore } from '../collector/store/sqlite/sqliteStore.js';
import type { Store } from '../collector/store/store.js';
import { bytesWritten } from './processIo.js';

/** The longest and the 99th percentile of some durations, in ms. */
export interface LongestAndP99 {
  longestMs: number;
  p99Ms: number;
}

function longestAndP99(durations: number[]): LongestAndP99 {
  durations.sort((a, b) => a - b);
  return { longestMs: durations.at(-1) ?? 0, p99Ms: durations[Math.floor(durations.length * 0.99)] ?? 0 };
}

/**
 * Compacts every block that ended before `beforeMs` as the collector's maintenance does (read,
 * encode in slices with the event loop given back between them, write in one transaction), timing
 * each synchronous step: the write transaction is what holds the writer, and the longest of all
 * steps is the most an ingest batch can wait behind compaction. `bytesWritten` is what the process
 * wrote meanwhile (processIo.ts): the WAL's frames and the checkpoints' copies of them into the file.
 */
export async function compactEverything(
  store: Store,
  beforeMs: number,
): Promise<{ seconds: number; blocks: number; bytesWritten: number; read: StepFigures; encode: StepFigures; transaction: StepFigures; sweep: StepFigures; checkpoint: StepFigures }> {
  const steps: Record<CompactionStep, { wall: number[]; cpu: number[] }> = {
    read: { wall: [], cpu: [] }, encode: { wall: [], cpu: [] }, write: { wall: [], cpu: [] }, sweep: { wall: [], cpu: [] }, checkpoint: { wall: [], cpu: [] },
  };
  let blocks = 0;
  const started = performance.now();
  const writtenBefore = bytesWritten();
  const onStep = (step: CompactionStep, ms: number, cpuMs: number) => {
    steps[step].wall.push(ms);
    steps[step].cpu.push(cpuMs);
  };
  while ((await compactOldestInSteps(store, beforeMs, { pause: () => nextTurn(), onStep })) !== undefined) blocks++;
  const figures = (step: keyof typeof steps): StepFigures => ({ wall: longestAndP99(steps[step].wall), cpu: longestAndP99(steps[step].cpu) });
  return { seconds: (performance.now() - started) / 1000, blocks, bytesWritten: bytesWritten() - writtenBefore, read: figures('read'), encode: figures('encode'), transaction: figures('write'), sweep: figures('sweep'), checkpoint: figures('checkpoint') };
}

/** One kind of step's durations on the clock and in CPU time. */
export interface StepFigures {
  wall: LongestAndP99;
  cpu: LongestAndP99;
}

/**
 * Retention pruning of everything before `cutoffMs`, raw history then rollups, in the steps the
 * collector's maintenance takes (pruneInSteps: DEFAULT_PRUNE_STEP_ROWS rows, one transaction each,
 * a checkpoint of the WAL after each): each step's time is what an ingest batch can wait behind it.
 */
export async function pruneFigures(store: Store, cutoffMs: number): Promise<string> {
  const steps: Record<PruneStep, number[]> = { raw: [], rollups: [], checkpoint: [] };
  const pruned = await pruneInSteps(store, cutoffMs, cutoffMs, { pause: () => nextTurn(), onStep: (step, ms) => steps[step].push(ms) });
  const figures = (durations: number[]) => {
    const { p99Ms, longestMs } = longestAndP99(durations);
    return `${durations.length} steps, p99 ${p99Ms.toFixed(1)} ms, longest ${longestMs.toFixed(1)} ms`;
  };
  return (
    `retention pruning of the first day, one transaction a step of ${DEFAULT_PRUNE_STEP_ROWS.toLocaleString('en')} rows: raw ${pruned.raw.toLocaleString('en')} rows in ${figures(steps.raw)}; ` +
    `rollups ${pruned.rollups.toLocaleString('en')} rows in ${figures(steps.rollups)}; the WAL checkpoint after each, ${figures(steps.checkpoint)}`
  );
}

/** Bytes of the compressed series chunks (payload, and with their table and index pages) and of the rollups, per stored sample. */
export function storageFigures(file: string, samples: number): string {
  const db = new Database(file, { readonly: true });
  try {
    const payload = db.prepare('SELECT coalesce(sum(length(data)), 0) AS bytes, coalesce(sum(sample_count), 0) AS n FROM series_chunks').get() as { bytes: number; n: number };
    // Every page of a table's b-trees: the table and its indexes.
    const pages = (table: string) =>
      (db.prepare('SELECT coalesce(sum(pgsize), 0) AS bytes FROM dbstat WHERE name IN (SELECT name FROM sqlite_schema WHERE tbl_name = ?)').get(table) as { bytes: number }).bytes;
    const chunkTable = pages('series_chunks');
    const rollups = pages('rollups_5m') + pages('rollups_1h');
    const hot = pages('report_chunks');
    const perSample = (bytes: number) => (bytes / samples).toFixed(2);
    return (
      `storage per sample (${samples.toLocaleString('en')} samples, ${payload.n.toLocaleString('en')} compacted): ` +
      `compressed chunk payload ${(payload.bytes / Math.max(1, payload.n)).toFixed(2)} B, chunk table and index pages ${perSample(chunkTable)} B, ` +
      `rollups (5m + 1h) ${perSample(rollups)} B, hot rows left ${perSample(hot)} B; whole file ${perSample(statSync(file).size)} B ` +
      `(16 B of payload per sample before compaction)`
    );
  } finally {
    db.close();
  }
}

/**
 * Bytes per sample of each metric's compressed chunks (constant series cost little, noisy ones most),
 * and the same chunks re-encoded in layout 2 (the previous release's) and layout 1 (plain Gorilla) as peers.
 */
export function bytesPerMetric(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const totals = new Map<string, { samples: number; bytes: number; layout2: number; layout1: number }>();
    const rows = db.prepare('SELECT s.metric, c.data FROM series_chunks c JOIN series s USING (series_id)').raw().iterate() as Iterable<[string, Buffer]>;
    for (const [metric, data] of rows) {
      const points = decodeSeriesChunk(data);
      const total = totals.get(metric) ?? { samples: 0, bytes: 0, layout2: 0, layout1: 0 };
      total.samples += points.times.length;
      total.bytes += data.length;
      total.layout2 += encodeLayout2(points).length;
      total.layout1 += encodeLayout1(points).length;
      totals.set(metric, total);
    }
    const all = [...totals.values()].reduce((a, t) => ({ samples: a.samples + t.samples, bytes: a.bytes + t.bytes, layout2: a.layout2 + t.layout2, layout1: a.layout1 + t.layout1 }), { samples: 0, bytes: 0, layout2: 0, layout1: 0 });
    const per = (bytes: number, samples: number) => (bytes / Math.max(1, samples)).toFixed(2);
    const metrics = [...totals].sort((a, b) => a[1].bytes / a[1].samples - b[1].bytes / b[1].samples).map(([metric, t]) => `${metric} ${per(t.bytes, t.samples)} (layout 2: ${per(t.layout2, t.samples)})`);
    return (
      `${per(all.bytes, all.samples)} B per sample; on the same chunks layout 2 (the previous release's) ${per(all.layout2, all.samples)} B (${(all.bytes / all.layout2).toFixed(2)}x), ` +
      `layout 1 (plain Gorilla) ${per(all.layout1, all.samples)} B (${(all.bytes / all.layout1).toFixed(2)}x); ${metrics.join(', ')}`
    );
  } finally {
    db.close();
  }
}

/** Median and worst of `runs` timed calls, in ms. */
function timed(runs: number, fn: () => unknown): string {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    fn();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return `median ${times[Math.floor(times.length / 2)]!.toFixed(1)} ms, worst ${times.at(-1)!.toFixed(1)} ms`;
}

/** Read latencies through the history reader over `days` of history ending at `endMs`. */
export function readLatencies(store: Store, hostname: string, endMs: number, days: number): string[] {
  const reader = createHistoryReader({ store, clock: { nowMs: () => endMs }, rawRetentionMs: 400 * 86_400_000 });
  const fromMs = endMs - days * 86_400_000;
  const lines: string[] = [];
  const one = (query: ReadSeriesQuery) => reader.readSeries(query).reduce((n, r) => n + r.points.length, 0);
  const rawQuery: ReadSeriesQuery = { hostname, metric: 'cpu_usage_ratio', fromMs, toMs: endMs, resolution: 'raw' };
  lines.push(`read ${days} d raw, one series (${one(rawQuery).toLocaleString('en')} points): ${timed(9, () => one(rawQuery))}`);
  const allOfHost = () => {
    let points = 0;
    for (const metric of new Set(store.findSeries({ hostname, metric: 'cpu_usage_ratio' }).map((s) => s.metric).concat(['load1_per_core', 'memory_used_ratio', 'filesystem_used_ratio', 'tcp_up', 'swap_used_ratio', 'filesystem_inodes_used_ratio', 'network_receive_bytes_per_second']))) {
      points += one({ hostname, metric, fromMs, toMs: endMs, resolution: 'raw' });
    }
    return points;
  };
  lines.push(`read ${days} d raw, every series of the host (${allOfHost().toLocaleString('en')} points): ${timed(5, allOfHost)}`);
  // What GET /api/v1/hosts/{host}/series answers for the range: every series of the host, downsampled to its default 600 points.
  const operations = createHistoryOperations({ store, clock: { nowMs: () => endMs }, rawRetentionMs: 400 * 86_400_000 });
  const hostPage = () => operations.hostSeries({ host: hostname, fromMs, toMs: endMs }).series.length;
  lines.push(`read ${days} d of every series of the host as the API answers it (${hostPage()} series, default 600 points): ${timed(9, hostPage)}`);
  for (const resolution of ['5m', '1h'] as const) {
    const query: ReadSeriesQuery = { hostname, metric: 'cpu_usage_ratio', fromMs, toMs: endMs, resolution };
    lines.push(`read ${days} d of ${resolution} rollups, one series (${one(query).toLocaleString('en')} points): ${timed(9, () => one(query))}`);
  }
  return lines;
}

/**
 * The latest values of one metric on `hosts` hosts of `observations` series each (a database of its
 * own, all hot): the first read after the store is opened (as after a restart: each host's last
 * report decoded, the series read from the file), then the reads after it, from what the store keeps
 * in memory, while a report of every host is stored between two reads.
 */
export function latestOfManyHosts(hosts: number, observations: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-bench-latest-'));
  try {
    const file = join(dir, 'tripline.db');
    const atMs = Date.UTC(2025, 0, 6);
    const reportOf = (host: number, sequence: number) => {
      const hostname = `node-${host}`;
      const samples = Array.from({ length: observations }, (_, i) => ({ metric: i === 0 ? 'cpu_usage_ratio' : `bench_metric_${i % 20}`, labels: { host: hostname, index: String(i) }, value: i + sequence, atMs: atMs + sequence * 15_000 }));
      return { agentId: hostname, hostname, labels: {}, version: 'bench', intervalSeconds: 15, sequence, receivedAtMs: atMs + sequence * 15_000, samples, checks: [] };
    };
    const writeRound = (store: Store, sequence: number) => {
      for (let from = 0; from < hosts; from += 1000) {
        store.transaction((tx) => {
          for (let host = from; host < Math.min(hosts, from + 1000); host++) tx.insertReport(reportOf(host, sequence));
        });
      }
    };
    const writer = openSqliteStore({ file });
    writeRound(writer, 1);
    writeRound(writer, 2);
    writer.close();
    const store = openSqliteStore({ file });
    const reader = createHistoryReader({ store, clock: { nowMs: () => atMs }, rawRetentionMs: 14 * 86_400_000 });
    const read = () => reader.latestValues({ metric: 'cpu_usage_ratio' });
    const started = performance.now();
    const count = read().length;
    const firstMs = performance.now() - started;
    const warm = timed(7, read);
    // A report of every host stored, then read again: the values moved on.
    writeRound(store, 3);
    const moved = read().every((v) => v.atMs === atMs + 3 * 15_000);
    const after = timed(7, read);
    store.close();
    return (
      `latest cpu_usage_ratio of ${hosts.toLocaleString('en')} hosts (${count.toLocaleString('en')} values, ${(hosts * observations).toLocaleString('en')} series stored): ` +
      `first read after opening the store ${firstMs.toFixed(1)} ms; then ${warm}; after a report of every host (${moved ? 'all values moved on' : 'NOT ALL VALUES MOVED ON'}) ${after}`
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
