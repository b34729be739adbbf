/**
 * The compressed chunk of one series: Gorilla's encoding (Pelkonen et al., VLDB 2015), as
 * Prometheus' TSDB uses it. A chunk holds a series' samples of one block of time in time order.
 *
 * Layout (a bit stream, see bitStream.ts):
 * - sample count (32 bits); then the first time (sign bit + 53-bit magnitude, milliseconds) and the
 *   first value (the 64 bits of the double);
 * - per further sample, the time as a delta-of-delta: `0` (same interval as before), `10` + 14 bits,
 *   `110` + 17 bits, `1110` + 20 bits, `11110` + 32 bits (each offset by half its range), or `11111`
 *   + the absolute time (sign + 53 bits), which also restarts the delta at zero: any two safe-integer
 *   times encode exactly, however far apart (no 32-bit offset anywhere);
 * - then the value XORed with the previous one: `0` (equal bits), `10` + the meaningful bits inside
 *   the previous window of leading and trailing zeros, or `11` + 5 bits of leading zeros + 6 bits of
 *   length (64 written as 0) + the meaningful bits. The bits of the double are kept exactly, so NaN,
 *   ±Infinity, -0 and subnormals come back as they went in.
 */
import { BitReader, BitWriter } from './bitStream.js';

/** Samples of one series, times in milliseconds (safe integers) and values, in time order. */
export interface SeriesPoints {
  times: number[];
  values: number[];
}

const TWO_32 = 2 ** 32;
/** Delta-of-delta buckets after their prefix of 1s and a 0: bits of the offset value. */
const DOD_BUCKETS = [14, 17, 20, 32] as const;

const scratch = new DataView(new ArrayBuffer(8));

/** Encodes samples (times must be safe integers; sorted is best, though any order round-trips). */
export function encodeSeriesChunk(points: SeriesPoints): Buffer {
  const { times, values } = points;
  if (times.length !== values.length) throw new RangeError(`series chunk: ${times.length} times but ${values.length} values`);
  const out = new BitWriter();
  out.writeBits(times.length, 32);
  if (times.length === 0) return out.finish();
  writeAbsoluteTime(out, checkedTime(times[0]!));
  scratch.setFloat64(0, values[0]!);
  let prevHi = scratch.getUint32(0);
  let prevLo = scratch.getUint32(4);
  out.writeBits(prevHi, 32);
  out.writeBits(prevLo, 32);
  let prevTime = times[0]!;
  let prevDelta = 0;
  let leading = -1;
  let trailing = 0;
  for (let i = 1; i < times.length; i++) {
    const time = checkedTime(times[i]!);
    const delta = time - prevTime;
    const dod = delta - prevDelta;
    if (Number.isSafeInteger(delta) && prevTime + delta === time && Math.abs(dod) < 2 ** 31) {
      writeDeltaOfDelta(out, dod);
      prevDelta = delta;
    } else {
      out.writeBits(0b11111, 5);
      writeAbsoluteTime(out, time);
      prevDelta = 0;
    }
    prevTime = time;

    scratch.setFloat64(0, values[i]!);
    const hi = scratch.getUint32(0);
    const lo = scratch.getUint32(4);
    const xorHi = (hi ^ prevHi) >>> 0;
    const xorLo = (lo ^ prevLo) >>> 0;
    prevHi = hi;
    prevLo = lo;
    if (xorHi === 0 && xorLo === 0) {
      out.writeBit(0);
      continue;
    }
    out.writeBit(1);
    const lead = Math.min(31, xorHi === 0 ? 32 + Math.clz32(xorLo) : Math.clz32(xorHi));
    const trail = xorLo === 0 ? 32 + countTrailingZeros(xorHi) : countTrailingZeros(xorLo);
    if (leading >= 0 && lead >= leading && trail >= trailing) {
      out.writeBit(0);
      writeMeaningful(out, xorHi, xorLo, trailing, 64 - leading - trailing);
    } else {
      out.writeBit(1);
      const length = 64 - lead - trail;
      out.writeBits(lead, 5);
      out.writeBits(length & 63, 6);
      writeMeaningful(out, xorHi, xorLo, trail, length);
      leading = lead;
      trailing = trail;
    }
  }
  return out.finish();
}

