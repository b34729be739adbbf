/**
 * The compressed series chunk round-trips every float bit pattern that matters (NaN, ±Infinity,
 * -0, subnormals, the extremes) and every time offset (regular, jittered, equal, backwards, and
 * far beyond a 32-bit millisecond offset), in each value encoding (XOR, scaled decimals as deltas,
 * as delta-of-deltas and packed, with exceptions among them) and time encoding (delta-of-delta,
 * interval, grid), and in the previous releases' layouts, and a truncated chunk fails instead of
 * decoding garbage.
 */
import { describe, expect, it } from 'vitest';
import { decodeSeriesChunk, encodeLayout1, encodeLayout2, encodeSeriesChunk } from '../../collector/history/seriesChunkCodec.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');

/** Every layout: the one written now and the previous releases', which must still read. */
function roundTrip(times: number[], values: number[]) {
  for (const encode of [encodeSeriesChunk, encodeLayout2, encodeLayout1]) {
    const decoded = decodeSeriesChunk(encode({ times, values }));
    expect(decoded.times).toEqual(times);
    expect(decoded.values).toHaveLength(values.length);
    // Object.is tells -0 from 0 and NaN equals NaN.
    decoded.values.forEach((value, i) => expect(Object.is(value, values[i]), `${encode.name} value ${i}: ${value} vs ${values[i]}`).toBe(true));
  }
}

/** The value encoding a chunk chose: the 2 bits after the header and the times (read back by decoding a copy with them changed is overkill; the size tells). */
const bytesPerSample = (values: number[]) => encodeSeriesChunk({ times: values.map((_, i) => T0 + i * 15_000), values }).length / values.length;

