/**
 * The history part of the SQLite engine (issue 15). Ingest writes one row per report into
 * `report_chunks` (the hot window, as a TSDB head); compaction turns the hot reports of one host and
 * one block (an hour, by the report's base time) into Gorilla chunks per series and block of sample
 * time, 5-minute and 1-hour rollups, and a record of which sequences it compacted (compacted_reports).
 * It reads and encodes them outside any transaction and writes in one, so a crash at any point leaves
 * the report either hot or recorded as compacted, never neither.
 *
 * A hot row whose sequence a compaction record holds is *covered*: its samples are in the chunks, and
 * every read of hot rows that merges them with chunks leaves it out (UNCOVERED), so a report is read
 * from exactly one of its forms. Covered rows are deleted later, by a sweep in the order they arrived
 * (sweepCovered), once compaction has been through every host of a block: deleted host by host, as
 * compaction did in its transaction, a host's hour of rows lay on as many pages of the table and of
 * the base-time index as it has reports (a fleet's reports interleave), each page written once per
 * host on it: 2.5 MB a host-hour at 100 hosts, 15 times what storing them wrote
 * (docs/performance-history.md, "What compaction writes"). Swept in arrival order, the table's pages
 * and the base-time index's leaves go once; the by-host index's leaves once per sweep step a host
 * has rows in, which in a fleet larger than a step is a leaf a row (session 47 there).
 *
 * Where a range read finds its samples: a series chunk holds samples of its own block only, so the
 * chunks of [from, to] are those of the blocks from bucketStart(from) to `to`. A hot row's samples
 * lie from its base time (its earliest sample) to its `last_at_ms`; rows whose samples reach less than
 * SPANNING_MS past their base are found by base time, the few that reach further (a sample far ahead
 * of the collector's clock, within collector.intake.maxClockAhead, beside an on-time one) through a
 * partial index that holds only them, as are series chunks compacted before chunks were split by
 * block. Nothing is missed however far a report's samples spread.
 */
import type Database from 'better-sqlite3';
import type { CompactionResult, RollupBucket, RollupResolution, SeriesPoint } from '../../domain/history.js';
import { bucketStart } from '../../history/rollupBuckets.js';
import { decodeSeriesChunk } from '../../history/seriesChunkCodec.js';
import {
  BLOCK_MS, collectSeriesColumns, columnsToPoints, type CompactedBlock, compactRows, groupBySeries, type HotBlock, type HotChunk, inTimeOrder, LATEST_SEARCH_REPORTS, pushChunkPoints, type SeriesChunkRow, type SeriesSampleRow, SPANNING_MS, takeNewest,
  type SeriesColumns, visitChunkPoints, visitHotPoints, withText,
} from '../historyBlocks.js';
import { createChunkSources, hotSource, type SampleBlock, type SampleSource } from '../sampleBlocks.js';
import { decodeChunk, decodeTexts } from '../sampleChunk.js';

export { BLOCK_MS, type SeriesSampleRow, SPANNING_MS } from '../historyBlocks.js';

/** The literal predicates of migration 13's partial indexes (they must match the index's for SQLite to use it). */
const SPANNING_HOT = 'last_at_ms >= base_at_ms + 3600000';
const SPANNING_CHUNK = 'last_at_ms >= block_start_ms + 3600000';

/**
 * The last sequence of the compaction record that may hold a host's sequence (SQL expressions): the
 * host's record with the greatest first sequence at or below it (records never overlap), one seek
 * into compacted_reports' key. coveredBy: whether it holds the hot row of table (alias) `c`.
 */
const coveringLast = (hostId: string, sequence: string) =>
  `SELECT k.last_sequence FROM compacted_reports k WHERE k.host_id = ${hostId} AND k.first_sequence <= ${sequence} ORDER BY k.first_sequence DESC LIMIT 1`;
const coveredBy = (c: string) => `coalesce((${coveringLast(`${c}.host_id`, `${c}.sequence`)}), ${c}.sequence - 1) >= ${c}.sequence`;
const UNCOVERED = `NOT (${coveredBy('c')})`;
/** The same over the unaliased table (`tripline migrate` copies only these hot rows). */
export const UNCOVERED_HOT_ROW = `NOT (${coveredBy('report_chunks')})`;

