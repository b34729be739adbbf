/**
 * Stored history as columns for replays (collector/store/sampleBlocks.ts): a BlockCursor must hand
 * a block's samples on in the order a stable sort by time of its sources' samples, concatenated in
 * stored order, gives (the order iterateSamples promised when it sorted rows), however the steps
 * cut the block: many sources sharing times (a host's report), a source with several samples of one
 * time, unsorted chunks and hot rows, texts, and samples of series a replay does not know.
 */
import { describe, expect, it } from 'vitest';
import { encodeSeriesChunk } from '../../collector/history/seriesChunkCodec.js';
import { BlockCursor, createChunkSources, hotSource, knownSamples, type SampleBlock, type SampleSource } from '../../collector/store/sampleBlocks.js';
import { encodeChunk, encodeTexts } from '../../collector/store/sampleChunk.js';
import { seededRandom } from '../support/hostilePayloads.js';

const BLOCK = Date.parse('2026-11-24T10:00:00Z');

type Flat = [seriesId: number, atMs: number, value: number, text: string | undefined];

/** The reference: every source's samples within the window in stored order, then a stable sort by time. */
function referenceOrder(block: SampleBlock): Flat[] {
  const flat: Flat[] = [];
  for (const source of block.sources) {
    for (let p = source.start; p < source.end; p++) flat.push([source.seriesIds?.[p] ?? source.seriesId, source.times[p]!, source.values[p]!, source.texts?.get(p)]);
  }
  return flat.map((sample, index) => ({ sample, index })).sort((a, b) => a.sample[1] - b.sample[1] || a.index - b.index).map(({ sample }) => sample);
}

/** The cursor's order, stepping through the block at `bounds` (then to the end). */
function cursorOrder(block: SampleBlock, bounds: readonly number[]): Flat[] {
  const out: Flat[] = [];
  const cursor = new BlockCursor(block);
  for (const bound of [...bounds, Infinity]) {
    const before = out.length;
    const next = cursor.nextAtMs();
    const count = cursor.visitUntil(bound, (seriesId, atMs, value, text) => out.push([seriesId, atMs, value, text]));
    expect(count).toBe(out.length - before);
    for (const [, atMs] of out.slice(before)) {
      expect(atMs).toBeLessThan(bound);
      expect(atMs).toBeGreaterThanOrEqual(next);
    }
    if (count > 0) expect(cursor.lastAtMs).toBe(out[out.length - 1]![1]);
  }
  expect(cursor.nextAtMs()).toBe(Infinity);
  return out;
}

/**
 * A block of `hosts` hosts reporting `series` series each every 15 s with jitter, as compacted chunks,
 * plus hot rows. With `gaps`, each series misses a sample now and then, so a host's chunks hold
 * different times (the cursor walks sources with the same times as one group).
 */
function generatedBlock(seed: number, hosts: number, series: number, gaps = false): SampleBlock {
  const random = seededRandom(seed);
  const fromMs = BLOCK + Math.floor(random() * 60_000);
  const toMs = BLOCK + 3_600_000 - 1 - Math.floor(random() * 60_000);
  const sources: SampleSource[] = [];
  // As a store reads a block: a host's chunks of the same times share one decoded times array.
  const sourceOf = createChunkSources(fromMs, toMs);
  let seriesId = 1;
  for (let host = 0; host < hosts; host++) {
    // Each host's report time, shared by its series; some collide with other hosts' times.
    const hostTimes: number[] = [];
    for (let t = BLOCK + Math.floor(random() * 5); t < BLOCK + 3_600_000; t += 15_000 + Math.floor(random() * 3)) hostTimes.push(random() < 0.05 ? hostTimes[hostTimes.length - 1] ?? t : t);
    for (let s = 0; s < series; s++, seriesId++) {
      const times = gaps && random() < 0.5 ? hostTimes.filter(() => random() >= 0.05) : hostTimes;
      const values = times.map(() => Math.round(random() * 100) / 100);
      const texts = random() < 0.3 ? JSON.stringify(Object.fromEntries(times.map((_, i) => [i, `out ${seriesId}/${i}`]).filter(() => random() < 0.2))) : null;
      // Every 7th chunk stored out of time order (any order round-trips through the codec).
      const order = seriesId % 7 === 0 ? times.map((_, i) => i).reverse() : times.map((_, i) => i);
      const source = sourceOf({
        series_id: seriesId,
        first_at_ms: times[0]!,
        last_at_ms: times[times.length - 1]!,
        data: encodeSeriesChunk({ times: order.map((i) => times[i]!), values: order.map((i) => values[i]!) }),
        texts: seriesId % 7 === 0 ? null : texts,
      });
      if (source) sources.push(source);
    }
  }
  // Hot rows, in their stored order (by base time, then host), of samples at times out of order.
  const rows = Array.from({ length: 40 }, (_, i) => {
    const baseAtMs = BLOCK + i * 90_000;
    const samples = Array.from({ length: 5 }, (_, j) => ({ seriesId: 1000 + j, atMs: baseAtMs + Math.floor(random() * 200_000) - 100_000, value: j, text: random() < 0.3 ? `hot ${i}/${j}` : undefined }));
    return { base_at_ms: baseAtMs, samples: encodeChunk(baseAtMs, samples), texts: encodeTexts(samples) };
  });
  const hot = hotSource(rows, fromMs, toMs);
  if (hot) sources.push(hot);
  return { fromMs, toMs, sources };
}

