/**
 * Rollups: min, sum (for the average), max and count of a series' finite samples per aligned bucket
 * (5 minutes, 1 hour). Pure, so the compaction that writes them and the reads that add the hot,
 * not yet compacted samples share one definition. Buckets merge by adding counts and sums and
 * taking the min of mins and the max of maxes, so a block compacted in parts adds up exactly.
 */
import type { RollupBucket } from '../domain/history.js';

/** The start of the bucket that holds `atMs` (buckets aligned to the epoch). */
export function bucketStart(atMs: number, bucketMs: number): number {
  return Math.floor(atMs / bucketMs) * bucketMs;
}

/** Adds samples into `buckets` (by bucket start); NaN and ±Infinity are left out. */
export function addToBuckets(buckets: Map<number, RollupBucket>, times: readonly number[], values: readonly number[], bucketMs: number): Map<number, RollupBucket> {
  for (let i = 0; i < times.length; i++) addToBucket(buckets, bucketStart(times[i]!, bucketMs), values[i]!);
  return buckets;
}

/** Adds one sample to the bucket starting at `startMs`; NaN and ±Infinity are left out. */
export function addToBucket(buckets: Map<number, RollupBucket>, startMs: number, value: number): void {
  if (!Number.isFinite(value)) return;
  const bucket = buckets.get(startMs);
  if (bucket === undefined) buckets.set(startMs, { startMs, count: 1, sum: value, min: value, max: value });
  else {
    bucket.count++;
    bucket.sum += value;
    if (value < bucket.min) bucket.min = value;
    if (value > bucket.max) bucket.max = value;
  }
}

/** Merges `more` into `into` (same resolution). */
export function mergeBuckets(into: Map<number, RollupBucket>, more: Iterable<RollupBucket>): Map<number, RollupBucket> {
  for (const bucket of more) {
    const existing = into.get(bucket.startMs);
    if (existing === undefined) into.set(bucket.startMs, { ...bucket });
    else {
      existing.count += bucket.count;
      existing.sum += bucket.sum;
      existing.min = Math.min(existing.min, bucket.min);
      existing.max = Math.max(existing.max, bucket.max);
    }
  }
  return into;
}

/**
 * Merges `more` into `sorted` (buckets ascending by start, as the store reads them; changed in
 * place) and keeps the order: a long read's thousands of stored buckets stay as they are, and the
 * few buckets of the hot samples are merged into theirs or added.
 */
export function mergeIntoSorted(sorted: RollupBucket[], more: Iterable<RollupBucket>): RollupBucket[] {
  const stored = sorted.length;
  let added = false;
  for (const bucket of more) {
    const existing = sorted[findStart(sorted, stored, bucket.startMs)];
    if (existing !== undefined && existing.startMs === bucket.startMs) {
      existing.count += bucket.count;
      existing.sum += bucket.sum;
      existing.min = Math.min(existing.min, bucket.min);
      existing.max = Math.max(existing.max, bucket.max);
    } else {
      sorted.push({ ...bucket });
      added = true;
    }
  }
  return added ? sorted.sort((a, b) => a.startMs - b.startMs) : sorted;
}

/** The index of the first of `sorted[0..length)` starting at or after `startMs` (binary search). */
function findStart(sorted: readonly RollupBucket[], length: number, startMs: number): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]!.startMs < startMs) low = middle + 1;
    else high = middle;
  }
  return low;
}
