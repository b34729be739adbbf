/**
 * The value encodings of a series chunk (seriesChunkCodec.ts), each exact to the bit:
 *
 * - XOR (Gorilla): each double XORed with the previous one: `0` (equal bits), `10` + the meaningful
 *   bits inside the previous window of leading and trailing zeros, or `11` + 5 bits of leading zeros
 *   + 6 bits of length (64 written as 0) + the meaningful bits. Best for noisy doubles; NaN,
 *   ±Infinity, -0 and subnormals come back as they went in.
 * - Ratios of integers (writeRatios): what an agent divides, busy jiffies by all jiffies of an
 *   interval, used blocks by all blocks, is n / d exactly for small integers; per value the
 *   denominator's delta and the numerator's delta, as the scaled integers write theirs.
 * - Scaled integers (as ALP finds decimals, Afroozeh et al., SIGMOD 2024): most gauges and counters
 *   an agent sends are integers or short decimals (a load average of 0.37, a byte counter), whose
 *   doubles have long, unlike mantissas that XOR barely shrinks. Such a value is the integer
 *   n = round(v * 10^e) for one exponent e of the chunk, and n / 10^e gives back exactly v (checked
 *   per value when encoding). The integers are written as deltas (order 1, for gauges) or
 *   delta-of-deltas (order 2, for counters growing at a steady rate), zigzagged into buckets:
 *   `0` (zero), `10` + 6 bits, `110` + 13, `1110` + 20, `11110` + 32, `111110` + the integer itself
 *   (sign + 53 bits; restarts the delta), or `111111` + the 64 bits of a value that is no such
 *   decimal (an exception: NaN, -0, a ratio of the chunk's odd one out), which leaves the integers' state as it was.
 * - Packed integers (writePacked, as frame-of-reference packing does in column stores): the same
 *   scaled integers n, each written as n - m in a fixed width w for the chunk's smallest m. Best for
 *   values that wander without a trend (a receive rate, a busy share), whose deltas need a bit more
 *   than the values and a bucket prefix besides; a width of 0 stores a constant in no bits at all.
 *   The all-ones code is an exception's escape (its 64 bits follow).
 */
import type { BitReader, BitWriter } from './bitStream.js';

const scratch = new DataView(new ArrayBuffer(8));
const TWO_32 = 2 ** 32;
/** Bits of the zigzagged delta in each bucket after its prefix of 1s and a 0. */
const SCALED_BUCKETS = [6, 13, 20, 32] as const;
/** What a zigzagged step must be under to fit each bucket, and each bucket's prefix (bucket + 1 ones, then a zero). */
const SCALED_BUCKET_LIMITS = SCALED_BUCKETS.map((bits) => 2 ** bits);
const SCALED_BUCKET_PREFIXES = SCALED_BUCKETS.map((_, bucket) => 2 ** (bucket + 2) - 2);
/** The largest decimal exponent tried: 10^15 still leaves most gauges' integers within 2^53. */
const MAX_EXPONENT = 15;

/** Writes doubles as Gorilla's XOR stream (the first one's 64 bits in full). */
export class XorWriter {
  private prevHi = 0;
  private prevLo = 0;
  private leading = -1;
  private trailing = 0;
  private started = false;

  constructor(private readonly out: BitWriter) {}

  write(value: number): void {
    const { out } = this;
    scratch.setFloat64(0, value);
    const hi = scratch.getUint32(0);
    const lo = scratch.getUint32(4);
    if (!this.started) {
      this.started = true;
      out.writeBits(hi, 32);
      out.writeBits(lo, 32);
      this.prevHi = hi;
      this.prevLo = lo;
      return;
    }
    const xorHi = (hi ^ this.prevHi) >>> 0;
    const xorLo = (lo ^ this.prevLo) >>> 0;
    this.prevHi = hi;
    this.prevLo = lo;
    if (xorHi === 0 && xorLo === 0) {
      out.writeBit(0);
      return;
    }
    out.writeBit(1);
    const lead = Math.min(31, xorHi === 0 ? 32 + Math.clz32(xorLo) : Math.clz32(xorHi));
    const trail = xorLo === 0 ? 32 + countTrailingZeros(xorHi) : countTrailingZeros(xorLo);
    if (this.leading >= 0 && lead >= this.leading && trail >= this.trailing) {
      out.writeBit(0);
      writeMeaningful(out, xorHi, xorLo, this.trailing, 64 - this.leading - this.trailing);
    } else {
      out.writeBit(1);
      const length = 64 - lead - trail;
      out.writeBits(lead, 5);
      out.writeBits(length & 63, 6);
      writeMeaningful(out, xorHi, xorLo, trail, length);
      this.leading = lead;
      this.trailing = trail;
    }
  }
}

