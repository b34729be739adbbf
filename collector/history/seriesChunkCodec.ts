/**
 * The compressed chunk of one series: Gorilla's encoding (Pelkonen et al., VLDB 2015), as
 * Prometheus' TSDB uses it, with a second value encoding for decimals. A chunk holds a series'
 * samples of one block of time in time order. Every time and every double round-trips exactly.
 *
 * Layout 2 (written now; a bit stream, see bitStream.ts): the byte 0xC2 (a chunk of layout 1 starts
 * with the high byte of its 32-bit count, never that high), the sample count (32 bits), then the
 * times, then the values, so each column is read in one tight loop:
 * - times: the first (sign bit + 53-bit magnitude, milliseconds), then per further sample the
 *   delta-of-delta: `0` (same interval), `10` + 7 bits, `110` + 12, `1110` + 20, `11110` + 32 (each
 *   offset by half its range), or `11111` + the absolute time, which restarts the delta at zero: any
 *   two safe-integer times encode exactly. The small first buckets fit an agent's timer jitter of a
 *   few milliseconds, which Gorilla's 14-bit first bucket pays 16 bits a sample for;
 * - values: 2 bits of encoding, then the values in it (chunkValues.ts): 0 XOR (Gorilla), 1 or 2
 *   integers scaled by 10^e (4 bits of e) as deltas or delta-of-deltas. The encoder writes each
 *   encoding that applies and keeps the shortest.
 *
 * Layout 1 (chunks compacted before; still read): the count (32 bits), the first time and first value
 * (64 bits), then per sample the time as a delta-of-delta (`0`, `10` + 14 bits, `110` + 17, `1110` + 20,
 * `11110` + 32, `11111` + absolute) followed by the value's XOR.
 */
import { BitReader, BitWriter } from './bitStream.js';
import { bestExponent, readScaled, writeScaled, XorReader, XorWriter } from './chunkValues.js';

/** Samples of one series, times in milliseconds (safe integers) and values, in time order. */
export interface SeriesPoints {
  times: number[];
  values: number[];
}

const TWO_32 = 2 ** 32;
const LAYOUT_2 = 0xc2;
/** Delta-of-delta buckets after their prefix of 1s and a 0: bits of the offset value, per layout. */
const DOD_BUCKETS_1 = [14, 17, 20, 32] as const;
const DOD_BUCKETS_2 = [7, 12, 20, 32] as const;
type ValueEncoding = 0 | 1 | 2;

/** Encodes samples (times must be safe integers; sorted is best, though any order round-trips). */
export function encodeSeriesChunk(points: SeriesPoints): Buffer {
  const { times, values } = points;
  if (times.length !== values.length) throw new RangeError(`series chunk: ${times.length} times but ${values.length} values`);
  const out = new BitWriter();
  out.writeBits(LAYOUT_2, 8);
  out.writeBits(times.length, 32);
  if (times.length === 0) return out.finish();
  writeTimes(out, times, DOD_BUCKETS_2);
  let best = new BitWriter();
  best.writeBits(0, 2);
  const xor = new XorWriter(best);
  for (const value of values) xor.write(value);
  const exponent = bestExponent(values);
  if (exponent !== undefined) {
    for (const order of [1, 2] as const) {
      const scaled = new BitWriter();
      scaled.writeBits(order, 2);
      scaled.writeBits(exponent, 4);
      writeScaled(scaled, values, exponent, order);
      if (scaled.bitLength < best.bitLength) best = scaled;
    }
  }
  out.append(best);
  return out.finish();
}

/** Decodes a chunk of either layout. */
export function decodeSeriesChunk(chunk: Uint8Array): SeriesPoints {
  const layout2 = chunk[0] === LAYOUT_2;
  const input = new BitReader(chunk);
  if (layout2) input.readBits(8);
  const count = input.readBits(32);
  const times = new Array<number>(count);
  const values: number[] = [];
  if (count === 0) return { times, values };
  // Layout 1 interleaves each value after its time; layout 2 reads the values after all times.
  const xor = layout2 ? undefined : new XorReader(input);
  readTimes(input, times, layout2 ? DOD_BUCKETS_2 : DOD_BUCKETS_1, xor === undefined ? undefined : () => values.push(xor.read()));
  if (!layout2) return { times, values };
  const encoding = input.readBits(2) as ValueEncoding;
  if (encoding === 0) {
    const reader = new XorReader(input);
    for (let i = 0; i < count; i++) values.push(reader.read());
  } else readScaled(input, count, input.readBits(4), encoding, values);
  return { times, values };
}

