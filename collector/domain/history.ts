/** Types of the stored history (issue 15): series, compressed blocks, rollups. */

/** One stored series: a metric and its full label set (`host` included) on one host. */
export interface SeriesRecord {
  seriesId: number;
  hostId: number;
  hostname: string;
  metric: string;
  labels: Record<string, string>;
}

/** One stored sample of a known series. */
export interface SeriesPoint {
  atMs: number;
  value: number;
  /** The text stored with it (a check's output line); absent for plain samples. */
  text?: string;
}

/** The rollup resolutions kept beside the raw samples, as Zabbix keeps trends beside history. */
export type RollupResolution = '5m' | '1h';

/** The bucket length of each rollup resolution. */
export const ROLLUP_BUCKET_MS: Readonly<Record<RollupResolution, number>> = { '5m': 300_000, '1h': 3_600_000 };

/** The finite samples of one series in one bucket `[startMs, startMs + bucket)`, summarised. */
export interface RollupBucket {
  startMs: number;
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** What one compaction did: the hot reports of one host and one block, turned into series chunks. */
export interface CompactionResult {
  hostId: number;
  blockStartMs: number;
  reports: number;
  samples: number;
  series: number;
}

/** How much history one pruning pass removed. */
export interface PruneResult {
  /** Hot report rows and compressed series chunks older than the raw retention. */
  rawRows: number;
  /** Rollup buckets older than the rollup retention. */
  rollupRows: number;
}
