/**
 * The read side of series chunks as replays use it (issue 15): the BitReader that shifts bits out of
 * a 32-bit word must read what a plain bit-by-bit reader reads and run out exactly where it does;
 * grid times read a sample on the next slot together with its deviation, and must give the times of
 * the long way at every width, jumps and steps back included; a chunk decodes the same into a
 * column arena as into arrays of its own, with every value bit for bit (NaN, ±Infinity, -0,
 * subnormals) and every irregular time, and any chunk cut short fails; a chunk shares the times of
 * the chunk before it only when its bits up to its values are the same.
 */
import { describe, expect, it } from 'vitest';
import { BitReader, BitWriter } from '../../collector/history/bitStream.js';
import { createColumnArena } from '../../collector/history/columnArena.js';
import { decodeSeriesChunk, decodeSeriesChunkTimes, encodeLayout1, encodeLayout2, encodeSeriesChunk } from '../../collector/history/seriesChunkCodec.js';
import { seededRandom } from '../support/hostilePayloads.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');

/** The reference: bit `index` of the bytes, most significant first, or undefined past the end. */
const bitAt = (bytes: Uint8Array, index: number) => (index < bytes.length * 8 ? (bytes[index >> 3]! >> (7 - (index & 7))) & 1 : undefined);

/** Whether `read` throws that the chunk ends early, else its result. */
function attempt<T>(read: () => T): T | 'ends early' {
  try {
    return read();
  } catch (error) {
    expect(error).toBeInstanceOf(RangeError);
    expect(String(error)).toMatch(/series chunk ends early/);
    return 'ends early';
  }
}

describe('a bit reader', () => {
  it.each([1, 2, 3, 4, 5])('reads what a bit-by-bit reader reads, and ends where it ends (seed %i)', (seed) => {
    const random = seededRandom(seed);
    const bytes = Uint8Array.from({ length: 1 + Math.floor(random() * 40) }, () => Math.floor(random() * 256));
    const reader = new BitReader(bytes);
    let position = 0;
    for (let step = 0; step < 400; step++) {
      const count = random() < 0.2 ? 1 : Math.floor(random() * 33);
      if (random() < 0.1 && position > 0) {
        // Moving back and reading again (as grid times do) gives the same bits.
        const back = Math.min(position, Math.floor(random() * 25));
        reader.unread(back);
        position -= back;
      }
      let expected: number | 'ends early' = 0;
      for (let i = 0; i < count && expected !== 'ends early'; i++) {
        const bit = bitAt(bytes, position + i);
        expected = bit === undefined ? 'ends early' : expected * 2 + bit;
      }
      const read = attempt(() => (count === 1 && random() < 0.5 ? reader.readBit() : reader.readBits(count)));
      expect(read, `step ${step}: ${count} bits at ${position} of ${bytes.length * 8}`).toBe(expected);
      if (read === 'ends early') return;
      position += count;
    }
  });

  it('reads 0 bits as 0 even at the end, and words that end in the last bytes', () => {
    const reader = new BitReader(Uint8Array.from([0xab, 0xcd]));
    expect(reader.readBits(3)).toBe(0b101);
    expect(reader.readBits(13)).toBe(0xbcd & 0x1fff);
    expect(reader.readBits(0)).toBe(0);
    expect(() => reader.readBit()).toThrow(/ends early/);
    expect(new BitReader(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x80])).readBits(32)).toBe(2 ** 32 - 1);
  });
});

/**
 * A layout 3 chunk with grid times (time encoding 2) of `width` bits of deviation, written by hand
 * as seriesChunkCodec.ts's module comment lays it out, for widths the encoder never picks, and its
 * values one packed constant.
 */
function gridChunk(interval: number, low: number, width: number, first: number, steps: readonly number[], deviations: readonly number[]): Buffer {
  const out = new BitWriter();
  out.writeBits(0xc3, 8);
  out.writeBits(steps.length + 1, 32);
  out.writeBits(2, 2);
  out.writeBits(interval, 32);
  out.writeBit(low < 0 ? 1 : 0);
  out.writeBits(Math.abs(low), 32);
  out.writeBits(width, 5);
  out.writeBit(0);
  out.writeBits(Math.floor(first / 2 ** 32), 21);
  out.writeBits(first % 2 ** 32, 32);
  steps.forEach((step, i) => {
    if (step === 1) out.writeBit(0);
    else {
      out.writeBit(1);
      out.writeBits(step + 2 ** 31, 32);
    }
    out.writeBits(deviations[i]! - low, width);
  });
  // Values: packed (4), e = 0, the integer 7 in a width of 0.
  out.writeBits(4, 3);
  out.writeBits(0, 4);
  out.writeBit(0);
  out.writeBits(0, 21);
  out.writeBits(7, 32);
  out.writeBits(0, 6);
  return out.finish();
}