/** Reads `times.length` times into `times`; `afterEach`, for layout 1, reads a sample's value after its time. */
function readTimes(input: BitReader, times: number[], buckets: readonly number[], afterEach?: () => void): void {
  let time = readAbsoluteTime(input);
  times[0] = time;
  afterEach?.();
  let delta = 0;
  for (let i = 1; i < times.length; i++) {
    const dod = readDeltaOfDelta(input, buckets);
    if (dod === undefined) {
      time = readAbsoluteTime(input);
      delta = 0;
    } else {
      delta += dod;
      time += delta;
    }
    times[i] = time;
    afterEach?.();
  }
}

/** Writes the times (see the module comment); `afterEach`, for layout 1, writes a sample's value after its time. */
function writeTimes(out: BitWriter, times: readonly number[], buckets: readonly number[], afterEach?: (index: number) => void): void {
  writeAbsoluteTime(out, checkedTime(times[0]!));
  afterEach?.(0);
  let prevTime = times[0]!;
  let prevDelta = 0;
  for (let i = 1; i < times.length; i++) {
    const time = checkedTime(times[i]!);
    const delta = time - prevTime;
    const dod = delta - prevDelta;
    if (Number.isSafeInteger(delta) && prevTime + delta === time && Math.abs(dod) < 2 ** 31) {
      writeDeltaOfDelta(out, dod, buckets);
      prevDelta = delta;
    } else {
      out.writeBits(0b11111, 5);
      writeAbsoluteTime(out, time);
      prevDelta = 0;
    }
    prevTime = time;
    afterEach?.(i);
  }
}

/**
 * Layout 1's encoder, kept so that tests can write chunks as the previous release did and check
 * they still read.
 */
export function encodeLayout1(points: SeriesPoints): Buffer {
  const { times, values } = points;
  const out = new BitWriter();
  out.writeBits(times.length, 32);
  if (times.length === 0) return out.finish();
  const xor = new XorWriter(out);
  writeTimes(out, times, DOD_BUCKETS_1, (i) => xor.write(values[i]!));
  return out.finish();
}

/** A delta-of-delta, or undefined for the `11111` escape (an absolute time follows). */
function readDeltaOfDelta(input: BitReader, buckets: readonly number[]): number | undefined {
  let ones = 0;
  while (ones < 5 && input.readBit() === 1) ones++;
  if (ones === 5) return undefined;
  if (ones === 0) return 0;
  const bits = buckets[ones - 1]!;
  return input.readBits(bits) - 2 ** (bits - 1);
}

function checkedTime(time: number): number {
  if (!Number.isSafeInteger(time)) throw new RangeError(`series chunk: time ${time} is not a whole number of milliseconds within ±2^53`);
  return time;
}

function writeAbsoluteTime(out: BitWriter, time: number): void {
  const magnitude = Math.abs(time);
  out.writeBit(time < 0 ? 1 : 0);
  out.writeBits(Math.floor(magnitude / TWO_32), 21);
  out.writeBits(magnitude % TWO_32, 32);
}

function readAbsoluteTime(input: BitReader): number {
  const negative = input.readBit() === 1;
  const magnitude = input.readBits(21) * TWO_32 + input.readBits(32);
  return negative ? -magnitude : magnitude;
}

function writeDeltaOfDelta(out: BitWriter, dod: number, buckets: readonly number[]): void {
  if (dod === 0) {
    out.writeBit(0);
    return;
  }
  for (let bucket = 0; bucket < buckets.length; bucket++) {
    const bits = buckets[bucket]!;
    const half = 2 ** (bits - 1);
    if (dod >= -half && dod < half) {
      // Prefix: bucket+1 ones then a zero.
      out.writeBits(2 ** (bucket + 2) - 2, bucket + 2);
      out.writeBits(dod + half, bits);
      return;
    }
  }
  throw new RangeError(`series chunk: delta-of-delta ${dod} outside the 32-bit bucket`);
}