/** Reads what XorWriter wrote, one value per call. */
export class XorReader {
  private hi = 0;
  private lo = 0;
  private leading = 0;
  private trailing = 0;
  private started = false;

  constructor(private readonly input: BitReader) {}

  read(): number {
    const { input } = this;
    if (!this.started) {
      this.started = true;
      this.hi = input.readBits(32);
      this.lo = input.readBits(32);
    } else if (input.readBit() === 1) {
      let length: number;
      if (input.readBit() === 1) {
        this.leading = input.readBits(5);
        length = input.readBits(6) || 64;
        this.trailing = 64 - this.leading - length;
      } else {
        length = 64 - this.leading - this.trailing;
      }
      // The meaningful bits, shifted back into place and XORed into the previous value.
      const highBits = length > 32 ? input.readBits(length - 32) : 0;
      const lowBits = input.readBits(Math.min(32, length));
      const [xorHi, xorLo] = shiftLeft(highBits, lowBits, this.trailing);
      this.hi = (this.hi ^ xorHi) >>> 0;
      this.lo = (this.lo ^ xorLo) >>> 0;
    }
    return toDouble(this.hi, this.lo);
  }
}

/** The integer that scales to `value` exactly at `scale` (10^e), or undefined when there is none. */
function scaledInteger(value: number, scale: number): number | undefined {
  const n = Math.round(value * scale) + 0;
  return Number.isSafeInteger(n) && Object.is(n / scale, value) ? n : undefined;
}

/**
 * The decimal exponent at which the most values are exact scaled integers (the smallest such), or
 * undefined when fewer than half of them are.
 */
export function bestExponent(values: readonly number[]): number | undefined {
  let best: number | undefined;
  let bestCount = Math.ceil(values.length / 2) - 1;
  const sample = values.slice(0, 16);
  for (let exponent = 0; exponent <= MAX_EXPONENT; exponent++) {
    const scale = 10 ** exponent;
    // An exponent that few of the first values fit is not counted over the whole chunk (noise fits none).
    let fits = 0;
    for (const value of sample) if (scaledInteger(value, scale) !== undefined) fits++;
    if (fits * 2 <= sample.length && values.length > sample.length) continue;
    let count = 0;
    for (const value of values) if (scaledInteger(value, scale) !== undefined) count++;
    if (count > bestCount) {
      best = exponent;
      bestCount = count;
      if (count === values.length) break;
    }
  }
  return best;
}

/**
 * A stream of integers as steps (deltas for order 1, delta-of-deltas for order 2) in buckets, with
 * the `111110` escape for an integer written whole and `111111` for an exception (a raw double the
 * caller writes), which leaves the stream's state as it was.
 */
class IntegerSteps {
  private prev = 0;
  private prevDelta = 0;

  constructor(private readonly order: 1 | 2) {}

  write(out: BitWriter, n: number): void {
    const delta = n - this.prev;
    const step = this.order === 1 ? delta : delta - this.prevDelta;
    // Only a step the reader's own arithmetic turns back into n exactly; otherwise n itself.
    const reproduced = this.order === 1 ? this.prev + step : this.prev + (this.prevDelta + step);
    if (reproduced === n && Number.isSafeInteger(step) && Math.abs(step) < 2 ** 31 && writeStep(out, step)) {
      this.prevDelta = this.order === 1 ? 0 : this.prevDelta + step;
    } else {
      out.writeBits(0b111110, 6);
      out.writeBit(n < 0 ? 1 : 0);
      out.writeBits(Math.floor(Math.abs(n) / TWO_32), 21);
      out.writeBits(Math.abs(n) % TWO_32, 32);
      this.prevDelta = 0;
    }
    this.prev = n;
  }

  /** The next integer, or undefined for the exception escape. */
  read(input: BitReader): number | undefined {
    let ones = 0;
    while (ones < 6 && input.readBit() === 1) ones++;
    if (ones === 6) return undefined;
    if (ones === 5) {
      const negative = input.readBit() === 1;
      const magnitude = input.readBits(21) * TWO_32 + input.readBits(32);
      this.prev = negative ? -magnitude : magnitude;
      this.prevDelta = 0;
      return this.prev;
    }
    let step = 0;
    if (ones > 0) {
      const zigzag = input.readBits(SCALED_BUCKETS[ones - 1]!);
      step = zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
    }
    if (this.order === 1) this.prev += step;
    else {
      this.prevDelta += step;
      this.prev += this.prevDelta;
    }
    return this.prev;
  }
}

