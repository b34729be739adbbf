/**
 * The history part of the PostgreSQL engine: the same hot window and compaction as the SQLite
 * engine's (historyBlocks.ts holds the shared part), over partitioned tables (postgresPartitions.ts).
 * A compaction locks its host's row first, so it never races a report of that host being stored, nor
 * another collector compacting the same block; it records the highest compacted sequence on the host
 * row, which a report checks in the statement that stores it.
 */
import { type CompactionResult, type RollupBucket, type RollupResolution, type SeriesPoint } from '../../domain/history.js';
import { bucketStart } from '../../history/rollupBuckets.js';
import {
  BLOCK_MS, collectSeriesColumns, columnsToPoints, type CompactedBlock, compactRows, groupBySeries, type HotBlock, type HotChunk, inTimeOrder, LATEST_SEARCH_REPORTS, newestOfChunk, pushChunkPoints, pushHotPoints, type SeriesChunkRow,
  type SeriesColumns, type SeriesSampleRow, SPANNING_MS, takeNewest, visitChunkPoints, visitHotPoints,
} from '../historyBlocks.js';
import { createChunkSources, hotSource, type SampleBlock, type SampleSource } from '../sampleBlocks.js';
import { decodeChunk } from '../sampleChunk.js';
import type { PostgresSession } from './postgresBridge.js';
import { createPartitions, PARTITIONED_TABLES, type PartitionedTable } from './postgresPartitions.js';

/** A series chunk holds samples of its own block only: the chunks of [from, to] are those of the blocks from bucketStart(from) to `to`. */
const SERIES_CHUNKS_IN_RANGE = `SELECT series_id, first_at_ms, last_at_ms, data, texts FROM series_chunks
  WHERE series_id = $1 AND block_start_ms BETWEEN $2 AND $3 AND last_at_ms >= $4 AND first_at_ms <= $3 ORDER BY block_start_ms, part`;
const SERIES_CHUNKS_OF_MANY = `SELECT series_id, first_at_ms, last_at_ms, data, texts FROM series_chunks
  WHERE series_id = ANY($1) AND block_start_ms BETWEEN $2 AND $3 AND last_at_ms >= $4 AND first_at_ms <= $3 ORDER BY series_id, block_start_ms, part`;
/** Spanning hot rows (samples an hour or more past their base) are found through the partial index report_chunks_spanning. */
const SPANNING_HOT = `last_at_ms >= base_at_ms + ${SPANNING_MS}`;
/** The hot rows of one host that may hold samples within [$2, $3]: based at most SPANNING_MS before $2, or spanning into it. */
const HOT_IN_RANGE = `SELECT base_at_ms, samples, texts FROM report_chunks WHERE host_id = $1
  AND (base_at_ms BETWEEN $2::bigint - ${SPANNING_MS} AND $3 OR (${SPANNING_HOT} AND last_at_ms >= $2 AND base_at_ms < $2::bigint - ${SPANNING_MS})) ORDER BY base_at_ms`;

export type PostgresHistory = ReturnType<typeof createPostgresHistory>;

