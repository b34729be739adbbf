/**
 * compactRows against a plain model of what it must do: group a host's hot rows by series and
 * block of sample time, order each group by time (samples of one time in the order of the rows),
 * keep texts with their samples, and give rollups of the finite values. Random blocks cover rows out
 * of time order, many samples of one series in a row (more than the room a group starts with),
 * samples past their row's block, the wide layout and special values.
 */
import { describe, expect, it } from 'vitest';
import { ROLLUP_BUCKET_MS } from '../../collector/domain/history.js';
import { addToBuckets, bucketStart } from '../../collector/history/rollupBuckets.js';
import { decodeSeriesChunk } from '../../collector/history/seriesChunkCodec.js';
import { BLOCK_MS, compactRows, type HotChunk } from '../../collector/store/historyBlocks.js';
import { encodeChunk, encodeTexts } from '../../collector/store/sampleChunk.js';
import { seededRandom } from '../support/hostilePayloads.js';

const T0 = Date.parse('2026-11-24T00:00:00Z');

interface ModelSample {
  seriesId: number;
  atMs: number;
  value: number;
  text?: string;
}

const SPECIAL = [NaN, -0, Infinity, -Infinity, 5e-324, 0.1, 1e300];

/** Rows of one host: `rows` reports, some with many samples of a series, some far out of time order. */
function randomRows(seed: number, rows: number): { hot: Array<HotChunk & { sequence: number }>; samples: ModelSample[] } {
  // Seeded, so that a failure names a seed that reproduces it.
  const next = seededRandom(seed);
  const hot: Array<HotChunk & { sequence: number }> = [];
  const samples: ModelSample[] = [];
  for (let r = 0; r < rows; r++) {
    // Mostly in time order, one row in five anywhere in the hour.
    const baseAtMs = T0 + (next() < 0.2 ? Math.floor(next() * 240) : r) * 15_000;
    const rowSamples: ModelSample[] = [];
    for (let seriesId = 1; seriesId <= 4; seriesId++) {
      // Series 3 has up to 40 samples a row, so its group outgrows its first room; series 4 is sparse.
      const count = seriesId === 3 ? 1 + Math.floor(next() * 40) : seriesId === 4 ? (next() < 0.1 ? 1 : 0) : 1;
      for (let i = 0; i < count; i++) {
        // Some samples a whole block later (a report of buffered samples), some at the row's very time.
        const atMs = baseAtMs + (next() < 0.05 ? BLOCK_MS + 1_000 : next() < 0.3 ? 0 : Math.floor(next() * 20_000));
        const value = next() < 0.1 ? SPECIAL[Math.floor(next() * SPECIAL.length)]! : Math.round(next() * 1000) / 10;
        const sample: ModelSample = next() < 0.1 ? { seriesId, atMs, value, text: `output ${r}.${seriesId}.${i}` } : { seriesId, atMs, value };
        rowSamples.push(sample);
      }
    }
    hot.push({ base_at_ms: baseAtMs, sequence: r + 1, samples: encodeChunk(baseAtMs, rowSamples), texts: encodeTexts(rowSamples) });
    samples.push(...rowSamples);
  }
  return { hot, samples };
}

/** What the chunks must hold: per series (in order of first appearance) and block, the samples in stable time order. */
function model(samples: readonly ModelSample[]): Array<{ seriesId: number; blockStartMs: number; points: ModelSample[] }> {
  const groups = new Map<number, Map<number, ModelSample[]>>();
  for (const s of samples) {
    const blocks = groups.get(s.seriesId) ?? groups.set(s.seriesId, new Map()).get(s.seriesId)!;
    const block = bucketStart(s.atMs, BLOCK_MS);
    (blocks.get(block) ?? blocks.set(block, []).get(block)!).push(s);
  }
  return [...groups].flatMap(([seriesId, blocks]) => [...blocks].map(([blockStartMs, points]) => ({ seriesId, blockStartMs, points: [...points].sort((a, b) => a.atMs - b.atMs) })));
}

const exact = (values: ArrayLike<number>) => Array.from(values, (v) => (Object.is(v, -0) ? '-0' : String(v)));

describe('compactRows', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`gives every series' samples of each block in time order, with their texts and rollups (seed ${seed})`, () => {
      const { hot, samples } = randomRows(seed, 240);
      const block = compactRows(hot);
      const expected = model(samples);
      expect(block.samples).toBe(samples.length);
      expect(block.reports).toBe(240);
      expect(block.chunks.map((c) => [c.seriesId, c.blockStartMs])).toEqual(expected.map((g) => [g.seriesId, g.blockStartMs]));
      block.chunks.forEach((chunk, i) => {
        const { points } = expected[i]!;
        const times = points.map((p) => p.atMs);
        const values = points.map((p) => p.value);
        const decoded = decodeSeriesChunk(chunk.data);
        expect(decoded.times).toEqual(times);
        expect(exact(decoded.values)).toEqual(exact(values));
        expect([chunk.firstAtMs, chunk.lastAtMs, chunk.sampleCount]).toEqual([times[0], times[times.length - 1], points.length]);
        const texts = Object.fromEntries(points.flatMap((p, at) => (p.text === undefined ? [] : [[String(at), p.text]])));
        expect(chunk.texts === null ? {} : JSON.parse(chunk.texts)).toEqual(texts);
        expect(chunk.rollups5m).toEqual([...addToBuckets(new Map(), times, values, ROLLUP_BUCKET_MS['5m']).values()]);
        expect(chunk.rollups1h).toEqual([...addToBuckets(new Map(), times, values, ROLLUP_BUCKET_MS['1h']).values()]);
      });
      // The generator did make what the test is about.
      expect(Math.max(...expected.map((g) => g.points.length))).toBeGreaterThan(256);
      expect(expected.some((g) => g.points.some((p, at) => at > 0 && p.atMs === g.points[at - 1]!.atMs))).toBe(true);
      expect(new Set(block.chunks.map((c) => c.blockStartMs)).size).toBeGreaterThan(1);
    });
  }

  it('keeps samples of one time in the order of their rows, with their texts, when rows are not in time order', () => {
    const at = T0 + 60_000;
    const rows = [
      { base_at_ms: at + 15_000, sequence: 1, samples: encodeChunk(at + 15_000, [{ seriesId: 7, atMs: at + 15_000, value: 3 }]), texts: null },
      { base_at_ms: at, sequence: 2, samples: encodeChunk(at, [{ seriesId: 7, atMs: at, value: 1 }, { seriesId: 7, atMs: at, value: 2 }]), texts: encodeTexts([{ text: 'first' }, {}]) },
      { base_at_ms: at, sequence: 3, samples: encodeChunk(at, [{ seriesId: 7, atMs: at, value: 0 }]), texts: encodeTexts([{ text: 'third' }]) },
    ];
    const [chunk] = compactRows(rows).chunks;
    expect(decodeSeriesChunk(chunk!.data)).toEqual({ times: [at, at, at, at + 15_000], values: [1, 2, 0, 3] });
    expect(JSON.parse(chunk!.texts!)).toEqual({ 0: 'first', 2: 'third' });
  });

  it('compacts an empty block to no chunks', () => {
    expect(compactRows([])).toMatchObject({ chunks: [], series: 0, reports: 0, samples: 0 });
  });
});