function writeException(out: BitWriter, value: number): void {
  out.writeBits(0b111111, 6);
  scratch.setFloat64(0, value);
  out.writeBits(scratch.getUint32(0), 32);
  out.writeBits(scratch.getUint32(4), 32);
}

function readException(input: BitReader): number {
  const hi = input.readBits(32);
  return toDouble(hi, input.readBits(32));
}

/** Writes `values` as integers scaled by 10^exponent, as deltas of `order` 1 or 2 (see the module comment). */
export function writeScaled(out: BitWriter, values: readonly number[], exponent: number, order: 1 | 2): void {
  const scale = 10 ** exponent;
  const integers = new IntegerSteps(order);
  for (const value of values) {
    const n = scaledInteger(value, scale);
    if (n === undefined) writeException(out, value);
    else integers.write(out, n);
  }
}

/** Reads the values written by writeScaled into `into` (as many as it holds). */
export function readScaled(input: BitReader, exponent: number, order: 1 | 2, into: Float64Array): void {
  const scale = 10 ** exponent;
  const integers = new IntegerSteps(order);
  for (let i = 0; i < into.length; i++) {
    const n = integers.read(input);
    into[i] = n === undefined ? readException(input) : n / scale;
  }
}

/** The widest packed integer: an offset between two safe integers' magnitudes below 2^53. */
const MAX_PACKED_WIDTH = 53;

/** Writes up to 53 bits (two calls of at most 32). */
function writeWide(out: BitWriter, value: number, width: number): void {
  if (width > 32) {
    out.writeBits(Math.floor(value / TWO_32), width - 32);
    out.writeBits(value % TWO_32, 32);
  } else out.writeBits(value, width);
}

function readWide(input: BitReader, width: number): number {
  return width > 32 ? input.readBits(width - 32) * TWO_32 + input.readBits(32) : input.readBits(width);
}

/**
 * Writes `values` as integers scaled by 10^exponent, packed (see the module comment): the smallest
 * integer m (sign + 53 bits), the width (6 bits), then per value its offset from m in that width, or
 * the all-ones escape and the value's 64 bits. The width is the one that makes the chunk shortest
 * (a rare outlier is cheaper as an exception than as extra bits in every value). Returns false,
 * writing nothing, when no value is such an integer.
 */
export function writePacked(out: BitWriter, values: readonly number[], exponent: number): boolean {
  const scale = 10 ** exponent;
  const integers = values.map((value) => scaledInteger(value, scale));
  let min = Infinity;
  for (const n of integers) if (n !== undefined && n < min) min = n;
  if (min === Infinity) return false;
  const offsets = integers.filter((n): n is number => n !== undefined).map((n) => n - min);
  const sorted = Float64Array.from(offsets).sort();
  const exceptions = values.length - offsets.length;
  // A width of 0 has no escape: only for chunks of one integer repeated.
  let width = exceptions === 0 && sorted[sorted.length - 1] === 0 ? 0 : -1;
  if (width < 0) {
    let bestCost = Infinity;
    for (let w = 1; w <= MAX_PACKED_WIDTH; w++) {
      const fitting = countBelow(sorted, 2 ** w - 1);
      const cost = values.length * w + (values.length - fitting) * 64;
      if (cost < bestCost) [bestCost, width] = [cost, w];
      if (fitting === sorted.length) break;
    }
  }
  out.writeBit(min < 0 ? 1 : 0);
  writeWide(out, Math.abs(min), 53);
  out.writeBits(width, 6);
  if (width === 0) return true;
  const escape = 2 ** width - 1;
  values.forEach((value, i) => {
    const n = integers[i];
    if (n !== undefined && n - min < escape) writeWide(out, n - min, width);
    else {
      writeWide(out, escape, width);
      scratch.setFloat64(0, value);
      out.writeBits(scratch.getUint32(0), 32);
      out.writeBits(scratch.getUint32(4), 32);
    }
  });
  return true;
}

/** Reads the values written by writePacked into `into` (as many as it holds). */
export function readPacked(input: BitReader, exponent: number, into: Float64Array): void {
  const scale = 10 ** exponent;
  const negative = input.readBit() === 1;
  const magnitude = readWide(input, 53);
  const min = negative ? -magnitude : magnitude;
  const width = input.readBits(6);
  // A width of 0 is one integer repeated (`+ 0` as below: -0 comes back as 0).
  if (width === 0) {
    into.fill((min + 0) / scale);
    return;
  }
  const escape = 2 ** width - 1;
  for (let i = 0; i < into.length; i++) {
    const offset = readWide(input, width);
    into[i] = offset === escape ? readException(input) : (min + offset) / scale;
  }
}

