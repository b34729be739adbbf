/**
 * Time partitions of the history tables. Compressed series chunks, compaction records and 5-minute
 * rollups are partitioned by day, hourly rollups by week (ranges aligned to the epoch, named
 * `<table>_p<start ms>`), so retention drops a whole partition (no row-by-row delete, no bloat) and
 * reads of a time range touch only its partitions.
 *
 * A partition is made when compaction first writes into its range, in a short transaction of its
 * own under an advisory lock (several collectors may try at once) with a lock timeout, never inside
 * a caller's transaction. Rows whose range has no partition (creation failed, or history of long ago)
 * go to the table's DEFAULT partition, which retention trims row by row.
 */
import type { PostgresSession } from './postgresBridge.js';

const DAY_MS = 86_400_000;

/** The partitioned tables, their partition column and partition width. */
export const PARTITIONED_TABLES = {
  series_chunks: { column: 'block_start_ms', widthMs: DAY_MS },
  compacted_reports: { column: 'block_start_ms', widthMs: DAY_MS },
  rollups_5m: { column: 'bucket_start_ms', widthMs: DAY_MS },
  rollups_1h: { column: 'bucket_start_ms', widthMs: 7 * DAY_MS },
} as const;

export type PartitionedTable = keyof typeof PARTITIONED_TABLES;

/** The advisory lock key partition changes hold. */
const PARTITION_LOCK_KEY = 0x7472_6970_7061_72;

export interface Partitions {
  /** Makes the partition of `table` holding `atMs` unless it exists (or could not be made before). */
  ensure(table: PartitionedTable, atMs: number): void;
  /**
   * Drops the partitions of `table` that lie wholly before `cutoffMs`; returns how many rows they held.
   * A partition whose drop times out waiting for its lock stays (its rows are deleted row by row).
   */
  dropBefore(table: PartitionedTable, cutoffMs: number): number;
  /** The start times of the partitions of `table` (for tests and the README's figures). */
  list(table: PartitionedTable): number[];
}

export function createPartitions(session: PostgresSession): Partitions {
  const known = new Map<PartitionedTable, Set<number>>();
  const unmakeable = new Set<string>();

  const load = (): void => {
    const rows = session.query<{ parent: string; child: string }>(
      `SELECT p.relname AS parent, c.relname AS child FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
       WHERE p.relname = ANY($1) AND c.relnamespace = to_regnamespace(current_schema())`,
      [Object.keys(PARTITIONED_TABLES)],
    );
    known.clear();
    for (const table of Object.keys(PARTITIONED_TABLES) as PartitionedTable[]) known.set(table, new Set());
    for (const { parent, child } of rows) {
      const match = /_p(\d+)$/.exec(child);
      if (match) known.get(parent as PartitionedTable)?.add(Number(match[1]));
    }
  };
  const startOf = (table: PartitionedTable, atMs: number): number => Math.floor(atMs / PARTITIONED_TABLES[table].widthMs) * PARTITIONED_TABLES[table].widthMs;
  const underLock = (statements: string[]): void => {
    session.script([
      { text: 'BEGIN' },
      { text: "SET LOCAL lock_timeout = '2s'" },
      { text: `SELECT pg_advisory_xact_lock(${PARTITION_LOCK_KEY})` },
      ...statements.map((text) => ({ text })),
      { text: 'COMMIT' },
    ]);
  };
  const rollback = (): void => {
    try {
      session.script([{ text: 'ROLLBACK' }]);
    } catch {
      // The connection is gone: nothing is left open on the server.
    }
  };

  return {
    ensure(table, atMs) {
      if (session.inTransaction) return; // DDL never joins a caller's transaction
      if (known.size === 0) load();
      const start = startOf(table, atMs);
      const name = `${table}_p${start}`;
      if (known.get(table)!.has(start) || unmakeable.has(name) || !Number.isFinite(start) || start < 0) return;
      try {
        underLock([`CREATE TABLE IF NOT EXISTS ${name} PARTITION OF ${table} FOR VALUES FROM (${start}) TO (${start + PARTITIONED_TABLES[table].widthMs})`]);
        known.get(table)!.add(start);
      } catch {
        // Rows of that range already sit in the DEFAULT partition, or the lock timed out: they stay there.
        rollback();
        unmakeable.add(name);
      }
    },
    dropBefore(table, cutoffMs) {
      if (session.inTransaction) return 0;
      load();
      let rows = 0;
      for (const start of [...known.get(table)!].sort((a, b) => a - b)) {
        if (start + PARTITIONED_TABLES[table].widthMs > cutoffMs) break;
        const name = `${table}_p${start}`;
        try {
          const count = Number(session.query<{ n: number }>(`SELECT count(*) AS n FROM ${name}`)[0]!.n);
          underLock([`DROP TABLE IF EXISTS ${name}`]);
          rows += count;
          known.get(table)!.delete(start);
        } catch {
          rollback();
        }
      }
      return rows;
    },
    list(table) {
      load();
      return [...known.get(table)!].sort((a, b) => a - b);
    },
  };
}
