/**
 * What a replay needs of the series no rule reads (issue 15): not their values, only when their host
 * reported. A sample tells the replay that its host was alive (agent_missed_reports is measured from
 * a host's newest sample), and its host's first sample newer than a silence ends the silence at that
 * sample's place among the step's samples. A host's series share its report times, so the time of an
 * unread series' sample nearly always also comes with a read series of the same host stored before
 * it in the block: then the read sample says all the unread one would have, at an earlier place.
 *
 * splitUnread keeps in the block, for each chunk of an unread series, only its samples at times no
 * read chunk of the same host before it holds (a series that reports on its own, or starts before
 * the others), with its values left undecoded (the replay reads no value of them); the rest it only
 * counts. The cursor then visits the same host times at the same places, and the replay's outcome is
 * the one of visiting every sample (test/collector/unreadSeries.test.ts). The hot source (samples
 * not yet compacted, a few of the newest) stays whole.
 */
import type { SampleBlock, SampleSource } from '../store/sampleBlocks.js';

/** The chunks of unread series that a block lost to splitUnread, to count their samples. */
export interface SkippedSamples {
  /** Each chunk's times (in [start, end)) and the times of it that stayed in the block (`kept`, in order). */
  chunks: Array<{ times: ArrayLike<number>; start: number; end: number; kept: readonly number[] }>;
}

/**
 * The block with the samples of unread chunk sources that other chunks of their host make
 * redundant left out, and those chunks (see the module comment). `isRead` says whether a series is
 * read by some replay, `hostOf` names its host.
 */
export function splitUnread(block: SampleBlock, isRead: (seriesId: number) => boolean, hostOf: (seriesId: number) => string): { block: SampleBlock; skipped: SkippedSamples } {
  const skipped: SkippedSamples = { chunks: [] };
  // Per host, the read chunk sources seen so far in the block's order.
  const readByHost = new Map<string, SampleSource[]>();
  const sources: SampleSource[] = [];
  for (const source of block.sources) {
    if (source.seriesIds !== undefined) {
      sources.push(source);
      continue;
    }
    const host = hostOf(source.seriesId);
    if (isRead(source.seriesId)) {
      const earlier = readByHost.get(host);
      if (earlier) earlier.push(source);
      else readByHost.set(host, [source]);
      sources.push(source);
      continue;
    }
    const kept = timesNotIn(source, readByHost.get(host));
    skipped.chunks.push({ times: source.times, start: source.start, end: source.end, kept });
    if (kept.length > 0) sources.push({ seriesId: source.seriesId, seriesIds: undefined, times: kept, values: new Float64Array(kept.length), texts: undefined, start: 0, end: kept.length });
  }
  return { block: skipped.chunks.length === 0 ? block : { ...block, sources }, skipped };
}

/** How many of the skipped chunks' samples lie before `endMs` and were not kept in the block (kept ones are visited). */
export function countSkipped(skipped: SkippedSamples, endMs = Infinity): number {
  let count = 0;
  for (const { times, start, end, kept } of skipped.chunks) {
    count += below(times, start, end, endMs) - below(kept, 0, kept.length, endMs);
  }
  return count;
}

/** How many of the sorted times[start, end) are below `endMs`. */
function below(times: ArrayLike<number>, start: number, end: number, endMs: number): number {
  if (end === start || times[end - 1]! < endMs) return end - start;
  let low = start;
  let high = end;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (times[mid]! < endMs) low = mid + 1;
    else high = mid;
  }
  return low - start;
}

/** The times of `source` that none of `earlier` (sorted sources of the same host) holds, in order. */
function timesNotIn(source: SampleSource, earlier: readonly SampleSource[] | undefined): number[] {
  const kept: number[] = [];
  const { times, start, end } = source;
  if (earlier === undefined) {
    for (let p = start; p < end; p++) kept.push(times[p]!);
    return kept;
  }
  // One pointer per earlier source: both sides are in time order, so this is a merge.
  const positions = earlier.map((e) => e.start);
  for (let p = start; p < end; p++) {
    const atMs = times[p]!;
    let found = false;
    for (let k = 0; k < earlier.length && !found; k++) {
      const other = earlier[k]!;
      let q = positions[k]!;
      while (q < other.end && other.times[q]! < atMs) q++;
      positions[k] = q;
      found = q < other.end && other.times[q] === atMs;
    }
    if (!found) kept.push(atMs);
  }
  return kept;
}
