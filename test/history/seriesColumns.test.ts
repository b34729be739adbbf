/**
 * The columnar read of one series (historyBlocks.collectSeriesColumns) and the merge of the hot
 * samples' buckets into stored rollups (rollupBuckets.mergeIntoSorted): the long reads' paths
 * without an object per sample, which must answer exactly what the per-object paths answered.
 */
import { describe, expect, it } from 'vitest';
import { collectSeriesColumns, columnsToPoints, type HotChunk, type SeriesChunkRow } from '../../collector/store/historyBlocks.js';
import { encodeChunk, encodeTexts } from '../../collector/store/sampleChunk.js';
import { encodeSeriesChunk } from '../../collector/history/seriesChunkCodec.js';
import { mergeIntoSorted } from '../../collector/history/rollupBuckets.js';

const chunk = (times: number[], values: number[], texts?: Record<number, string>): SeriesChunkRow => ({
  series_id: 7,
  first_at_ms: Math.min(...times),
  last_at_ms: Math.max(...times),
  data: encodeSeriesChunk({ times, values }),
  texts: texts === undefined ? null : JSON.stringify(texts),
});

const hotRow = (baseAtMs: number, samples: Array<{ seriesId: number; atMs: number; value: number; text?: string }>): HotChunk => ({
  base_at_ms: baseAtMs,
  samples: encodeChunk(baseAtMs, samples),
  texts: encodeTexts(samples),
});

describe('a series read as columns', () => {
  it('keeps the samples of the range in time order, with their texts, from chunks and hot rows', () => {
    const chunks = [chunk([1000, 2000, 3000], [1, 2, 3], { 1: 'two' }), chunk([4000, 5000], [4, 5])];
    const hot = [hotRow(6000, [{ seriesId: 7, atMs: 6000, value: 6, text: 'six' }, { seriesId: 8, atMs: 6000, value: 99 }])];
    const columns = collectSeriesColumns(chunks, hot, 7, 2000, 6000);
    expect(columns).toEqual({ times: [2000, 3000, 4000, 5000, 6000], values: [2, 3, 4, 5, 6], texts: new Map([[0, 'two'], [4, 'six']]) });
    expect(columnsToPoints(columns)).toEqual([
      { atMs: 2000, value: 2, text: 'two' },
      { atMs: 3000, value: 3 },
      { atMs: 4000, value: 4 },
      { atMs: 5000, value: 5 },
      { atMs: 6000, value: 6, text: 'six' },
    ]);
    expect(collectSeriesColumns([], [], 7, 0, 1)).toEqual({ times: [], values: [] });
  });

  it('sorts a late hot sample (a spooled report) into place, its text with it, stable among equal times', () => {
    const chunks = [chunk([1000, 3000], [1, 3])];
    const hot = [hotRow(5000, [{ seriesId: 7, atMs: 5000, value: 5 }]), hotRow(2000, [{ seriesId: 7, atMs: 2000, value: 2, text: 'late' }]), hotRow(3000, [{ seriesId: 7, atMs: 3000, value: 3.5 }])];
    const columns = collectSeriesColumns(chunks, hot, 7, 0, 10_000);
    expect(columns).toEqual({ times: [1000, 2000, 3000, 3000, 5000], values: [1, 2, 3, 3.5, 5], texts: new Map([[1, 'late']]) });
  });
});

describe('merging hot buckets into stored rollups', () => {
  const bucket = (startMs: number, value: number, count = 1) => ({ startMs, count, sum: value * count, min: value, max: value });

  it('merges into the stored bucket of the same start, adds the others in order, and leaves the rest alone', () => {
    const stored = [bucket(0, 1), bucket(300, 2), bucket(900, 4)];
    const merged = mergeIntoSorted(stored, [bucket(900, 10, 2), bucket(600, 3), bucket(1200, 5)]);
    expect(merged).toEqual([bucket(0, 1), bucket(300, 2), bucket(600, 3), { startMs: 900, count: 3, sum: 24, min: 4, max: 10 }, bucket(1200, 5)]);
    expect(mergeIntoSorted([], [bucket(300, 1), bucket(0, 2)])).toEqual([bucket(0, 2), bucket(300, 1)]);
    expect(mergeIntoSorted([bucket(0, 1)], [])).toEqual([bucket(0, 1)]);
  });
});