/**
 * The block with its chunk sources' columns copied into one array of times and one of values, each
 * source a window of them, as a block unpacked on another thread is (blockTransport.ts).
 */
function inOneColumn(block: SampleBlock): SampleBlock {
  const times: number[] = [];
  const values: number[] = [];
  const sources = block.sources.map((source): SampleSource => {
    if (source.seriesIds !== undefined) return source;
    const offset = times.length;
    for (let p = 0; p < source.times.length; p++) {
      times.push(source.times[p]!);
      values.push(source.values[p]!);
    }
    const texts = source.texts === undefined ? undefined : new Map([...source.texts].map(([p, text]) => [p + offset, text] as const));
    return { seriesId: source.seriesId, seriesIds: undefined, times, values, texts, start: source.start + offset, end: source.end + offset };
  });
  return { ...block, sources };
}

describe('a block cursor', () => {
  it.each([
    // One bound per 15 s step, as a replay steps.
    [1, 'steps of 15 s', 15_000],
    [2, 'steps of 15 s', 15_000],
    // Bounds that cut runs of one time apart and steps with several samples per series.
    [3, 'steps of 7 s', 7_001],
    [4, 'steps of a minute', 60_000],
    [5, 'the whole block at once', 0],
    // Hosts whose series miss samples: a host's chunks split into several groups of equal times.
    [6, 'steps of 15 s, series with gaps', 15_000, true],
    [7, 'steps of 7 s, series with gaps', 7_001, true],
  ])('hands samples on in stable time order (seed %i, %s)', (seed, _what, stepMs, gaps = false) => {
    const block = generatedBlock(seed, 12, 6, gaps);
    const bounds: number[] = [];
    if (stepMs > 0) for (let t = block.fromMs + stepMs; t <= block.toMs; t += stepMs) bounds.push(t);
    const reference = referenceOrder(block);
    expect(reference.length).toBeGreaterThan(10_000);
    // The history must have ties across sources, and texts.
    expect(new Set(reference.map(([, atMs]) => atMs)).size).toBeLessThan(reference.length / 3);
    expect(reference.filter(([, , , text]) => text !== undefined).length).toBeGreaterThan(100);
    expect(cursorOrder(block, bounds)).toEqual(reference);
  });

  it.each([
    [8, 15_000, false],
    [9, 7_001, true],
  ])('hands samples on in the same order when the sources are windows of one column (seed %i, steps of %i ms, gaps %s)', (seed, stepMs, gaps) => {
    const block = generatedBlock(seed, 12, 6, gaps);
    const bounds: number[] = [];
    for (let t = block.fromMs + stepMs; t <= block.toMs; t += stepMs) bounds.push(t);
    const reference = referenceOrder(block);
    expect(cursorOrder(inOneColumn(block), bounds)).toEqual(reference);
  });

  it('keeps a source whose samples share one time in position order, and an empty block is done at once', () => {
    const times = [BLOCK, BLOCK + 5, BLOCK + 5, BLOCK + 5, BLOCK + 9];
    const source = (seriesId: number): SampleSource => ({ seriesId, seriesIds: undefined, times, values: times.map((_, i) => seriesId * 10 + i), texts: undefined, start: 0, end: times.length });
    const block: SampleBlock = { fromMs: BLOCK, toMs: BLOCK + 10, sources: [source(1), source(2)] };
    expect(cursorOrder(block, [BLOCK + 5, BLOCK + 6]).map(([, , value]) => value)).toEqual([10, 20, 11, 12, 13, 21, 22, 23, 14, 24]);
    expect(new BlockCursor({ fromMs: BLOCK, toMs: BLOCK, sources: [] }).nextAtMs()).toBe(Infinity);
  });

  it('refuses a window too wide for its exact keys', () => {
    expect(() => new BlockCursor({ fromMs: 0, toMs: 2 ** 23, sources: [] })).toThrow(/spans/);
  });

  it('leaves out the samples of series a replay does not know, texts kept with their samples', () => {
    const block = generatedBlock(6, 4, 3);
    const known = (seriesId: number) => seriesId % 2 === 0;
    const filtered = knownSamples(block, known);
    expect(cursorOrder(filtered, [])).toEqual(referenceOrder(block).filter(([seriesId]) => known(seriesId)));
    expect(knownSamples(block, () => true)).toBe(block);
  });

  it('finds a chunk source only where its samples meet the window', () => {
    const data = encodeSeriesChunk({ times: [BLOCK, BLOCK + 15_000, BLOCK + 30_000], values: [1, 2, 3] });
    const chunk = { series_id: 9, first_at_ms: BLOCK, last_at_ms: BLOCK + 30_000, data, texts: '{"1":"two"}' };
    const within = createChunkSources(BLOCK + 1, BLOCK + 15_000)(chunk)!;
    expect([within.start, within.end, within.texts?.get(1)]).toEqual([1, 2, 'two']);
    expect(createChunkSources(BLOCK + 1, BLOCK + 14_999)(chunk)).toBeUndefined();
    expect(createChunkSources(BLOCK + 30_001, BLOCK + 40_000)(chunk)).toBeUndefined();
    expect(hotSource([], BLOCK, BLOCK + 1)).toBeUndefined();
  });
});