/** How many of the ascending `sorted` are below `limit`. */
function countBelow(sorted: Float64Array, limit: number): number {
  let [low, high] = [0, sorted.length];
  while (low < high) {
    const middle = (low + high) >> 1;
    if (sorted[middle]! < limit) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The largest denominator of a ratio: 2^24 covers jiffies over any interval and most byte totals in kB. */
const MAX_DENOMINATOR = 2 ** 24;
/** How far from the previous denominator the search looks first (a jiffy count moves by a few). */
const NEAR_DENOMINATOR = 16;

/**
 * A ratio of integers n / d that is exactly `value`: first with a denominator near `previous` (the
 * agent divides busy jiffies by all jiffies of an interval, which differ by a few from one interval
 * to the next), then the convergents of its continued fraction. Undefined when none up to
 * MAX_DENOMINATOR is exact.
 */
export function ratioOf(value: number, previous: number): [number, number] | undefined {
  if (!Number.isFinite(value)) return undefined;
  // The denominators previous, previous - 1, previous + 1, previous - 2, ... in that order. Written
  // without a list or a destructuring per try: a compaction calls this for every value of a chunk
  // that takes the ratio layout, and those allocations were most of its time.
  for (let offset = 0; offset <= NEAR_DENOMINATOR; offset++) {
    const below = previous - offset;
    if (below >= 1 && isNumeratorOver(value, below)) return [Math.round(value * below) + 0, below];
    const above = previous + offset;
    if (offset > 0 && above >= 1 && isNumeratorOver(value, above)) return [Math.round(value * above) + 0, above];
  }
  let x = Math.abs(value);
  let h1 = 1;
  let h2 = 0;
  let k1 = 0;
  let k2 = 1;
  for (let i = 0; i < 64; i++) {
    const a = Math.floor(x);
    const h = a * h1 + h2;
    const k = a * k1 + k2;
    if (k > MAX_DENOMINATOR || !Number.isSafeInteger(h)) return undefined;
    const n = (value < 0 ? -h : h) + 0;
    if (Object.is(n / k, value)) return [n, k];
    h2 = h1;
    h1 = h;
    k2 = k1;
    k1 = k;
    if (x === a) return undefined;
    x = 1 / (x - a);
  }
  return undefined;
}

/** Whether `value` is exactly some integer over `d`. */
function isNumeratorOver(value: number, d: number): boolean {
  const n = Math.round(value * d) + 0;
  return Number.isSafeInteger(n) && Object.is(n / d, value);
}

/** Whether most of the first (up to 16) values are ratios: a cheap test before a chunk's search. */
export function mostlyRatios(values: readonly number[]): boolean {
  const sample = values.slice(0, 16);
  let previous = 1;
  let found = 0;
  for (const value of sample) {
    const ratio = ratioOf(value, previous);
    if (ratio !== undefined) {
      found++;
      previous = ratio[1];
    }
  }
  return found * 2 > sample.length;
}

/**
 * Writes `values` as ratios of integers: per value the denominator's delta, then the numerator's
 * (both IntegerSteps of order 1; an exception escapes in the denominator's place).
 */
export function writeRatios(out: BitWriter, values: readonly number[]): void {
  const denominators = new IntegerSteps(1);
  const numerators = new IntegerSteps(1);
  let previous = 1;
  for (const value of values) {
    const ratio = ratioOf(value, previous);
    if (ratio === undefined) {
      writeException(out, value);
      continue;
    }
    denominators.write(out, ratio[1]);
    numerators.write(out, ratio[0]);
    previous = ratio[1];
  }
}

/** Reads the values written by writeRatios into `into` (as many as it holds). */
export function readRatios(input: BitReader, into: Float64Array): void {
  const denominators = new IntegerSteps(1);
  const numerators = new IntegerSteps(1);
  for (let i = 0; i < into.length; i++) {
    const d = denominators.read(input);
    into[i] = d === undefined ? readException(input) : numerators.read(input)! / d;
  }
}

/** Writes a step into its bucket; false when none holds it. */
function writeStep(out: BitWriter, step: number): boolean {
  if (step === 0) {
    out.writeBit(0);
    return true;
  }
  const zigzag = step >= 0 ? step * 2 : -step * 2 - 1;
  for (let bucket = 0; bucket < SCALED_BUCKETS.length; bucket++) {
    if (zigzag < SCALED_BUCKET_LIMITS[bucket]!) {
      out.writeBits(SCALED_BUCKET_PREFIXES[bucket]!, bucket + 2);
      out.writeBits(zigzag, SCALED_BUCKETS[bucket]!);
      return true;
    }
  }
  return false;
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