describe('series chunk codec', () => {
  // Each row: a list of values that must come back bit-for-bit (as Object.is sees them).
  it.each([
    { name: 'special floats', values: [NaN, Infinity, -Infinity, -0, 0, NaN, -0, Infinity] },
    { name: 'subnormals and extremes', values: [Number.MIN_VALUE, -Number.MIN_VALUE, 2.2250738585072009e-308, Number.MAX_VALUE, -Number.MAX_VALUE, Number.EPSILON, 5e-324] },
    { name: 'constants', values: [0.25, 0.25, 0.25, 0.25] },
    { name: 'integers and counters', values: [1, 2, 3, 1024, 1_000_000_007, 2 ** 53, -(2 ** 53), 0] },
    { name: 'noisy ratios', values: Array.from({ length: 300 }, (_, i) => Math.abs(Math.sin(i * 7.13)) * 0.97) },
    { name: 'alternating widths', values: [1, 1e300, 1, 1e-300, -1, 3.5, 3.25, 3.125] },
    { name: 'short decimals (scaled integers)', values: [0.37, 0.41, 0.4, 1.25, 0.37, 12.5, -3.75, 0, 0.01] },
    { name: 'decimals with -0, NaN and odd ratios among them (exceptions)', values: [0.5, -0, 0.75, NaN, 0.25, 1 / 3, 0.5, Infinity, 0.125, 0.5, 0.25] },
    { name: 'a counter at a steady rate (delta-of-deltas)', values: Array.from({ length: 300 }, (_, i) => 1_000_000_000 + i * 15_000 + (i % 7)) },
    { name: 'integers beyond 2^31 apart and at ±2^53', values: [0, 2 ** 40, -(2 ** 40), 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53 - 2, 5, 2 ** 53] },
    { name: 'ratios of jiffies (ratios of integers)', values: Array.from({ length: 300 }, (_, i) => { const all = 3000 + (i % 5) - 2; return Math.round(all * Math.abs(Math.sin(i))) / all; }) },
    { name: 'ratios with huge, tiny and negative values and -0 among them', values: [1 / 3, 2 / 3, -1 / 7, 1e300, -0, 5e-324, 2 ** 60, 1 / 3, NaN, 7 / 16_777_215, 0, 1 / 3] },
    { name: 'decimals that need 15 digits', values: [0.123456789012345, 0.123456789012346, 1e-15, 123456.789] },
    { name: 'tiny and huge decimals beside each other', values: [1e-10, 1e10, 1e-5, 5e-324, 1e300, 0.1, 0.2, 0.30000000000000004] },
    { name: 'whole rates without a trend (packed)', values: Array.from({ length: 300 }, (_, i) => Math.round(Math.abs(Math.sin(i * 12.9898)) * 1e6)) },
    { name: 'packed with -0, NaN, ±Infinity and an outlier (exceptions)', values: Array.from({ length: 64 }, (_, i) => [-0, NaN, Infinity, -Infinity, 1e15][i % 13] ?? (i * 7919) % 1000) },
    { name: 'packed at the extremes of a safe integer', values: [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0, 1, Number.MAX_SAFE_INTEGER - 1, -1] },
    { name: 'ratios rounded to 1e-5 (packed at e = 5)', values: Array.from({ length: 300 }, (_, i) => Math.round(1e5 * (0.2 + 0.3 * Math.abs(Math.sin(i * 7.1)))) / 1e5) },
    { name: 'one integer repeated (packed in no bits)', values: Array.from({ length: 50 }, () => -42) },
  ])('round-trips $name', ({ values }) => {
    roundTrip(values.map((_, i) => T0 + i * 15_000), values);
  });

  // Each row: a list of times (any order) that must come back exactly.
  it.each([
    { name: 'a regular interval', times: Array.from({ length: 500 }, (_, i) => T0 + i * 15_000) },
    { name: 'jitter in every bucket', times: [T0, T0 + 15_000, T0 + 30_001, T0 + 45_000, T0 + 45_000 + 70_000, T0 + 500_000, T0 + 1_600_000, T0 + 3_000_000_000] },
    { name: 'a timer firing 0-5 ms late, with a gap and a restart (the interval encoding)', times: Array.from({ length: 200 }, (_, i) => T0 + i * 15_000 + ((i * 37) % 6) + (i > 120 ? 3_600_000 : 0) - (i === 150 ? 400_000 : 0)) },
    { name: 'equal and backwards times', times: [T0, T0, T0 - 1, T0 + 10, T0 - 86_400_000, T0] },
    { name: 'offsets beyond 32 bits (years apart)', times: [T0, T0 + 2 ** 31, T0 + 2 ** 32 + 1, T0 + 400 * 86_400_000, 0, -T0, T0] },
    { name: 'the extremes of a safe integer', times: [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1] },
    { name: 'the extremes of a Date', times: [8.64e15, -8.64e15, 8.64e15, 8.64e15 - 15_000, 8.64e15 - 30_000] },
    { name: 'a grid with the first tick the latest, missed slots and a step back (the grid encoding)', times: Array.from({ length: 300 }, (_, i) => T0 + 5 + i * 15_000 - (Math.floor(Math.abs(Math.sin(i * 12.9898)) * 43_758) % 6) + (i > 200 ? 150_000 : 0) - (i === 250 ? 60_000 : 0)) },
    { name: 'a grid whose deviation reaches half the interval', times: Array.from({ length: 100 }, (_, i) => T0 + i * 1_000 + (i % 2 === 0 ? 500 : -499)) },
  ])('round-trips $name', ({ times }) => {
    roundTrip(times, times.map((_, i) => i / 3));
  });

  it('round-trips empty and single-sample chunks', () => {
    roundTrip([], []);
    roundTrip([T0], [NaN]);
  });

  it('refuses times that are not whole milliseconds within ±2^53, and mismatched lengths', () => {
    expect(() => encodeSeriesChunk({ times: [T0, 1.5], values: [1, 2] })).toThrow(/time 1.5 is not a whole number/);
    expect(() => encodeSeriesChunk({ times: [2 ** 53 + 2], values: [1] })).toThrow(/not a whole number/);
    expect(() => encodeSeriesChunk({ times: [T0], values: [] })).toThrow(/1 times but 0 values/);
  });

  // Each row: values of one encoding; cutting the chunk short must throw.
  it.each([
    { name: 'XOR', values: [Math.PI, Math.E, Math.SQRT2] },
    { name: 'scaled', values: [0.1, 0.2, 0.3, 1e9] },
    { name: 'packed', values: Array.from({ length: 40 }, (_, i) => (i * 7919) % 100_000) },
  ])('fails on a truncated chunk ($name) instead of decoding garbage', ({ values }) => {
    const chunk = encodeSeriesChunk({ times: values.map((_, i) => T0 + i * 15_000), values });
    expect(() => decodeSeriesChunk(chunk.subarray(0, chunk.length - 4))).toThrow(/ends early/);
  });

  it('stores short decimals and counters in a few bits, where XOR needed most of the double', () => {
    // A load average to two decimals, and a byte counter growing by about 1 kB/s: what an agent sends.
    const load = Array.from({ length: 240 }, (_, i) => Math.round(100 * (0.5 + 0.3 * Math.sin(i / 9))) / 100);
    const counter = Array.from({ length: 240 }, (_, i) => 7_000_000_000 + i * 15_000 + Math.round(400 * Math.sin(i)));
    const layout1 = (values: number[]) => encodeLayout1({ times: values.map((_, i) => T0 + i * 15_000), values }).length / values.length;
    expect(bytesPerSample(load)).toBeLessThan(1.5);
    expect(bytesPerSample(counter)).toBeLessThan(2.5);
    expect(bytesPerSample(load)).toBeLessThan(layout1(load) / 3);
    expect(bytesPerSample(counter)).toBeLessThan(layout1(counter) / 1.4);
  });

  it('stores CPU usage as the agent computes it (busy over all jiffies) in under half the bytes of XOR', () => {
    const values = Array.from({ length: 240 }, (_, i) => {
      const all = 3000 + Math.round(2 * Math.sin(i * 1.7));
      return Math.round(all * (0.2 + 0.3 * Math.abs(Math.sin(i * 12.9898)))) / all;
    });
    const layout1 = encodeLayout1({ times: values.map((_, i) => T0 + i * 15_000), values }).length / values.length;
    expect(bytesPerSample(values)).toBeLessThan(layout1 / 2);
  });

  it('stores times with a few milliseconds of timer jitter in about a byte per sample', () => {
    // A timer that fires 0-5 ms late, pseudo-randomly.
    const times = Array.from({ length: 240 }, (_, i) => T0 + i * 15_000 + (Math.floor(Math.abs(Math.sin(i * 12.9898)) * 43_758) % 6));
    const size = encodeSeriesChunk({ times, values: times.map(() => 1) }).length / times.length;
    expect(size).toBeLessThan(1);
    expect(size).toBeLessThan(encodeLayout1({ times, values: times.map(() => 1) }).length / times.length / 1.5);
  });

  it('stores times of a timer firing 0-5 ms late on its grid in under 5 bits a sample', () => {
    const times = Array.from({ length: 240 }, (_, i) => T0 + i * 15_000 + (Math.floor(Math.abs(Math.sin(i * 12.9898)) * 43_758) % 6));
    const values = times.map(() => 1);
    const bits = (encoded: Buffer) => (encoded.length * 8) / times.length;
    expect(bits(encodeSeriesChunk({ times, values }))).toBeLessThan(5 + 1);
    expect(bits(encodeSeriesChunk({ times, values }))).toBeLessThan(bits(encodeLayout2({ times, values })) - 1.5);
  });

  it('packs whole rates without a trend in their own width, where deltas paid a prefix and a bit more', () => {
    const values = Array.from({ length: 240 }, (_, i) => Math.round(Math.abs(Math.sin(i * 12.9898)) * 1e6));
    const times = values.map((_, i) => T0 + i * 15_000);
    // 2^20 > 10^6: 20 bits a value, plus the times.
    expect(bytesPerSample(values)).toBeLessThan(20 / 8 + 0.6);
    expect(bytesPerSample(values)).toBeLessThan(encodeLayout2({ times, values }).length / values.length - 0.4);
  });

  it('packs integers with -0, NaN and an outlier among them as exceptions, the rest in 10 bits', () => {
    const values = Array.from({ length: 240 }, (_, i) => [-0, NaN, Infinity, 1e15][i % 60] ?? Math.floor(Math.abs(Math.sin(i * 12.9898)) * 43_758) % 1000);
    const times = values.map((_, i) => T0 + i * 15_000);
    roundTrip(times, values);
    // 240 x 10 bits and 16 exceptions of 64 + 10 bits: about 1.9 bytes a value with the times.
    expect(bytesPerSample(values)).toBeLessThan(2.1);
    expect(bytesPerSample(values)).toBeLessThan(encodeLayout2({ times, values }).length / values.length - 0.5);
  });

  it('stores a regular, slowly changing series in about a byte per sample or less', () => {
    const times = Array.from({ length: 240 }, (_, i) => T0 + i * 15_000);
    const values = times.map((_, i) => (i < 120 ? 0.5 : 0.75));
    expect(encodeSeriesChunk({ times, values }).length / times.length).toBeLessThan(1);
  });
});
