/**
 * The history part of the SQLite engine (issue 15). Ingest writes one row per report into
 * `report_chunks` (the hot window, as a TSDB head); compaction turns the hot reports of one host and
 * one block (an hour, by the report's base time) into one Gorilla chunk per series, 5-minute and
 * 1-hour rollups, and a record of which sequences it compacted, and deletes those rows: all in one
 * transaction, so a crash at any point leaves either the hot rows or their compacted form, never
 * both and never neither. Reads merge the two forms; a report lives in exactly one of them.
 */
import type Database from 'better-sqlite3';
import type { CompactionResult, RollupBucket, RollupResolution, SeriesPoint } from '../../domain/history.js';
import { bucketStart } from '../../history/rollupBuckets.js';
import {
  BLOCK_MS, CHUNK_SPAN_MARGIN_MS, compactRows, type HotChunk, inTimeOrder, LATEST_SEARCH_REPORTS, newestOfChunk, pushChunkPoints, pushHotPoints,
  type SeriesChunkRow, type SeriesSampleRow, takeNewest, visitChunkPoints, visitHotPoints,
} from '../historyBlocks.js';

export { BLOCK_MS, CHUNK_SPAN_MARGIN_MS, type SeriesSampleRow } from '../historyBlocks.js';

export type SqliteHistory = ReturnType<typeof createSqliteHistory>;

