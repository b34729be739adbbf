/**
 * Blocks packed into a shared slot for the backtest's replay thread (blockTransport.ts): what the
 * other thread unpacks must hand on, through a BlockCursor, the samples of the block it was packed
 * from, in the same order, with the same texts; times a host's series share stay shared; values of
 * series the other thread does not read are not sent; a slot too small for a block is replaced, one
 * large enough is reused.
 */
import { describe, expect, it } from 'vitest';
import { packBlock, unpackBlock } from '../../collector/backtest/blockTransport.js';
import { BlockCursor, type SampleBlock, type SampleSource } from '../../collector/store/sampleBlocks.js';
import { seededRandom as random } from '../support/hostilePayloads.js';

const FROM_MS = Date.UTC(2025, 0, 6);
const HOUR = 3_600_000;

const AWKWARD = [NaN, Infinity, -Infinity, -0, 5e-324, Number.MAX_VALUE];

/** A block of `chunks` chunk sources (some windows cut at both ends, some with texts, some with plain-array columns) and one hot source. */
function randomBlock(seed: number, chunks: number): SampleBlock {
  const next = random(seed);
  const sources: SampleSource[] = [];
  for (let c = 0; c < chunks; c++) {
    const length = 1 + Math.floor(next() * 40);
    const times = new Float64Array(length);
    const values = new Float64Array(length);
    let atMs = FROM_MS - 60_000 + Math.floor(next() * 120_000);
    for (let i = 0; i < length; i++) {
      atMs += next() < 0.2 ? 0 : Math.floor(next() * 90_000);
      times[i] = atMs;
      values[i] = next() < 0.1 ? AWKWARD[Math.floor(next() * AWKWARD.length)]! : next() * 100;
    }
    let start = 0;
    while (start < length && times[start]! < FROM_MS) start++;
    let end = start;
    while (end < length && times[end]! < FROM_MS + HOUR) end++;
    if (start === end) continue;
    const texts = next() < 0.2 ? new Map([[start, `text ${c}`]]) : undefined;
    const plain = next() < 0.2;
    sources.push({ seriesId: c, seriesIds: undefined, times: plain ? Array.from(times) : times, values: plain ? Array.from(values) : values, texts, start, end });
  }
  const hotTimes = [FROM_MS + 10_000, FROM_MS + 10_000, FROM_MS + 20_000];
  sources.push({ seriesId: -1, seriesIds: Uint32Array.from([1, 2, 1]), times: hotTimes, values: [1, 2, 3], texts: new Map([[1, 'hot']]), start: 0, end: 3 });
  return { fromMs: FROM_MS, toMs: FROM_MS + HOUR - 1, sources };
}

/** Every sample the cursor hands on, step by step (15 s steps, as a replay reads). */
function visited(block: SampleBlock, withValues: (seriesId: number) => boolean): unknown[] {
  const seen: unknown[] = [];
  const cursor = new BlockCursor(block);
  for (let next = cursor.nextAtMs(); next !== Infinity; next = cursor.nextAtMs()) {
    cursor.visitUntil(next + 15_000, (seriesId, atMs, value, text) => seen.push([seriesId, atMs, withValues(seriesId) ? value : 'unread', text]));
  }
  return seen;
}

describe('blocks packed for the replay thread', () => {
  it.each([1, 2, 3, 4, 5])('hand on the samples of the block they were packed from (seed %i)', (seed) => {
    const block = randomBlock(seed, 60);
    const read = (seriesId: number) => seriesId === -1 || seriesId % 3 !== 0;
    const unpacked = unpackBlock(structuredClone(packBlock(block, read, { data: undefined })));
    const expected = visited(block, read);
    expect(expected.length).toBeGreaterThan(100);
    expect(visited(unpacked, read)).toEqual(expected);
    // Values of series not read are not sent: the other thread's replay never asks for them.
    const unread = unpacked.sources.find((source) => source.seriesIds === undefined && !read(source.seriesId))!;
    expect(unread.values.length).toBe(0);
  });

  it('keep the times a host\'s series share shared, so that the cursor walks them as one', () => {
    const next = random(11);
    const sources: SampleSource[] = [];
    for (let host = 0; host < 5; host++) {
      const times = Float64Array.from({ length: 30 }, (_, i) => FROM_MS + i * 15_000 + host);
      for (let series = 0; series < 4; series++) {
        // The same array, or (as two chunks decoded apart give) an equal copy of it.
        const own = series === 2 ? Float64Array.from(times) : times;
        sources.push({ seriesId: host * 10 + series, seriesIds: undefined, times: own, values: Float64Array.from(own, () => next()), texts: undefined, start: 0, end: own.length });
      }
    }
    const block: SampleBlock = { fromMs: FROM_MS, toMs: FROM_MS + HOUR - 1, sources };
    const read = (seriesId: number) => seriesId % 10 !== 3;
    const packed = packBlock(block, read, { data: undefined });
    // Five hosts' times, once each, then the values of three series of each.
    expect(packed.timesLength).toBe(5 * 30);
    const unpacked = unpackBlock(packed);
    // One view of the block's times; a host's series have the same window of it, other hosts' another.
    expect(new Set(unpacked.sources.map((source) => source.times)).size).toBe(1);
    for (let s = 1; s < unpacked.sources.length; s++) {
      const [before, source] = [unpacked.sources[s - 1]!, unpacked.sources[s]!];
      const sameHost = Math.floor(before.seriesId / 10) === Math.floor(source.seriesId / 10);
      expect(source.start === before.start && source.end === before.end).toBe(sameHost);
    }
    expect(visited(unpacked, read)).toEqual(visited(block, read));
  });

  it('reuse a slot large enough and replace one too small', () => {
    const slot: { data: SharedArrayBuffer | undefined } = { data: undefined };
    const all = () => true;
    const large = randomBlock(7, 80);
    packBlock(large, all, slot);
    const first = slot.data!;
    const small = randomBlock(8, 10);
    const packed = packBlock(small, all, slot);
    expect(slot.data).toBe(first);
    expect(visited(unpackBlock(packed), all)).toEqual(visited(small, all));
    const larger = randomBlock(9, 400);
    const grown = packBlock(larger, all, slot);
    expect(slot.data).not.toBe(first);
    expect(grown.data).toBe(slot.data);
    expect(visited(unpackBlock(grown), all)).toEqual(visited(larger, all));
  });
});