describe('grid times', () => {
  // Every width a chunk can name (5 bits): those read together with their slot bit and the wider ones read the long way.
  it.each(Array.from({ length: 32 }, (_, width) => width))('read at a width of %i bits as the long way reads them', (width) => {
    const random = seededRandom(100 + width);
    const interval = 15_000;
    const low = -Math.floor(random() * 2 ** Math.min(width, 20));
    const steps = Array.from({ length: 300 }, () => (random() < 0.8 ? 1 : [0, 2, 7, -3, 2 ** 20][Math.floor(random() * 5)]!));
    const deviations = steps.map(() => low + Math.floor(random() * 2 ** width));
    const chunk = gridChunk(interval, low, width, T0, steps, deviations);
    const expected = [T0];
    let slot = 0;
    steps.forEach((step, i) => {
      slot += step;
      expected.push(T0 + slot * interval + deviations[i]!);
    });
    const decoded = decodeSeriesChunkTimes(chunk);
    expect([...decoded.times]).toEqual(expected);
    expect([...decoded.values()]).toEqual(expected.map(() => 7));
    // Cut anywhere in the times, it fails as the long way does.
    for (const cut of [chunk.length - 9, Math.floor(chunk.length / 2), 20]) expect(attempt(() => decodeSeriesChunk(chunk.subarray(0, cut)))).toBe('ends early');
  });
});

/** Random doubles of every kind a chunk must keep bit for bit. */
function randomValue(random: () => number): number {
  const kinds = [NaN, Infinity, -Infinity, -0, 0, Number.MIN_VALUE, -2.2250738585072009e-308 / 3, Number.MAX_VALUE, 1 / 3];
  const pick = random();
  if (pick < 0.1) return kinds[Math.floor(random() * kinds.length)]!;
  if (pick < 0.4) return Math.round(random() * 1e6) / 100;
  if (pick < 0.6) return Math.round(random() * 2 ** 20);
  return (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20);
}

/** Random times: a grid with jitter, gaps and steps back, or anything at all. */
function randomTimes(random: () => number, count: number): number[] {
  const times: number[] = [];
  let time = T0 + Math.floor(random() * 1000);
  const irregular = random() < 0.3;
  for (let i = 0; i < count; i++) {
    if (irregular) time += Math.floor((random() - 0.3) * 2 ** (random() * 40));
    else time += 15_000 + Math.floor(random() * 6) - (random() < 0.02 ? 60_000 : 0) + (random() < 0.02 ? 3_600_000 : 0);
    times.push(time);
  }
  return times;
}

describe('a chunk decoded for a replay', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('gives every time and value of random chunks in every layout, into a column arena as into arrays (seed %i)', (seed) => {
    const random = seededRandom(seed);
    const arena = createColumnArena();
    for (let chunk = 0; chunk < 40; chunk++) {
      const count = Math.floor(random() * 300);
      // Values of one kind (so that the scaled and packed encodings are chosen) or mixed.
      const mixed = random() < 0.5;
      const base = randomValue(random);
      const values = Array.from({ length: count }, () => (mixed || random() < 0.05 ? randomValue(random) : Number.isFinite(base) ? Math.round(base + random() * 50) : base));
      const times = randomTimes(random, count);
      for (const encode of [encodeSeriesChunk, encodeLayout2, encodeLayout1]) {
        const data = encode({ times, values });
        const own = decodeSeriesChunkTimes(data);
        const inArena = decodeSeriesChunkTimes(data, arena);
        expect([...inArena.times]).toEqual(times);
        expect([...own.times]).toEqual(times);
        for (const decoded of [own.values(), inArena.values(), decodeSeriesChunk(data).values]) {
          expect(decoded).toHaveLength(count);
          // Object.is tells -0 from 0 and NaN equals NaN.
          values.forEach((value, i) => expect(Object.is(decoded[i], value), `${encode.name} value ${i}: ${decoded[i]} vs ${value}`).toBe(true));
        }
        if (data.length > 5) expect(attempt(() => decodeSeriesChunk(data.subarray(0, data.length - 1 - Math.floor(random() * (data.length - 5)))))).toBe('ends early');
      }
    }
  });
});