/** Prepares the history statements on `db` (read-only connections get the reads only). */
export function createSqliteHistory(db: Database.Database) {
  // Prepared on first use: a read-only connection to a database the collector has not migrated yet
  // can still open (and fails only if it reads history).
  const prepare = (sql: string) => {
    let statement: Database.Statement | undefined;
    return () => (statement ??= db.prepare(sql));
  };
  const pluck = (sql: string) => {
    let statement: Database.Statement | undefined;
    return () => (statement ??= db.prepare(sql).pluck());
  };
  const raw = (sql: string) => {
    let statement: Database.Statement | undefined;
    return () => (statement ??= db.prepare(sql).raw());
  };
  const reads = {
    seriesChunks: prepare('SELECT series_id, first_at_ms, last_at_ms, data, texts FROM series_chunks WHERE series_id = ? AND block_start_ms BETWEEN ? AND ? ORDER BY block_start_ms, part'),
    blockChunks: prepare('SELECT series_id, first_at_ms, last_at_ms, data, texts FROM series_chunks WHERE block_start_ms = ?'),
    hotInRange: prepare('SELECT base_at_ms, samples, texts FROM report_chunks WHERE host_id = ? AND base_at_ms BETWEEN ? AND ? ORDER BY base_at_ms'),
    hotInBlockAllHosts: prepare('SELECT base_at_ms, samples, texts FROM report_chunks WHERE base_at_ms >= ? AND base_at_ms < ? ORDER BY base_at_ms, host_id, sequence'),
    nextCompactedBlock: pluck('SELECT min(block_start_ms) AS at FROM series_chunks WHERE block_start_ms >= ?'),
    nextHotBase: pluck('SELECT min(base_at_ms) AS at FROM report_chunks WHERE base_at_ms >= ?'),
    rollups5m: prepare('SELECT bucket_start_ms AS startMs, sample_count AS count, sum, min, max FROM rollups_5m WHERE series_id = ? AND bucket_start_ms BETWEEN ? AND ? ORDER BY bucket_start_ms'),
    rollups1h: prepare('SELECT bucket_start_ms AS startMs, sample_count AS count, sum, min, max FROM rollups_1h WHERE series_id = ? AND bucket_start_ms BETWEEN ? AND ? ORDER BY bucket_start_ms'),
    // Rollups summed per step in SQLite (a 7-day chart reads 600 rows, not 2,016); steps aligned to the epoch.
    rollupSteps5m: prepare(`SELECT CAST(bucket_start_ms / @step AS INTEGER) * @step AS startMs, sum(sample_count) AS count, sum(sum) AS sum, min(min) AS min, max(max) AS max
      FROM rollups_5m WHERE series_id = @seriesId AND bucket_start_ms BETWEEN @fromMs AND @toMs GROUP BY 1 ORDER BY 1`),
    rollupSteps1h: prepare(`SELECT CAST(bucket_start_ms / @step AS INTEGER) * @step AS startMs, sum(sample_count) AS count, sum(sum) AS sum, min(min) AS min, max(max) AS max
      FROM rollups_1h WHERE series_id = @seriesId AND bucket_start_ms BETWEEN @fromMs AND @toMs GROUP BY 1 ORDER BY 1`),
    // CROSS JOIN keeps hosts the outer loop: one primary-key lookup per host, not a scan of every hot row.
    lastHotOfHosts: prepare('SELECT c.host_id, c.base_at_ms, c.samples, c.texts FROM hosts h CROSS JOIN report_chunks c ON c.host_id = h.host_id AND c.sequence = h.last_sequence'),
    newestHotOfHost: prepare(`SELECT base_at_ms, samples, texts FROM report_chunks WHERE host_id = ? ORDER BY base_at_ms DESC LIMIT ${LATEST_SEARCH_REPORTS}`),
    newestSeriesChunk: prepare('SELECT series_id, first_at_ms, last_at_ms, data, texts FROM series_chunks WHERE series_id = ? ORDER BY block_start_ms DESC, part DESC LIMIT 1'),
  };
  const writes = db.readonly
    ? undefined
    : {
        oldestHot: prepare('SELECT host_id, base_at_ms FROM report_chunks WHERE base_at_ms < ? ORDER BY base_at_ms LIMIT 1'),
        hotOfBlock: prepare('SELECT sequence, base_at_ms, samples, texts FROM report_chunks WHERE host_id = ? AND base_at_ms >= ? AND base_at_ms < ?'),
        deleteHotOfBlock: prepare('DELETE FROM report_chunks WHERE host_id = ? AND base_at_ms >= ? AND base_at_ms < ?'),
        insertSeriesChunk: prepare('INSERT INTO series_chunks (series_id, block_start_ms, part, first_at_ms, last_at_ms, sample_count, data, texts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
        insertCompacted: prepare('INSERT INTO compacted_reports (host_id, first_sequence, last_sequence, block_start_ms) VALUES (?, ?, ?, ?)'),
        compactedCovering: pluck('SELECT last_sequence FROM compacted_reports WHERE host_id = ? AND first_sequence <= ? ORDER BY first_sequence DESC LIMIT 1'),
        maxCompacted: pluck('SELECT max(last_sequence) FROM compacted_reports WHERE host_id = ?'),
        upsert5m: prepare(upsertRollup('rollups_5m')),
        upsert1h: prepare(upsertRollup('rollups_1h')),
        pruneHot: prepare('DELETE FROM report_chunks WHERE received_at_ms < ?'),
        oldSeriesChunks: raw('SELECT series_id, block_start_ms, part FROM series_chunks WHERE block_start_ms < ? LIMIT ?'),
        deleteSeriesChunk: prepare('DELETE FROM series_chunks WHERE series_id = ? AND block_start_ms = ? AND part = ?'),
        pruneCompacted: prepare('DELETE FROM compacted_reports WHERE block_start_ms < ?'),
        old5m: raw('SELECT series_id, bucket_start_ms FROM rollups_5m WHERE bucket_start_ms < ? LIMIT ?'),
        old1h: raw('SELECT series_id, bucket_start_ms FROM rollups_1h WHERE bucket_start_ms < ? LIMIT ?'),
        delete5m: prepare('DELETE FROM rollups_5m WHERE series_id = ? AND bucket_start_ms = ?'),
        delete1h: prepare('DELETE FROM rollups_1h WHERE series_id = ? AND bucket_start_ms = ?'),
      };
  /** Per host, the highest sequence compacted (a lower bound of what the table says; loaded lazily). */
  const maxCompactedByHost = new Map<number, number>();

  const w = () => {
    if (writes === undefined) throw new Error('the database was opened read-only');
    return writes;
  };

  /** Compacts the hot reports of one host and one block. Call inside a transaction. */
  const compactBlock = (hostId: number, blockStartMs: number): CompactionResult => {
    const sql = w();
    const rows = sql.hotOfBlock().all(hostId, blockStartMs, blockStartMs + BLOCK_MS) as Array<HotChunk & { sequence: number }>;
    const block = compactRows(rows);
    for (const series of block.series) {
      sql.insertSeriesChunk().run(series.seriesId, blockStartMs, block.part, series.firstAtMs, series.lastAtMs, series.sampleCount, series.data, series.texts);
      for (const bucket of series.rollups5m) sql.upsert5m().run(series.seriesId, bucket.startMs, bucket.count, bucket.sum, bucket.min, bucket.max);
      for (const bucket of series.rollups1h) sql.upsert1h().run(series.seriesId, bucket.startMs, bucket.count, bucket.sum, bucket.min, bucket.max);
    }
    for (const [first, last] of block.sequenceRuns) sql.insertCompacted().run(hostId, first, last, blockStartMs);
    sql.deleteHotOfBlock().run(hostId, blockStartMs, blockStartMs + BLOCK_MS);
    return { hostId, blockStartMs, reports: block.reports, samples: block.samples, series: block.series.length };
  };

  return {
    /**
     * Compacts the oldest hot block that ended before `beforeMs` (one host, one transaction), or
     * returns undefined when there is none. Callers yield between calls, so ingest interleaves.
     */
    compactOldest(beforeMs: number): CompactionResult | undefined {
      const cutoff = bucketStart(beforeMs, BLOCK_MS);
      const oldest = w().oldestHot().get(cutoff) as { host_id: number; base_at_ms: number } | undefined;
      if (oldest === undefined) return undefined;
      const result = db.transaction(() => compactBlock(oldest.host_id, bucketStart(oldest.base_at_ms, BLOCK_MS)))();
      const sequences = result.reports > 0 ? (w().maxCompacted().get(result.hostId) as number | null) : null;
      if (sequences !== null) maxCompactedByHost.set(result.hostId, sequences);
      return result;
    },

    /** Whether `sequence` of the host was stored and compacted already (a re-sent report). */
    wasCompacted(hostId: number, sequence: number): boolean {
      const sql = w();
      let max = maxCompactedByHost.get(hostId);
      if (max === undefined) {
        max = (sql.maxCompacted().get(hostId) as number | null) ?? -Infinity;
        maxCompactedByHost.set(hostId, max);
      }
      if (sequence > max) return false;
      const last = sql.compactedCovering().get(hostId, sequence) as number | undefined;
      return last !== undefined && last >= sequence;
    },

    /** Forgets cached bounds (after a rolled-back transaction). */
    forgetCaches(): void {
      maxCompactedByHost.clear();
    },

    /**
     * Deletes raw history older than `cutoffMs`: hot rows received before it, and at most `limit`
     * series chunks of blocks that ended before it (with their compaction records). Returns rows removed.
     */
    pruneRaw(cutoffMs: number, limit: number): number {
      const sql = w();
      const blockCutoff = cutoffMs - BLOCK_MS;
      return db.transaction(() => {
        let removed = sql.pruneHot().run(cutoffMs).changes;
        const old = sql.oldSeriesChunks().all(blockCutoff + 1, limit) as Array<[number, number, number]>;
        for (const [seriesId, blockStartMs, part] of old) removed += sql.deleteSeriesChunk().run(seriesId, blockStartMs, part).changes;
        if (old.length < limit) sql.pruneCompacted().run(blockCutoff + 1);
        return removed;
      })();
    },

    /** Deletes at most `limit` rollup buckets of each resolution that start before `cutoffMs`. */
    pruneRollups(cutoffMs: number, limit: number): number {
      const sql = w();
      return db.transaction(() => {
        let removed = 0;
        for (const [seriesId, startMs] of sql.old5m().all(cutoffMs, limit) as Array<[number, number]>) removed += sql.delete5m().run(seriesId, startMs).changes;
        for (const [seriesId, startMs] of sql.old1h().all(cutoffMs, limit) as Array<[number, number]>) removed += sql.delete1h().run(seriesId, startMs).changes;
        return removed;
      })();
    },

    /** The samples of one series with `fromMs <= atMs <= toMs`, in time order; `hotOnly` skips the compacted ones. */
    seriesPoints(seriesId: number, hostId: number, fromMs: number, toMs: number, hotOnly = false): SeriesPoint[] {
      const points: SeriesPoint[] = [];
      if (!hotOnly) {
        for (const chunk of reads.seriesChunks().iterate(seriesId, fromMs - BLOCK_MS - CHUNK_SPAN_MARGIN_MS, toMs) as Iterable<SeriesChunkRow>) {
          if (chunk.last_at_ms < fromMs || chunk.first_at_ms > toMs) continue;
          pushChunkPoints(points, chunk, fromMs, toMs);
        }
      }
      const hot: SeriesSampleRow[] = [];
      for (const chunk of reads.hotInRange().iterate(hostId, fromMs - CHUNK_SPAN_MARGIN_MS, toMs) as Iterable<HotChunk>) pushHotPoints(hot, chunk, fromMs, toMs, seriesId);
      for (const { atMs, value, text } of hot) points.push(text === undefined ? { atMs, value } : { atMs, value, text });
      return points.sort((a, b) => a.atMs - b.atMs);
    },

    /** Every sample of the host's series `seriesIds` with `fromMs <= atMs <= toMs`, in time order. */
    hostPoints(hostId: number, seriesIds: ReadonlySet<number>, fromMs: number, toMs: number): SeriesSampleRow[] {
      const rows: SeriesSampleRow[] = [];
      for (const seriesId of seriesIds) {
        for (const chunk of reads.seriesChunks().iterate(seriesId, fromMs - BLOCK_MS - CHUNK_SPAN_MARGIN_MS, toMs) as Iterable<SeriesChunkRow>) {
          if (chunk.last_at_ms < fromMs || chunk.first_at_ms > toMs) continue;
          pushChunkPoints(rows, chunk, fromMs, toMs, seriesId);
        }
      }
      for (const chunk of reads.hotInRange().iterate(hostId, fromMs - CHUNK_SPAN_MARGIN_MS, toMs) as Iterable<HotChunk>) pushHotPoints(rows, chunk, fromMs, toMs, seriesIds);
      return inTimeOrder(rows);
    },

    /**
     * Hands every sample of the host's series `seriesIds` with `fromMs <= atMs <= toMs` to `visit`, in
     * no particular order and without building rows (for reads that aggregate); `hotOnly` skips the
     * compacted ones.
     */
    visitHostPoints(hostId: number, seriesIds: ReadonlySet<number>, fromMs: number, toMs: number, visit: (seriesId: number, atMs: number, value: number) => void, hotOnly = false): void {
      if (!hotOnly) {
        for (const seriesId of seriesIds) {
          for (const chunk of reads.seriesChunks().iterate(seriesId, fromMs - BLOCK_MS - CHUNK_SPAN_MARGIN_MS, toMs) as Iterable<SeriesChunkRow>) visitChunkPoints(chunk, seriesId, fromMs, toMs, visit);
        }
      }
      for (const chunk of reads.hotInRange().iterate(hostId, fromMs - CHUNK_SPAN_MARGIN_MS, toMs) as Iterable<HotChunk>) visitHotPoints(chunk, seriesIds, fromMs, toMs, visit);
    },

    /** One series' stored rollups summed per step of `stepMs` (aligned to the epoch), for buckets starting within [fromMs, toMs]. */
    rollupSteps(seriesId: number, resolution: RollupResolution, fromMs: number, toMs: number, stepMs: number): RollupBucket[] {
      const statement = resolution === '5m' ? reads.rollupSteps5m : reads.rollupSteps1h;
      return statement().all({ seriesId, fromMs, toMs, step: Math.round(stepMs) }) as RollupBucket[];
    },

    /** Stored rollup buckets of one series starting within [fromMs, toMs] (compacted history only). */
    rollups(seriesId: number, resolution: RollupResolution, fromMs: number, toMs: number): RollupBucket[] {
      const statement = resolution === '5m' ? reads.rollups5m : reads.rollups1h;
      return statement().all(seriesId, fromMs, toMs) as RollupBucket[];
    },

    /**
     * Every sample with `fromMs <= atMs <= toMs`, all series, block by block; inside a block in time
     * order (samples of one time in the order their reports were stored).
     */
    *samplesByTime(fromMs: number, toMs: number): Iterable<SeriesSampleRow> {
      let block = bucketStart(fromMs - CHUNK_SPAN_MARGIN_MS, BLOCK_MS);
      while (block <= toMs) {
        const nextCompacted = reads.nextCompactedBlock().get(block) as number | null;
        const nextHot = reads.nextHotBase().get(block) as number | null;
        const next = Math.min(nextCompacted ?? Infinity, nextHot === null ? Infinity : bucketStart(nextHot, BLOCK_MS));
        if (next === Infinity || next > toMs) return;
        yield* blockSamples(next, fromMs, toMs);
        block = next + BLOCK_MS;
      }
    },

    /**
     * The newest sample of each of `seriesIds` (grouped by host): from each host's last report,
     * else its newest hot reports, else its newest compressed chunk.
     */
    latest(seriesByHost: ReadonlyMap<number, ReadonlySet<number>>): Map<number, SeriesPoint> {
      const found = new Map<number, SeriesPoint>();
      for (const row of reads.lastHotOfHosts().iterate() as Iterable<HotChunk & { host_id: number }>) {
        const wanted = seriesByHost.get(row.host_id);
        if (wanted !== undefined) takeNewest(found, row, wanted);
      }
      for (const [hostId, wanted] of seriesByHost) {
        if ([...wanted].every((id) => found.has(id))) continue;
        for (const row of reads.newestHotOfHost().iterate(hostId) as Iterable<HotChunk>) takeNewest(found, row, wanted);
        for (const seriesId of wanted) {
          if (found.has(seriesId)) continue;
          const chunk = reads.newestSeriesChunk().get(seriesId) as SeriesChunkRow | undefined;
          if (chunk === undefined) continue;
          const newest = newestOfChunk(chunk);
          if (newest !== undefined) found.set(seriesId, newest);
        }
      }
      return found;
    },
  };

  function* blockSamples(block: number, fromMs: number, toMs: number): Iterable<SeriesSampleRow> {
    const rows: SeriesSampleRow[] = [];
    for (const chunk of reads.blockChunks().iterate(block) as Iterable<SeriesChunkRow>) pushChunkPoints(rows, chunk, fromMs, toMs, chunk.series_id);
    for (const chunk of reads.hotInBlockAllHosts().iterate(block, block + BLOCK_MS) as Iterable<HotChunk>) pushHotPoints(rows, chunk, fromMs, toMs);
    yield* inTimeOrder(rows);
  }
}

function upsertRollup(table: string): string {
  return `INSERT INTO ${table} (series_id, bucket_start_ms, sample_count, sum, min, max) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (series_id, bucket_start_ms) DO UPDATE SET sample_count = sample_count + excluded.sample_count, sum = sum + excluded.sum,
      min = min(min, excluded.min), max = max(max, excluded.max)`;
}