/** Up to this many hosts, a latest-values read looks each host's last report up alone rather than reading every host's. */
const FEW_HOSTS = 64;

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
    spanningSeriesChunks: prepare(`SELECT series_id, first_at_ms, last_at_ms, data, texts FROM series_chunks WHERE series_id = ? AND ${SPANNING_CHUNK} AND last_at_ms >= ? AND block_start_ms < ?`),
    blockChunks: prepare('SELECT series_id, first_at_ms, last_at_ms, data, texts FROM series_chunks WHERE block_start_ms = ?'),
    // `+block_start_ms`: through the partial index of spanning chunks (a few rows), not series_chunks_by_block, whose
    // range `block_start_ms < ?` is every chunk before the block (a replay read each block's spanning chunks: quadratic in the history).
    spanningBlockChunks: prepare(`SELECT series_id, first_at_ms, last_at_ms, data, texts FROM series_chunks WHERE ${SPANNING_CHUNK} AND last_at_ms >= ? AND +block_start_ms < ?`),
    // The reads of hot rows that meet the chunks' samples leave covered rows out (UNCOVERED): those samples are in the chunks.
    hotInRange: prepare(`SELECT base_at_ms, samples, texts FROM report_chunks c WHERE host_id = ? AND base_at_ms BETWEEN ? AND ? AND ${UNCOVERED} ORDER BY base_at_ms`),
    spanningHotOfHost: prepare(`SELECT base_at_ms, samples, texts FROM report_chunks c WHERE host_id = ? AND ${SPANNING_HOT} AND last_at_ms >= ? AND base_at_ms < ? AND ${UNCOVERED}`),
    hotInBlockAllHosts: prepare(`SELECT base_at_ms, samples, texts FROM report_chunks c WHERE base_at_ms >= ? AND base_at_ms < ? AND ${UNCOVERED} ORDER BY base_at_ms, host_id, sequence`),
    spanningHotAllHosts: prepare(`SELECT base_at_ms, samples, texts FROM report_chunks c WHERE ${SPANNING_HOT} AND last_at_ms >= ? AND base_at_ms < ? AND ${UNCOVERED} ORDER BY base_at_ms, host_id, sequence`),
    spanningHotTimes: prepare(`SELECT base_at_ms, samples FROM report_chunks c WHERE ${SPANNING_HOT} AND last_at_ms >= ? AND base_at_ms <= ? AND ${UNCOVERED}`),
    spanningChunkTimes: pluck(`SELECT data FROM series_chunks WHERE ${SPANNING_CHUNK} AND last_at_ms >= ? AND first_at_ms <= ?`),
    nextCompactedBlock: pluck('SELECT min(block_start_ms) AS at FROM series_chunks WHERE block_start_ms >= ?'),
    // Covered rows count here: at worst a block whose hot rows are all covered is read, and yields its chunks only.
    nextHotBase: pluck('SELECT min(base_at_ms) AS at FROM report_chunks WHERE base_at_ms >= ?'),
    // Rows as arrays (raw()): better-sqlite3 builds an object a row key by key, twice the time of 8,640 rows (30 days of 5 minutes) read as arrays.
    rollups5m: raw('SELECT bucket_start_ms, sample_count, sum, min, max FROM rollups_5m WHERE series_id = ? AND bucket_start_ms BETWEEN ? AND ? ORDER BY bucket_start_ms'),
    rollups1h: raw('SELECT bucket_start_ms, sample_count, sum, min, max FROM rollups_1h WHERE series_id = ? AND bucket_start_ms BETWEEN ? AND ? ORDER BY bucket_start_ms'),
    // Rollups summed per step in SQLite (a 7-day chart reads 600 rows, not 2,016), of every series of a read in one statement; steps aligned to the epoch.
    rollupSteps5m: prepare(`SELECT series_id AS seriesId, CAST(bucket_start_ms / @step AS INTEGER) * @step AS startMs, sum(sample_count) AS count, sum(sum) AS sum, min(min) AS min, max(max) AS max
      FROM rollups_5m WHERE series_id IN (SELECT value FROM json_each(@seriesIds)) AND bucket_start_ms BETWEEN @fromMs AND @toMs GROUP BY 1, 2 ORDER BY 1, 2`),
    rollupSteps1h: prepare(`SELECT series_id AS seriesId, CAST(bucket_start_ms / @step AS INTEGER) * @step AS startMs, sum(sample_count) AS count, sum(sum) AS sum, min(min) AS min, max(max) AS max
      FROM rollups_1h WHERE series_id IN (SELECT value FROM json_each(@seriesIds)) AND bucket_start_ms BETWEEN @fromMs AND @toMs GROUP BY 1, 2 ORDER BY 1, 2`),
    // A sparkline's hot reports (visitStepSamples): a host's report times in a range, in time order, from the index
    // alone (report_chunks_by_host holds base_at_ms, and the host and sequence UNCOVERED looks up; the sort is of those
    // pairs), then the first report of each step whole.
    hotTimesOfHost: raw(`SELECT sequence, base_at_ms FROM report_chunks c WHERE host_id = ? AND base_at_ms BETWEEN ? AND ? AND ${UNCOVERED} ORDER BY base_at_ms, sequence`),
    hotReport: prepare('SELECT base_at_ms, samples, texts FROM report_chunks WHERE host_id = ? AND sequence = ?'),
    chunksOfManySeries: prepare(`SELECT series_id, first_at_ms, last_at_ms, data, texts FROM series_chunks
      WHERE series_id IN (SELECT value FROM json_each(?)) AND block_start_ms BETWEEN ? AND ?`),
    // The latest-value reads may take a covered row: its samples are the chunks' own, and they read chunks only for
    // the series the hot rows lack. CROSS JOIN keeps hosts the outer loop: one primary-key lookup per host, not a scan of every hot row.
    lastHotOfHosts: prepare('SELECT c.host_id, c.base_at_ms, c.samples, c.texts FROM hosts h CROSS JOIN report_chunks c ON c.host_id = h.host_id AND c.sequence = h.last_sequence'),
    lastHotOfHost: prepare('SELECT c.host_id, c.base_at_ms, c.samples, c.texts FROM hosts h JOIN report_chunks c ON c.host_id = h.host_id AND c.sequence = h.last_sequence WHERE h.host_id = ?'),
    hotOfHostNewestFirst: prepare('SELECT base_at_ms, samples, texts FROM report_chunks WHERE host_id = ? ORDER BY base_at_ms DESC'),
    newestSeriesChunk: prepare('SELECT series_id, first_at_ms, last_at_ms, data, texts FROM series_chunks WHERE series_id = ? ORDER BY block_start_ms DESC, part DESC LIMIT 1'),
  };
  const writes = db.readonly
    ? undefined
    : {
        oldestHot: prepare(`SELECT host_id, base_at_ms FROM report_chunks c WHERE base_at_ms < ? AND ${UNCOVERED} ORDER BY base_at_ms LIMIT 1`),
        // The next host by id with a hot row in the block, through report_chunks_by_host (`+`: not the base-time index,
        // whose range is every host's hour): a host's entries in sequence order, its oldest (this block's) first.
        nextHostOfBlock: pluck(`SELECT host_id FROM report_chunks c WHERE host_id > ? AND +base_at_ms >= ? AND +base_at_ms < ? AND ${UNCOVERED} ORDER BY host_id LIMIT 1`),
        hotOfBlock: prepare(`SELECT sequence, base_at_ms, samples, texts FROM report_chunks c WHERE host_id = ? AND base_at_ms >= ? AND base_at_ms < ? AND ${UNCOVERED}`),
        hotRun: prepare('SELECT count(*) AS rows, max(rowid) AS lastRowid FROM report_chunks WHERE host_id = ? AND sequence BETWEEN ? AND ?'),
        // Migration 21's single row: the greatest rowid of a covered row the sweep has yet to pass (0: none).
        sweepUntil: pluck('SELECT until_rowid FROM hot_sweep WHERE id = 1'),
        raiseSweepUntil: prepare('UPDATE hot_sweep SET until_rowid = max(until_rowid, ?) WHERE id = 1'),
        sweepDone: prepare('UPDATE hot_sweep SET until_rowid = 0 WHERE id = 1 AND until_rowid = ?'),
        firstHotRowid: pluck('SELECT min(rowid) FROM report_chunks'),
        sweepCovered: prepare(`DELETE FROM report_chunks WHERE rowid >= ? AND rowid < ? AND ${coveredBy('report_chunks')}`),
        insertSeriesChunk: prepare('INSERT INTO series_chunks (series_id, block_start_ms, part, first_at_ms, last_at_ms, sample_count, data, texts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
        insertCompacted: prepare('INSERT INTO compacted_reports (host_id, first_sequence, last_sequence, block_start_ms) VALUES (?, ?, ?, ?)'),
        compactedCovering: pluck(coveringLast('?', '?')),
        maxCompacted: pluck('SELECT max(last_sequence) FROM compacted_reports WHERE host_id = ?'),
        upsert5m: prepare(upsertRollup('rollups_5m')),
        upsert1h: prepare(upsertRollup('rollups_1h')),
        // Hot rows lie in the order they arrived (migration 19), so those received before the cutoff are the table's
        // first rows: the walk stops at the first row received since, reading only what it deletes (no index by receive
        // time to keep, migration 20). A row received before an earlier one (the collector's clock set back) waits
        // until the rows that arrived before it are gone.
        pruneHot: prepare(
          'DELETE FROM report_chunks WHERE rowid < coalesce((SELECT rowid FROM report_chunks WHERE received_at_ms >= ? ORDER BY rowid LIMIT 1), 9223372036854775807)',
        ),
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

  /**
   * Where compaction is: the block it goes through, host by host in id order, and the last host it
   * read. Walking the hosts rather than asking each time for the oldest uncovered row keeps it from
   * passing over the covered rows of the hosts done before (quadratic in the fleet): those wait for
   * the sweep, which readHotBlock leaves to its caller once the block is done.
   */
  let cursor: { blockStartMs: number; afterHostId: number } | undefined;
  /** Where the sweep under way has reached (a rowid), or undefined when none is. */
  let sweepFrom: number | undefined;

  /**
   * The uncovered hot rows of the next host of the oldest block that ended before `beforeMs`, read
   * outside any transaction; undefined when none is due, or when covered rows wait for the sweep
   * (sweepCovered) before the next block's search.
   */
  const readHotBlock = (beforeMs: number): HotBlock | undefined => {
    const sql = w();
    const cutoff = bucketStart(beforeMs, BLOCK_MS);
    for (;;) {
      if (cursor === undefined) {
        if (sweepPending()) return undefined;
        const oldest = sql.oldestHot().get(cutoff) as { host_id: number; base_at_ms: number } | undefined;
        if (oldest === undefined) return undefined;
        cursor = { blockStartMs: bucketStart(oldest.base_at_ms, BLOCK_MS), afterHostId: Number.MIN_SAFE_INTEGER };
      }
      const { blockStartMs } = cursor;
      const hostId = blockStartMs < cutoff ? (sql.nextHostOfBlock().get(cursor.afterHostId, blockStartMs, blockStartMs + BLOCK_MS) as number | undefined) : undefined;
      if (hostId === undefined) {
        cursor = undefined;
        continue;
      }
      cursor.afterHostId = hostId;
      const rows = sql.hotOfBlock().all(hostId, blockStartMs, blockStartMs + BLOCK_MS) as HotBlock['rows'];
      if (rows.length > 0) return { hostId, blockStartMs, rows };
    }
  };

  const sweepPending = (): boolean => ((w().sweepUntil().get() as number | undefined) ?? 0) > 0;

  /**
   * One step of the sweep: deletes the covered rows among the next `stepRows` rowids, in one
   * transaction; returns how many went, or undefined when no covered row is left to sweep. A sweep
   * starts at the table's first row and ends past the last covered one that compaction recorded
   * (hot_sweep), so a crash in between only has the next pass sweep again.
   */
  const sweepCovered = (stepRows: number): number | undefined => {
    const sql = w();
    return db.transaction(() => {
      const until = (sql.sweepUntil().get() as number | undefined) ?? 0;
      if (until <= 0) {
        sweepFrom = undefined;
        return undefined;
      }
      const from = sweepFrom ?? ((sql.firstHotRowid().get() as number | null) ?? until + 1);
      const to = from + stepRows;
      const removed = from <= until ? sql.sweepCovered().run(from, to).changes : 0;
      if (to > until) {
        sql.sweepDone().run(until);
        sweepFrom = undefined;
      } else sweepFrom = to;
      return removed;
    })();
  };

  /**
   * Writes a compacted block and its record of the sequences it holds, which covers the hot rows it
   * came from, in one transaction: a crash leaves them either uncovered or compacted. Undefined,
   * rolled back, when one of those rows is gone or covered (another pass compacted or pruned it
   * after they were read). The rows stay for the sweep.
   */
  const writeCompactedBlock = (hot: HotBlock, block: CompactedBlock): CompactionResult | undefined => {
    const sql = w();
    const { hostId, blockStartMs } = hot;
    try {
      db.transaction(() => {
        // Each run of consecutive sequences was read whole, so a run's range holds those rows only; the record with the
        // greatest first sequence at or below a run's last is the only one that can overlap it.
        let present = 0;
        let lastRowid = 0;
        for (const [first, last] of block.sequenceRuns) {
          const covered = sql.compactedCovering().get(hostId, last) as number | undefined;
          if (covered !== undefined && covered >= first) throw new RowsChanged();
          const run = sql.hotRun().get(hostId, first, last) as { rows: number; lastRowid: number | null };
          present += run.rows;
          lastRowid = Math.max(lastRowid, run.lastRowid ?? 0);
        }
        if (present !== hot.rows.length) throw new RowsChanged();
        sql.raiseSweepUntil().run(lastRowid);
        for (const chunk of block.chunks) {
          sql.insertSeriesChunk().run(chunk.seriesId, chunk.blockStartMs, block.part, chunk.firstAtMs, chunk.lastAtMs, chunk.sampleCount, chunk.data, chunk.texts);
          for (const bucket of chunk.rollups5m) sql.upsert5m().run(chunk.seriesId, bucket.startMs, bucket.count, bucket.sum, bucket.min, bucket.max);
          for (const bucket of chunk.rollups1h) sql.upsert1h().run(chunk.seriesId, bucket.startMs, bucket.count, bucket.sum, bucket.min, bucket.max);
        }
        for (const [first, last] of block.sequenceRuns) sql.insertCompacted().run(hostId, first, last, blockStartMs);
      })();
    } catch (error) {
      if (error instanceof RowsChanged) return undefined;
      throw error;
    }
    const sequences = block.reports > 0 ? (sql.maxCompacted().get(hostId) as number | null) : null;
    if (sequences !== null) maxCompactedByHost.set(hostId, sequences);
    return { hostId, blockStartMs, reports: block.reports, samples: block.samples, series: block.series };
  };

  /** The chunks of one series that may hold samples within [fromMs, toMs]. */
  function* chunksOfSeries(seriesId: number, fromMs: number, toMs: number): Iterable<SeriesChunkRow> {
    const firstBlock = bucketStart(fromMs, BLOCK_MS);
    for (const chunk of reads.seriesChunks().iterate(seriesId, firstBlock, toMs) as Iterable<SeriesChunkRow>) if (chunk.last_at_ms >= fromMs && chunk.first_at_ms <= toMs) yield chunk;
    for (const chunk of reads.spanningSeriesChunks().iterate(seriesId, fromMs, firstBlock) as Iterable<SeriesChunkRow>) if (chunk.first_at_ms <= toMs) yield chunk;
  }

  /** The hot rows of one host that may hold samples within [fromMs, toMs]. */
  function* hotRowsOfHost(hostId: number, fromMs: number, toMs: number): Iterable<HotChunk> {
    yield* reads.hotInRange().iterate(hostId, fromMs - SPANNING_MS, toMs) as Iterable<HotChunk>;
    yield* reads.spanningHotOfHost().iterate(hostId, fromMs, fromMs - SPANNING_MS) as Iterable<HotChunk>;
  }

  return {
    /**
     * Compacts the oldest hot block that ended before `beforeMs` (one host, one transaction), or
     * returns undefined when there is none, all at once (historyMaintenance.ts compacts in steps).
     */
    compactOldest(beforeMs: number): CompactionResult | undefined {
      for (;;) {
        // Read, encode and write with no turn of the event loop between them: nothing changes the rows meanwhile.
        const hot = readHotBlock(beforeMs);
        if (hot !== undefined) return writeCompactedBlock(hot, compactRows(hot.rows));
        // A block done (or a crash's leftovers): its covered rows go before the next block's search.
        if (sweepCovered(Number.MAX_SAFE_INTEGER) === undefined) return undefined;
      }
    },

    readHotBlock,
    writeCompactedBlock,
    sweepCovered,

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
      cursor = undefined;
      sweepFrom = undefined;
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
        // Not while covered rows wait for the sweep: a record pruned would uncover its rows again.
        if (old.length < limit && !sweepPending()) sql.pruneCompacted().run(blockCutoff + 1);
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
      return columnsToPoints(this.seriesColumns(seriesId, hostId, fromMs, toMs, hotOnly));
    },

    /** The same samples as columns (no object per sample). */
    seriesColumns(seriesId: number, hostId: number, fromMs: number, toMs: number, hotOnly = false): SeriesColumns {
      return collectSeriesColumns(hotOnly ? [] : chunksOfSeries(seriesId, fromMs, toMs), hotRowsOfHost(hostId, fromMs, toMs), seriesId, fromMs, toMs);
    },

    /** Every sample of the host's series `seriesIds` with `fromMs <= atMs <= toMs`, in time order. */
    hostPoints(hostId: number, seriesIds: ReadonlySet<number>, fromMs: number, toMs: number): SeriesSampleRow[] {
      const rows: SeriesSampleRow[] = [];
      for (const seriesId of seriesIds) {
        for (const chunk of chunksOfSeries(seriesId, fromMs, toMs)) pushChunkPoints(rows, chunk, fromMs, toMs, seriesId);
      }
      for (const chunk of hotRowsOfHost(hostId, fromMs, toMs)) {
        const texts = decodeTexts(chunk.texts);
        for (const s of decodeChunk(chunk.base_at_ms, chunk.samples)) {
          if (s.atMs >= fromMs && s.atMs <= toMs && seriesIds.has(s.seriesId)) rows.push(withText({ atMs: s.atMs, value: s.value, seriesId: s.seriesId }, texts.get(s.index)));
        }
      }
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
          for (const chunk of chunksOfSeries(seriesId, fromMs, toMs)) {
            const { times, values } = decodeSeriesChunk(chunk.data);
            for (let i = 0; i < times.length; i++) if (times[i]! >= fromMs && times[i]! <= toMs) visit(seriesId, times[i]!, values[i]!);
          }
        }
      }
      for (const chunk of hotRowsOfHost(hostId, fromMs, toMs)) {
        for (const s of decodeChunk(chunk.base_at_ms, chunk.samples, seriesIds)) if (s.atMs >= fromMs && s.atMs <= toMs) visit(s.seriesId, s.atMs, s.value);
      }
    },

    /** Stored rollups of several series summed per step of `stepMs` (aligned to the epoch), for buckets starting within [fromMs, toMs]; by series id. */
    rollupSteps(seriesIds: readonly number[], resolution: RollupResolution, fromMs: number, toMs: number, stepMs: number): Map<number, RollupBucket[]> {
      const statement = resolution === '5m' ? reads.rollupSteps5m : reads.rollupSteps1h;
      const rows = statement().all({ seriesIds: JSON.stringify(seriesIds), fromMs, toMs, step: Math.round(stepMs) }) as Array<RollupBucket & { seriesId: number }>;
      return groupBySeries(rows);
    },

    /** See StoreReads.visitStepSamples: the first hot report of each host and step, and the compacted chunks of the range. */
    visitStepSamples(seriesByHost: ReadonlyMap<number, ReadonlySet<number>>, fromMs: number, toMs: number, stepMs: number, visit: (seriesId: number, atMs: number, value: number) => void): void {
      const seriesIds = new Set([...seriesByHost.values()].flatMap((ids) => [...ids]));
      if (seriesIds.size === 0) return;
      for (const chunk of reads.chunksOfManySeries().iterate(JSON.stringify([...seriesIds]), bucketStart(fromMs, BLOCK_MS), toMs) as Iterable<SeriesChunkRow>) {
        visitChunkPoints(chunk, chunk.series_id, fromMs, toMs, visit);
      }
      // Steps start at fromMs (callers align it), in whole milliseconds. Per host and step, the report based first.
      const from = Math.floor(fromMs);
      const step = Math.max(1, Math.round(stepMs));
      for (const hostId of seriesByHost.keys()) {
        let lastStep = -1;
        for (const [sequence, baseAtMs] of reads.hotTimesOfHost().all(hostId, from, Math.floor(toMs)) as Array<[number, number]>) {
          const stepIndex = Math.floor((baseAtMs - from) / step);
          if (stepIndex === lastStep) continue;
          lastStep = stepIndex;
          visitHotPoints(reads.hotReport().get(hostId, sequence) as HotChunk, seriesIds, fromMs, toMs, visit);
        }
      }
    },

    /** Stored rollup buckets of one series starting within [fromMs, toMs] (compacted history only). */
    rollups(seriesId: number, resolution: RollupResolution, fromMs: number, toMs: number): RollupBucket[] {
      const statement = resolution === '5m' ? reads.rollups5m : reads.rollups1h;
      const rows = statement().all(seriesId, fromMs, toMs) as Array<[number, number, number, number, number]>;
      const buckets = new Array<RollupBucket>(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const [startMs, count, sum, min, max] = rows[i]!;
        buckets[i] = { startMs, count, sum, min, max };
      }
      return buckets;
    },

    /**
     * Every sample with `fromMs <= atMs <= toMs`, all series, block by block as columns
     * (sampleBlocks.ts): a BlockCursor hands a block's samples on in time order (samples of one time
     * in the order their reports were stored).
     */
    *sampleBlocks(fromMs: number, toMs: number): Iterable<SampleBlock> {
      const spanning = spanningBlocks(fromMs, toMs);
      let block = bucketStart(fromMs, BLOCK_MS);
      for (;;) {
        // The next block from `block` on that holds a sample: a chunk keyed there, a hot row based at
        // most SPANNING_MS before it, or a block a spanning row has a sample in.
        const nextCompacted = reads.nextCompactedBlock().get(block) as number | null;
        const nextHot = reads.nextHotBase().get(block - SPANNING_MS) as number | null;
        while (spanning.length > 0 && spanning[0]! < block) spanning.shift();
        const next = Math.min(nextCompacted ?? Infinity, nextHot === null ? Infinity : Math.max(block, bucketStart(nextHot, BLOCK_MS)), spanning[0] ?? Infinity);
        if (next === Infinity || next > toMs) return;
        yield blockSources(next, Math.max(fromMs, next), Math.min(toMs, next + BLOCK_MS - 1));
        block = next + BLOCK_MS;
      }
    },

    /**
     * The newest sample of each of `seriesIds` (grouped by host): from each host's last report,
     * else its hot reports newest first, else its newest compressed chunk.
     */
    latest(seriesByHost: ReadonlyMap<number, ReadonlySet<number>>): Map<number, SeriesPoint> {
      const found = new Map<number, SeriesPoint>();
      // Many hosts: every host's last report in one call into SQLite (all(), not iterate(), which crosses over per row); a few: each its own.
      const lastReports = seriesByHost.size > FEW_HOSTS ? reads.lastHotOfHosts().all() : [...seriesByHost.keys()].flatMap((hostId) => reads.lastHotOfHost().all(hostId));
      for (const row of lastReports as Array<HotChunk & { host_id: number }>) {
        const wanted = seriesByHost.get(row.host_id);
        if (wanted !== undefined) takeNewest(found, row, wanted);
      }
      for (const [hostId, wanted] of seriesByHost) {
        const allFound = () => [...wanted].every((id) => found.has(id));
        if (allFound()) continue;
        // A series missing from the last report (it stopped, or reports less often): the host's hot reports, newest first, until each is found.
        let searched = 0;
        for (const row of reads.hotOfHostNewestFirst().iterate(hostId) as Iterable<HotChunk>) {
          takeNewest(found, row, wanted);
          if (++searched % LATEST_SEARCH_REPORTS === 0 && allFound()) break;
        }
        for (const seriesId of wanted) {
          if (found.has(seriesId)) continue;
          const chunk = reads.newestSeriesChunk().get(seriesId) as SeriesChunkRow | undefined;
          if (chunk === undefined) continue;
          const points: SeriesPoint[] = [];
          pushChunkPoints(points, chunk, -Infinity, Infinity);
          const newest = points.reduce<SeriesPoint | undefined>((best, p) => (best === undefined || p.atMs >= best.atMs ? p : best), undefined);
          if (newest !== undefined) found.set(seriesId, newest);
        }
      }
      return found;
    },
  };

  /** The blocks, in order, in which the spanning rows (hot or chunk) have samples within [fromMs, toMs]: few rows, decoded for their times. */
  function spanningBlocks(fromMs: number, toMs: number): number[] {
    const blocks = new Set<number>();
    const add = (atMs: number) => {
      if (atMs >= fromMs && atMs <= toMs) blocks.add(bucketStart(atMs, BLOCK_MS));
    };
    for (const row of reads.spanningHotTimes().iterate(fromMs, toMs) as Iterable<HotChunk>) for (const s of decodeChunk(row.base_at_ms, row.samples)) add(s.atMs);
    for (const data of reads.spanningChunkTimes().iterate(fromMs, toMs) as Iterable<Buffer>) decodeSeriesChunk(data).times.forEach(add);
    return [...blocks].sort((a, b) => a - b);
  }

  /** The sources of one block's samples with `fromMs <= atMs <= toMs` (a window inside the block), in stored order. */
  function blockSources(block: number, fromMs: number, toMs: number): SampleBlock {
    const sources: SampleSource[] = [];
    const add = (source: SampleSource | undefined) => source !== undefined && sources.push(source);
    const chunkSource = createChunkSources(fromMs, toMs);
    // all(), not iterate(): one call into SQLite for the block's chunks, not one per chunk.
    for (const chunk of reads.blockChunks().all(block) as SeriesChunkRow[]) add(chunkSource(chunk));
    for (const chunk of reads.spanningBlockChunks().iterate(fromMs, block) as Iterable<SeriesChunkRow>) add(chunkSource(chunk));
    const hot = [...(reads.hotInBlockAllHosts().iterate(block - SPANNING_MS, block + BLOCK_MS) as Iterable<HotChunk>), ...(reads.spanningHotAllHosts().iterate(fromMs, block - SPANNING_MS) as Iterable<HotChunk>)];
    add(hotSource(hot, fromMs, toMs));
    return { fromMs, toMs, sources };
  }
}

/** Thrown inside a compaction's transaction to roll it back when its hot rows changed. */
class RowsChanged extends Error {}

function upsertRollup(table: string): string {
  return `INSERT INTO ${table} (series_id, bucket_start_ms, sample_count, sum, min, max) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (series_id, bucket_start_ms) DO UPDATE SET sample_count = sample_count + excluded.sample_count, sum = sum + excluded.sum,
      min = min(min, excluded.min), max = max(max, excluded.max)`;
}