/** Decodes a chunk written by encodeSeriesChunk. */
export function decodeSeriesChunk(chunk: Uint8Array): SeriesPoints {
  const input = new BitReader(chunk);
  const count = input.readBits(32);
  const times = new Array<number>(count);
  const values = new Array<number>(count);
  if (count === 0) return { times, values };
  let time = readAbsoluteTime(input);
  let hi = input.readBits(32);
  let lo = input.readBits(32);
  times[0] = time;
  values[0] = toDouble(hi, lo);
  let delta = 0;
  let leading = 0;
  let trailing = 0;
  for (let i = 1; i < count; i++) {
    let ones = 0;
    while (ones < 5 && input.readBit() === 1) ones++;
    if (ones === 5) {
      time = readAbsoluteTime(input);
      delta = 0;
    } else {
      if (ones > 0) {
        const bits = DOD_BUCKETS[ones - 1]!;
        delta += input.readBits(bits) - 2 ** (bits - 1);
      }
      time += delta;
    }
    times[i] = time;

    if (input.readBit() === 1) {
      let length: number;
      if (input.readBit() === 1) {
        leading = input.readBits(5);
        length = input.readBits(6) || 64;
        trailing = 64 - leading - length;
      } else {
        length = 64 - leading - trailing;
      }
      // The meaningful bits, shifted back into place and XORed into the previous value.
      const highBits = length > 32 ? input.readBits(length - 32) : 0;
      const lowBits = input.readBits(Math.min(32, length));
      const [xorHi, xorLo] = shiftLeft(highBits, lowBits, trailing);
      hi = (hi ^ xorHi) >>> 0;
      lo = (lo ^ xorLo) >>> 0;
    }
    values[i] = toDouble(hi, lo);
  }
  return { times, values };
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

function writeDeltaOfDelta(out: BitWriter, dod: number): void {
  if (dod === 0) {
    out.writeBit(0);
    return;
  }
  for (let bucket = 0; bucket < DOD_BUCKETS.length; bucket++) {
    const bits = DOD_BUCKETS[bucket]!;
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

/** Writes `length` bits of the 64-bit (hi, lo) shifted right by `shift`. */
function writeMeaningful(out: BitWriter, hi: number, lo: number, shift: number, length: number): void {
  let shiftedHi: number;
  let shiftedLo: number;
  if (shift >= 32) {
    shiftedHi = 0;
    shiftedLo = hi >>> (shift - 32);
  } else if (shift > 0) {
    shiftedHi = hi >>> shift;
    shiftedLo = ((lo >>> shift) | (hi << (32 - shift))) >>> 0;
  } else {
    shiftedHi = hi;
    shiftedLo = lo;
  }
  if (length > 32) {
    out.writeBits(shiftedHi, length - 32);
    out.writeBits(shiftedLo, 32);
  } else out.writeBits(shiftedLo, length);
}

function shiftLeft(hi: number, lo: number, shift: number): [number, number] {
  if (shift === 0) return [hi >>> 0, lo >>> 0];
  if (shift >= 32) return [(lo << (shift - 32)) >>> 0, 0];
  return [((hi << shift) | (lo >>> (32 - shift))) >>> 0, (lo << shift) >>> 0];
}

function countTrailingZeros(word: number): number {
  if (word === 0) return 32;
  return 31 - Math.clz32(word & -word);
}

function toDouble(hi: number, lo: number): number {
  scratch.setUint32(0, hi);
  scratch.setUint32(4, lo);
  return scratch.getFloat64(0);
}
