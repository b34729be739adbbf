/**
 * The compressed series chunk round-trips every float bit pattern that matters (NaN, ±Infinity,
 * -0, subnormals, the extremes) and every time offset (regular, jittered, equal, backwards, and
 * far beyond a 32-bit millisecond offset), and a truncated chunk fails instead of decoding garbage.
 */
import { describe, expect, it } from 'vitest';
import { decodeSeriesChunk, encodeSeriesChunk } from '../../collector/history/seriesChunkCodec.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');

function roundTrip(times: number[], values: number[]) {
  const decoded = decodeSeriesChunk(encodeSeriesChunk({ times, values }));
  expect(decoded.times).toEqual(times);
  // Object.is tells -0 from 0 and NaN equals NaN.
  decoded.values.forEach((value, i) => expect(Object.is(value, values[i]), `value ${i}: ${value} vs ${values[i]}`).toBe(true));
}

describe('series chunk codec', () => {
  // Each row: a list of values that must come back bit-for-bit (as Object.is sees them).
  it.each([
    { name: 'special floats', values: [NaN, Infinity, -Infinity, -0, 0, NaN, -0, Infinity] },
    { name: 'subnormals and extremes', values: [Number.MIN_VALUE, -Number.MIN_VALUE, 2.2250738585072009e-308, Number.MAX_VALUE, -Number.MAX_VALUE, Number.EPSILON, 5e-324] },
    { name: 'constants', values: [0.25, 0.25, 0.25, 0.25] },
    { name: 'integers and counters', values: [1, 2, 3, 1024, 1_000_000_007, 2 ** 53, -(2 ** 53), 0] },
    { name: 'noisy ratios', values: Array.from({ length: 300 }, (_, i) => Math.abs(Math.sin(i * 7.13)) * 0.97) },
    { name: 'alternating widths', values: [1, 1e300, 1, 1e-300, -1, 3.5, 3.25, 3.125] },
  ])('round-trips $name', ({ values }) => {
    roundTrip(values.map((_, i) => T0 + i * 15_000), values);
  });

  // Each row: a list of times (any order) that must come back exactly.
  it.each([
    { name: 'a regular interval', times: Array.from({ length: 500 }, (_, i) => T0 + i * 15_000) },
    { name: 'jitter in every bucket', times: [T0, T0 + 15_000, T0 + 30_001, T0 + 45_000, T0 + 45_000 + 70_000, T0 + 500_000, T0 + 1_600_000, T0 + 3_000_000_000] },
    { name: 'equal and backwards times', times: [T0, T0, T0 - 1, T0 + 10, T0 - 86_400_000, T0] },
    { name: 'offsets beyond 32 bits (years apart)', times: [T0, T0 + 2 ** 31, T0 + 2 ** 32 + 1, T0 + 400 * 86_400_000, 0, -T0, T0] },
    { name: 'the extremes of a safe integer', times: [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1] },
    { name: 'the extremes of a Date', times: [8.64e15, -8.64e15, 8.64e15, 8.64e15 - 15_000, 8.64e15 - 30_000] },
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

  it('fails on a truncated chunk instead of decoding garbage', () => {
    const chunk = encodeSeriesChunk({ times: [T0, T0 + 15_000, T0 + 30_000], values: [0.1, 0.2, 0.3] });
    expect(() => decodeSeriesChunk(chunk.subarray(0, chunk.length - 4))).toThrow(/ends early/);
  });

  it('stores a regular, slowly changing series in about a byte per sample or less', () => {
    const times = Array.from({ length: 240 }, (_, i) => T0 + i * 15_000);
    const values = times.map((_, i) => (i < 120 ? 0.5 : 0.75));
    expect(encodeSeriesChunk({ times, values }).length / times.length).toBeLessThan(1);
  });
});
