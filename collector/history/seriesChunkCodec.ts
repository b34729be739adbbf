/**
 * The compressed chunk of one series: Gorilla's encoding (Pelkonen et al., VLDB 2015), as
 * Prometheus' TSDB uses it, with a second value encoding for decimals. A chunk holds a series'
 * samples of one block of time in time order. Every time and every double round-trips exactly.
 *
 * Layout 2 (written now; a bit stream, see bitStream.ts): the byte 0xC2 (a chunk of layout 1 starts
 * with the high byte of its 32-bit count, never that high), the sample count (32 bits), then the
 * times, then the values, so each column is read in one tight loop:
 * - times: 1 bit of encoding, then the first time (sign bit + 53-bit magnitude, milliseconds), then
 *   per further sample a step in buckets: `0` (zero), `10` + b1 bits, `110` + b2, `1110` + b3, `11110`
 *   + 32 (each offset by half its range), or `11111` + the absolute time: any two safe-integer times
 *   encode exactly. Encoding 0: the step is the delta-of-delta (buckets 7, 12, 20 bits; the absolute
 *   time restarts the delta at zero). Encoding 1, for a timer that fires a few milliseconds late
 *   now and then: the chunk's usual interval (32 bits) and, per sample, the step is the interval's
 *   deviation from it (buckets 4, 10, 20): a late tick costs 6 bits where a delta-of-delta sees it
 *   twice, and Gorilla's 14-bit first bucket paid 16 bits for each. The shorter one is written;
 * - values: 2 bits of encoding, then the values in it (chunkValues.ts): 0 XOR (Gorilla), 1 or 2
 *   integers scaled by 10^e (4 bits of e) as deltas or delta-of-deltas, 3 ratios of integers. The
 *   encoder writes each encoding that applies and keeps the shortest.
 *
 * Layout 1 (chunks compacted before; still read): the count (32 bits), the first time and first value
 * (64 bits), then per sample the time as a delta-of-delta (`0`, `10` + 14 bits, `110` + 17, `1110` + 20,
 * `11110` + 32, `11111` + absolute) followed by the value's XOR.
 */
import { BitReader, BitWriter } from './bitStream.js';
import { bestExponent, mostlyRatios, readRatios, readScaled, writeRatios, writeScaled, XorReader, XorWriter } from './chunkValues.js';

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
/** Buckets of a time's deviation from the chunk's usual interval (time encoding 1 of layout 2). */
const RESIDUAL_BUCKETS = [4, 10, 20, 32] as const;
type ValueEncoding = 0 | 1 | 2 | 3;

/** Encodes samples (times must be safe integers; sorted is best, though any order round-trips). */
export function encodeSeriesChunk(points: SeriesPoints): Buffer {
  const { times, values } = points;
  if (times.length !== values.length) throw new RangeError(`series chunk: ${times.length} times but ${values.length} values`);
  const out = new BitWriter();
  out.writeBits(LAYOUT_2, 8);
  out.writeBits(times.length, 32);
  if (times.length === 0) return out.finish();
  out.append(shortestTimes(times));
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
  // Ratios cost a search per value: only where the others left more than a byte a value and the first values are ratios.
  if (best.bitLength > values.length * 8 && mostlyRatios(values)) {
    const ratios = new BitWriter();
    ratios.writeBits(3, 2);
    writeRatios(ratios, values);
    if (ratios.bitLength < best.bitLength) best = ratios;
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
  if (!layout2) {
    // Layout 1 interleaves each value after its time.
    const xor = new XorReader(input);
    readTimes(input, times, DOD_BUCKETS_1, undefined, () => values.push(xor.read()));
    return { times, values };
  }
  if (input.readBit() === 0) readTimes(input, times, DOD_BUCKETS_2);
  else readTimes(input, times, RESIDUAL_BUCKETS, input.readBits(32));
  const encoding = input.readBits(2) as ValueEncoding;
  if (encoding === 0) {
    const reader = new XorReader(input);
    for (let i = 0; i < count; i++) values.push(reader.read());
  } else if (encoding === 3) readRatios(input, count, values);
  else readScaled(input, count, input.readBits(4), encoding, values);
  return { times, values };
}

/** The times in the shorter of layout 2's two time encodings, with its bit (and interval) first. */
function shortestTimes(times: readonly number[]): BitWriter {
  const byDeltaOfDelta = new BitWriter();
  byDeltaOfDelta.writeBit(0);
  writeTimes(byDeltaOfDelta, times, DOD_BUCKETS_2);
  const interval = usualInterval(times);
  if (interval === undefined) return byDeltaOfDelta;
  const byInterval = new BitWriter();
  byInterval.writeBit(1);
  byInterval.writeBits(interval, 32);
  writeTimes(byInterval, times, RESIDUAL_BUCKETS, interval);
  return byInterval.bitLength < byDeltaOfDelta.bitLength ? byInterval : byDeltaOfDelta;
}

/** The median interval between consecutive times, when there are some and it fits 32 bits. */
function usualInterval(times: readonly number[]): number | undefined {
  if (times.length < 3) return undefined;
  const deltas = new Float64Array(times.length - 1);
  for (let i = 1; i < times.length; i++) deltas[i - 1] = times[i]! - times[i - 1]!;
  deltas.sort();
  const median = deltas[deltas.length >> 1]!;
  return Number.isSafeInteger(median) && median >= 0 && median < TWO_32 ? median : undefined;
}

/**
 * Writes the times (see the module comment): steps are delta-of-deltas, or deviations from
 * `interval` when given; `afterEach`, for layout 1, writes a sample's value after its time.
 */
function writeTimes(out: BitWriter, times: readonly number[], buckets: readonly number[], interval?: number, afterEach?: (index: number) => void): void {
  writeAbsoluteTime(out, checkedTime(times[0]!));
  afterEach?.(0);
  let prevTime = times[0]!;
  let prevDelta = 0;
  for (let i = 1; i < times.length; i++) {
    const time = checkedTime(times[i]!);
    const delta = time - prevTime;
    const step = delta - (interval ?? prevDelta);
    // Only a step the reader's own arithmetic turns back into this time exactly; otherwise the time itself.
    if (Number.isSafeInteger(delta) && prevTime + ((interval ?? prevDelta) + step) === time && Math.abs(step) < 2 ** 31) {
      writeStep(out, step, buckets);
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

/** Reads `times.length` times into `times` (see writeTimes). */
function readTimes(input: BitReader, times: number[], buckets: readonly number[], interval?: number, afterEach?: () => void): void {
  let time = readAbsoluteTime(input);
  times[0] = time;
  afterEach?.();
  let delta = 0;
  for (let i = 1; i < times.length; i++) {
    const step = readStep(input, buckets);
    if (step === undefined) {
      time = readAbsoluteTime(input);
      delta = 0;
    } else {
      delta = (interval ?? delta) + step;
      time += delta;
    }
    times[i] = time;
    afterEach?.();
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
  writeTimes(out, times, DOD_BUCKETS_1, undefined, (i) => xor.write(values[i]!));
  return out.finish();
}

/** A time step, or undefined for the `11111` escape (an absolute time follows). */
function readStep(input: BitReader, buckets: readonly number[]): number | undefined {
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

function writeStep(out: BitWriter, dod: number, buckets: readonly number[]): void {
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
  throw new RangeError(`series chunk: time step ${dod} outside the 32-bit bucket`);
}