export function createPostgresHistory(session: PostgresSession) {
  const partitions = createPartitions(session);

  const rollupTable = (resolution: RollupResolution) => (resolution === '5m' ? 'rollups_5m' : 'rollups_1h');

  /** The hot rows of the oldest block that ended before `beforeMs` (one host), read outside any transaction. */
  const readHotBlock = (beforeMs: number): HotBlock | undefined => {
    const cutoff = bucketStart(beforeMs, BLOCK_MS);
    const oldest = session.query<{ host_id: number; base_at_ms: number }>('SELECT host_id, base_at_ms FROM report_chunks WHERE base_at_ms < $1 ORDER BY base_at_ms LIMIT 1', [cutoff])[0];
    if (oldest === undefined) return undefined;
    const hostId = Number(oldest.host_id);
    const blockStartMs = bucketStart(Number(oldest.base_at_ms), BLOCK_MS);
    const rows = session.query<HotChunk & { sequence: number }>('SELECT sequence, base_at_ms, samples, texts FROM report_chunks WHERE host_id = $1 AND base_at_ms >= $2 AND base_at_ms < $3', [hostId, blockStartMs, blockStartMs + BLOCK_MS]);
    return { hostId, blockStartMs, rows };
  };

  /**
   * Writes a compacted block and deletes exactly the hot rows it came from, in one transaction.
   * Undefined, rolled back, when one of those rows is gone (another collector compacted it, or pruning).
   */
  const writeCompactedBlock = (hot: HotBlock, block: CompactedBlock): CompactionResult | undefined => {
    const { hostId, blockStartMs } = hot;
    // Partitions for the days (weeks) the samples fall in, made before (and outside) the transaction.
    const lastAtMs = Math.min(block.chunks.reduce((last, c) => Math.max(last, c.lastAtMs), blockStartMs), blockStartMs + 31 * 86_400_000);
    for (let day = blockStartMs; day <= lastAtMs + 86_400_000; day += 86_400_000) {
      for (const table of Object.keys(PARTITIONED_TABLES) as PartitionedTable[]) partitions.ensure(table, Math.min(day, lastAtMs));
    }
    try {
      session.transaction(() => {
        // The host row's lock orders this against reports of the host being stored and against another collector compacting it.
        session.write('SELECT 1 FROM hosts WHERE host_id = $1 FOR UPDATE', [hostId]);
        const sequences = hot.rows.map((r) => r.sequence);
        if (session.count('DELETE FROM report_chunks WHERE host_id = $1 AND sequence = ANY($2::bigint[])', [hostId, sequences]) !== sequences.length) throw new RowsChanged();
        writeBlock(hostId, blockStartMs, block);
      });
    } catch (error) {
      if (error instanceof RowsChanged) return undefined;
      throw error;
    }
    return { hostId, blockStartMs, reports: block.reports, samples: block.samples, series: block.series };
  };

  /** The inserts of a compacted block (inside writeCompactedBlock's transaction). */
  const writeBlock = (hostId: number, blockStartMs: number, block: CompactedBlock): void => {
    const c = block.chunks;
    if (c.length > 0) {
      session.write(
        `INSERT INTO series_chunks (series_id, block_start_ms, part, first_at_ms, last_at_ms, sample_count, data, texts)
         SELECT series_id, block_start_ms, $1, first_at_ms, last_at_ms, sample_count, data, texts
         FROM unnest($2::integer[], $3::bigint[], $4::bigint[], $5::bigint[], $6::integer[], $7::bytea[], $8::text[])
           AS c(series_id, block_start_ms, first_at_ms, last_at_ms, sample_count, data, texts)`,
        [block.part, c.map((x) => x.seriesId), c.map((x) => x.blockStartMs), c.map((x) => x.firstAtMs), c.map((x) => x.lastAtMs), c.map((x) => x.sampleCount), c.map((x) => x.data), c.map((x) => x.texts)],
      );
      for (const [table, pick] of [['rollups_5m', (x: (typeof c)[number]) => x.rollups5m], ['rollups_1h', (x: (typeof c)[number]) => x.rollups1h]] as const) {
        // Buckets of one series from chunks of two blocks never share a start (a bucket lies within one block), but sum them anyway: one row per key per statement.
        const merged = new Map<string, { seriesId: number; startMs: number; count: number; sum: number; min: number; max: number }>();
        for (const x of c) {
          for (const b of pick(x)) {
            const key = `${x.seriesId}:${b.startMs}`;
            const m = merged.get(key);
            if (m === undefined) merged.set(key, { seriesId: x.seriesId, ...b });
            else Object.assign(m, { count: m.count + b.count, sum: m.sum + b.sum, min: Math.min(m.min, b.min), max: Math.max(m.max, b.max) });
          }
        }
        const buckets = [...merged.values()];
        session.write(
          `INSERT INTO ${table} (series_id, bucket_start_ms, sample_count, sum, min, max)
           SELECT * FROM unnest($1::integer[], $2::bigint[], $3::bigint[], $4::double precision[], $5::double precision[], $6::double precision[])
           ON CONFLICT (series_id, bucket_start_ms) DO UPDATE SET sample_count = ${table}.sample_count + excluded.sample_count,
             sum = ${table}.sum + excluded.sum, min = least(${table}.min, excluded.min), max = greatest(${table}.max, excluded.max)`,
          [buckets.map((b) => b.seriesId), buckets.map((b) => b.startMs), buckets.map((b) => b.count), buckets.map((b) => b.sum), buckets.map((b) => b.min), buckets.map((b) => b.max)],
        );
      }
    }
    if (block.sequenceRuns.length > 0) {
      const r = block.sequenceRuns;
      session.write('INSERT INTO compacted_reports (host_id, first_sequence, last_sequence, block_start_ms) SELECT $1, f, l, $2 FROM unnest($3::bigint[], $4::bigint[]) AS u(f, l)', [
        hostId,
        blockStartMs,
        r.map((x) => x[0]),
        r.map((x) => x[1]),
      ]);
      session.write('UPDATE hosts SET max_compacted_sequence = greatest(coalesce(max_compacted_sequence, $2), $2) WHERE host_id = $1', [hostId, r[r.length - 1]![1]]);
    }
  };

  /** Deletes at most `limit` rows of `table` with `column < cutoff` (the DEFAULT partition's and the boundary's); returns how many. */
  const deleteOld = (table: PartitionedTable, keys: string, cutoffMs: number, limit: number): number => {
    const column = PARTITIONED_TABLES[table].column;
    return session.count(
      `DELETE FROM ${table} t USING (SELECT ${keys} FROM ${table} WHERE ${column} < $1 LIMIT $2) o WHERE ${keys
        .split(', ')
        .map((k) => `t.${k} = o.${k}`)
        .join(' AND ')}`,
      [cutoffMs, limit],
    );
  };

  /** The blocks, in order, in which spanning hot rows have samples within [fromMs, toMs]: few rows, decoded for their times. */
  const spanningBlocks = (fromMs: number, toMs: number): number[] => {
    const blocks = new Set<number>();
    for (const row of session.query<HotChunk>(`SELECT base_at_ms, samples FROM report_chunks WHERE ${SPANNING_HOT} AND last_at_ms >= $1 AND base_at_ms <= $2`, [fromMs, toMs])) {
      for (const s of decodeChunk(row.base_at_ms, row.samples)) if (s.atMs >= fromMs && s.atMs <= toMs) blocks.add(bucketStart(s.atMs, BLOCK_MS));
    }
    return [...blocks].sort((a, b) => a - b);
  };

  /** The samples of one block with `fromMs <= atMs <= toMs` (a window inside the block), in time order. */
  function blockSources(block: number, fromMs: number, toMs: number): SampleBlock {
    const sources: SampleSource[] = [];
    const add = (source: SampleSource | undefined) => source !== undefined && sources.push(source);
    const chunkSource = createChunkSources(fromMs, toMs);
    for (const chunk of session.query<SeriesChunkRow>('SELECT series_id, first_at_ms, last_at_ms, data, texts FROM series_chunks WHERE block_start_ms = $1', [block])) {
      add(chunkSource(chunk));
    }
    const hot = session.query<HotChunk>(
      `SELECT base_at_ms, samples, texts FROM report_chunks
       WHERE (base_at_ms >= $1::bigint - ${SPANNING_MS} AND base_at_ms < $1::bigint + ${BLOCK_MS}) OR (${SPANNING_HOT} AND last_at_ms >= $2 AND base_at_ms < $1::bigint - ${SPANNING_MS})
       ORDER BY base_at_ms, host_id, sequence`,
      [block, fromMs],
    );
    add(hotSource(hot, fromMs, toMs));
    return { fromMs, toMs, sources };
  }

  return {
    partitions,

    /** Compacts the oldest hot block that ended before `beforeMs` (one host, one transaction), or undefined when none is left. */
    compactOldest(beforeMs: number): CompactionResult | undefined {
      // Another collector may compact the same block first: then the next oldest (a few tries).
      for (let attempt = 0; attempt < 5; attempt++) {
        const hot = readHotBlock(beforeMs);
        if (hot === undefined) return undefined;
        const result = writeCompactedBlock(hot, compactRows(hot.rows));
        if (result !== undefined) return result;
      }
      return undefined;
    },

    readHotBlock,
    writeCompactedBlock,

    /** Deletes raw history older than `cutoffMs`: hot rows received before it, whole partitions of blocks that ended before it, then at most `limit` more chunks. */
    pruneRaw(cutoffMs: number, limit: number): number {
      const blockCutoff = cutoffMs - BLOCK_MS + 1;
      let removed = session.count('DELETE FROM report_chunks WHERE received_at_ms < $1', [cutoffMs]);
      // Blocks are hour-aligned: every block of a partition ending by the cutoff has ended by then.
      removed += partitions.dropBefore('series_chunks', cutoffMs);
      partitions.dropBefore('compacted_reports', cutoffMs);
      const rows = deleteOld('series_chunks', 'series_id, block_start_ms, part', blockCutoff, limit);
      removed += rows;
      if (rows < limit) session.count('DELETE FROM compacted_reports WHERE block_start_ms < $1', [blockCutoff]);
      return removed;
    },

    /** Deletes rollup buckets starting before `cutoffMs`: whole partitions, then at most `limit` more of each resolution. */
    pruneRollups(cutoffMs: number, limit: number): number {
      let removed = 0;
      for (const table of ['rollups_5m', 'rollups_1h'] as const) {
        removed += partitions.dropBefore(table, cutoffMs);
        removed += deleteOld(table, 'series_id, bucket_start_ms', cutoffMs, limit);
      }
      return removed;
    },

    seriesPoints(seriesId: number, hostId: number, fromMs: number, toMs: number, hotOnly = false): SeriesPoint[] {
      return columnsToPoints(this.seriesColumns(seriesId, hostId, fromMs, toMs, hotOnly));
    },

    /** The same samples as columns (no object per sample). */
    seriesColumns(seriesId: number, hostId: number, fromMs: number, toMs: number, hotOnly = false): SeriesColumns {
      const chunks = hotOnly ? [] : session.query<SeriesChunkRow>(SERIES_CHUNKS_IN_RANGE, [seriesId, bucketStart(fromMs, BLOCK_MS), toMs, fromMs]);
      return collectSeriesColumns(chunks, session.query<HotChunk>(HOT_IN_RANGE, [hostId, fromMs, toMs]), seriesId, fromMs, toMs);
    },

    hostPoints(hostId: number, seriesIds: ReadonlySet<number>, fromMs: number, toMs: number): SeriesSampleRow[] {
      const rows: SeriesSampleRow[] = [];
      for (const chunk of session.query<SeriesChunkRow>(SERIES_CHUNKS_OF_MANY, [[...seriesIds], bucketStart(fromMs, BLOCK_MS), toMs, fromMs])) {
        if (chunk.last_at_ms < fromMs || chunk.first_at_ms > toMs) continue;
        pushChunkPoints(rows, chunk, fromMs, toMs, chunk.series_id);
      }
      for (const chunk of session.query<HotChunk>(HOT_IN_RANGE, [hostId, fromMs, toMs])) pushHotPoints(rows, chunk, fromMs, toMs, seriesIds);
      return inTimeOrder(rows);
    },

    visitHostPoints(hostId: number, seriesIds: ReadonlySet<number>, fromMs: number, toMs: number, visit: (seriesId: number, atMs: number, value: number) => void, hotOnly = false): void {
      if (!hotOnly) {
        for (const chunk of session.query<SeriesChunkRow>(SERIES_CHUNKS_OF_MANY, [[...seriesIds], bucketStart(fromMs, BLOCK_MS), toMs, fromMs])) {
          visitChunkPoints(chunk, chunk.series_id, fromMs, toMs, visit);
        }
      }
      for (const chunk of session.query<HotChunk>(HOT_IN_RANGE, [hostId, fromMs, toMs])) visitHotPoints(chunk, seriesIds, fromMs, toMs, visit);
    },

    rollupSteps(seriesIds: readonly number[], resolution: RollupResolution, fromMs: number, toMs: number, stepMs: number): Map<number, RollupBucket[]> {
      const table = rollupTable(resolution);
      const rows = session.query<RollupBucket & { seriesId: number }>(
        `SELECT series_id AS "seriesId", (bucket_start_ms / $4) * $4 AS "startMs", sum(sample_count) AS count, sum(sum) AS sum, min(min) AS min, max(max) AS max
         FROM ${table} WHERE series_id = ANY($1) AND bucket_start_ms BETWEEN $2 AND $3 GROUP BY 1, 2 ORDER BY 1, 2`,
        [[...seriesIds], fromMs, toMs, Math.round(stepMs)],
      );
      return groupBySeries(rows);
    },

    /** See StoreReads.visitStepSamples: the first hot report of each host and step, and the compacted chunks of the range. */
    visitStepSamples(seriesByHost: ReadonlyMap<number, ReadonlySet<number>>, fromMs: number, toMs: number, stepMs: number, visit: (seriesId: number, atMs: number, value: number) => void): void {
      const seriesIds = new Set([...seriesByHost.values()].flatMap((ids) => [...ids]));
      if (seriesIds.size === 0) return;
      for (const chunk of session.query<SeriesChunkRow>(SERIES_CHUNKS_OF_MANY, [[...seriesIds], bucketStart(fromMs, BLOCK_MS), toMs, fromMs])) {
        visitChunkPoints(chunk, chunk.series_id, fromMs, toMs, visit);
      }
      const hot = session.query<HotChunk>(
        `SELECT DISTINCT ON (host_id, base_at_ms / $4::bigint) base_at_ms, samples, texts FROM report_chunks
         WHERE host_id = ANY($1) AND base_at_ms BETWEEN $2 AND $3 ORDER BY host_id, base_at_ms / $4::bigint, base_at_ms`,
        [[...seriesByHost.keys()], fromMs, toMs, Math.round(stepMs)],
      );
      for (const chunk of hot) visitHotPoints(chunk, seriesIds, fromMs, toMs, visit);
    },

    rollups(seriesId: number, resolution: RollupResolution, fromMs: number, toMs: number): RollupBucket[] {
      return session.query<RollupBucket>(
        `SELECT bucket_start_ms AS "startMs", sample_count AS count, sum, min, max FROM ${rollupTable(resolution)}
         WHERE series_id = $1 AND bucket_start_ms BETWEEN $2 AND $3 ORDER BY bucket_start_ms`,
        [seriesId, fromMs, toMs],
      );
    },

    /** Every sample with `fromMs <= atMs <= toMs`, all series, block by block as columns (sampleBlocks.ts). */
    *sampleBlocks(fromMs: number, toMs: number): Iterable<SampleBlock> {
      const spanning = spanningBlocks(fromMs, toMs);
      let block = bucketStart(fromMs, BLOCK_MS);
      for (;;) {
        // The next block from `block` on that holds a sample: a chunk keyed there, a hot row based at most SPANNING_MS before it, or a block a spanning row reaches.
        const { compacted, hot } = session.query<{ compacted: number | null; hot: number | null }>(
          `SELECT (SELECT min(block_start_ms) FROM series_chunks WHERE block_start_ms >= $1) AS compacted,
                  (SELECT min(base_at_ms) FROM report_chunks WHERE base_at_ms >= $1::bigint - ${SPANNING_MS}) AS hot`,
          [block],
        )[0]!;
        while (spanning.length > 0 && spanning[0]! < block) spanning.shift();
        const next = Math.min(compacted ?? Infinity, hot === null ? Infinity : Math.max(block, bucketStart(hot, BLOCK_MS)), spanning[0] ?? Infinity);
        if (next === Infinity || next > toMs) return;
        yield blockSources(next, Math.max(fromMs, next), Math.min(toMs, next + BLOCK_MS - 1));
        block = next + BLOCK_MS;
      }
    },

    /** The newest sample of each series (grouped by host): from each host's last report, else its hot reports newest first, else its newest compressed chunk. */
    latest(seriesByHost: ReadonlyMap<number, ReadonlySet<number>>): Map<number, SeriesPoint> {
      const found = new Map<number, SeriesPoint>();
      const rows = session.query<HotChunk & { host_id: number }>(
        'SELECT c.host_id, c.base_at_ms, c.samples, c.texts FROM hosts h JOIN report_chunks c ON c.host_id = h.host_id AND c.sequence = h.last_sequence WHERE h.host_id = ANY($1)',
        [[...seriesByHost.keys()]],
      );
      for (const row of rows) takeNewest(found, row, seriesByHost.get(row.host_id)!);
      for (const [hostId, wanted] of seriesByHost) {
        if ([...wanted].every((id) => found.has(id))) continue;
        // A series missing from the last report (it stopped, or reports less often): the newest hot reports, then the rest of them.
        for (const rest of [`LIMIT ${LATEST_SEARCH_REPORTS}`, `OFFSET ${LATEST_SEARCH_REPORTS}`]) {
          if ([...wanted].every((id) => found.has(id))) break;
          for (const row of session.query<HotChunk>(`SELECT base_at_ms, samples, texts FROM report_chunks WHERE host_id = $1 ORDER BY base_at_ms DESC ${rest}`, [hostId])) {
            takeNewest(found, row, wanted);
          }
        }
        const missing = [...wanted].filter((id) => !found.has(id));
        if (missing.length === 0) continue;
        const chunks = session.query<SeriesChunkRow>(
          `SELECT DISTINCT ON (series_id) series_id, first_at_ms, last_at_ms, data, texts FROM series_chunks WHERE series_id = ANY($1)
           ORDER BY series_id, block_start_ms DESC, part DESC`,
          [missing],
        );
        for (const chunk of chunks) {
          const newest = newestOfChunk(chunk);
          if (newest !== undefined) found.set(chunk.series_id, newest);
        }
      }
      return found;
    },
  };
}

/** Thrown inside a compaction's transaction to roll it back when its hot rows changed. */
class RowsChanged extends Error {}