describe('chunks of the same times', () => {
  const times = Array.from({ length: 240 }, (_, i) => T0 + i * 15_000 + ((i * 37) % 6));
  const values = (seed: number) => times.map((_, i) => Math.round(1e4 * Math.abs(Math.sin(i * seed))) / 100);

  it('share the times array of the chunk decoded before, with their own values', () => {
    const first = decodeSeriesChunkTimes(encodeSeriesChunk({ times, values: values(1) }));
    const second = decodeSeriesChunkTimes(encodeSeriesChunk({ times, values: [NaN, -0, ...values(2).slice(2)] }), undefined, first);
    expect(second.times).toBe(first.times);
    expect(second.valuesAt).toBe(first.valuesAt);
    expect([...first.values()]).toEqual(values(1));
    expect([...second.values()]).toEqual([NaN, -0, ...values(2).slice(2)]);
  });

  // Each row: times that differ from the first chunk's (in one millisecond, one sample, or the layout); decoded on their own.
  it.each([
    { name: 'the last time a millisecond later', other: () => [...times.slice(0, -1), times[239]! + 1], encode: encodeSeriesChunk },
    { name: 'a time 4 samples before the last a millisecond later', other: () => times.map((time, i) => (i === 235 ? time + 1 : time)), encode: encodeSeriesChunk },
    { name: 'a time 10 samples before the last a millisecond later', other: () => times.map((time, i) => (i === 229 ? time + 1 : time)), encode: encodeSeriesChunk },
    { name: 'the first time a millisecond later', other: () => [times[0]! + 1, ...times.slice(1)], encode: encodeSeriesChunk },
    { name: 'one sample fewer', other: () => times.slice(0, -1), encode: encodeSeriesChunk },
    { name: 'the same times in layout 2', other: () => times, encode: encodeLayout2 },
    { name: 'the same times in layout 1', other: () => times, encode: encodeLayout1 },
  ])('decode their own times when they differ: $name', ({ other, encode }) => {
    const first = decodeSeriesChunkTimes(encodeSeriesChunk({ times, values: values(1) }));
    const otherTimes = other();
    const decoded = decodeSeriesChunkTimes(encode({ times: otherTimes, values: otherTimes.map((_, i) => i / 7) }), undefined, first);
    expect(decoded.times).not.toBe(first.times);
    expect([...decoded.times]).toEqual(otherTimes);
    expect([...decoded.values()]).toEqual(otherTimes.map((_, i) => i / 7));
  });

  it('fail as any chunk does when cut short within the shared times', () => {
    const first = decodeSeriesChunkTimes(encodeSeriesChunk({ times, values: values(1) }));
    const data = encodeSeriesChunk({ times, values: values(2) });
    expect(attempt(() => decodeSeriesChunkTimes(data.subarray(0, (first.valuesAt >> 3) - 1), undefined, first).values())).toBe('ends early');
    expect(attempt(() => decodeSeriesChunkTimes(data.subarray(0, data.length - 1), undefined, first).values())).toBe('ends early');
  });
});

describe('a column arena', () => {
  it('hands out zeroed columns that never overlap, a long one of its own', () => {
    const arena = createColumnArena();
    const columns = [3, 240, 0, 4_000, 240, 16_385, 1, 30_000].map((length) => arena(length));
    expect(columns.map((column) => column.length)).toEqual([3, 240, 0, 4_000, 240, 16_385, 1, 30_000]);
    columns.forEach((column, i) => {
      expect(column.every((value) => value === 0)).toBe(true);
      column.fill(i + 1);
    });
    columns.forEach((column, i) => expect(column.every((value) => value === i + 1)).toBe(true));
    // Short columns share buffers; the one longer than a quarter of the largest buffer has its own.
    expect(columns[0]!.buffer).toBe(columns[1]!.buffer);
    expect(columns[5]!.buffer.byteLength).toBe(16_385 * 8);
  });
});
