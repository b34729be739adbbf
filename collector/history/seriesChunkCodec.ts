/**
 * The compressed chunk of one series: Gorilla's encoding (Pelkonen et al., VLDB 2015), as
 * Prometheus' TSDB uses it, with a second value encoding for decimals. A chunk holds a series'
 * samples of one block of time in time order. Every time and every double round-trips exactly.
 *
 * Layout 3 (written now) is layout 2 with room for more encodings: 2 bits of time encoding and 3 of
 * value encoding. Time encoding 2, for an agent whose timer fires on a grid a few milliseconds late:
 * the usual interval (32 bits), the smallest deviation from the grid (sign + 32 bits) and a width
 * (5 bits), then per further sample `0` (the next slot of the grid) or `1` + 32 bits (a slot step,
 * offset by 2^31), followed by the deviation from the grid in that width: 4 bits a sample where
 * encoding 1 needs 6. Value encoding 4: scaled integers packed in a fixed width (chunkValues.ts),
 * 4 bits of e first.
 *
 * Layout 2 (chunks written before; still read; a bit stream, see bitStream.ts): the byte 0xC2 (a chunk of layout 1 starts
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
import type { ColumnAllocator } from './columnArena.js';
import { bestExponent, mostlyRatios, readPacked, readRatios, readScaled, writePacked, writeRatios, writeScaled, XorReader, XorWriter } from './chunkValues.js';

/** Samples of one series, times in milliseconds (safe integers) and values, in time order. */
export interface SeriesPoints {
  times: number[];
  values: number[];
}

const TWO_32 = 2 ** 32;
const LAYOUT_2 = 0xc2;
const LAYOUT_3 = 0xc3;
/** Delta-of-delta buckets after their prefix of 1s and a 0: bits of the offset value, per layout. */
const DOD_BUCKETS_1 = [14, 17, 20, 32] as const;
const DOD_BUCKETS_2 = [7, 12, 20, 32] as const;
/** Buckets of a time's deviation from the chunk's usual interval (time encoding 1 of layout 2). */
const RESIDUAL_BUCKETS = [4, 10, 20, 32] as const;
type ValueEncoding = 0 | 1 | 2 | 3 | 4;
/** The widest deviation from the grid that time encoding 2 packs (wider jitter is no grid). */
const MAX_GRID_WIDTH = 20;

/** Encodes samples (times must be safe integers; sorted is best, though any order round-trips). */
export function encodeSeriesChunk(points: SeriesPoints): Buffer {
  return encodeLayout(points, 3);
}

/**
 * Layout 2's encoder, kept so that tests can write chunks as the previous release did and check
 * they still read.
 */
export function encodeLayout2(points: SeriesPoints): Buffer {
  return encodeLayout(points, 2);
}

function encodeLayout(points: SeriesPoints, layout: 2 | 3): Buffer {
  const { times, values } = points;
  if (times.length !== values.length) throw new RangeError(`series chunk: ${times.length} times but ${values.length} values`);
  const out = new BitWriter();
  out.writeBits(layout === 3 ? LAYOUT_3 : LAYOUT_2, 8);
  out.writeBits(times.length, 32);
  if (times.length === 0) return out.finish();
  out.append(shortestTimes(times, layout));
  out.append(shortestValues(values, layout));
  return out.finish();
}

/** The values in the shortest encoding that applies, with its bits (3 in layout 3, 2 in layout 2; and exponent) first. */
function shortestValues(values: readonly number[], layout: 2 | 3): BitWriter {
  const bits = layout === 3 ? 3 : 2;
  let best = new BitWriter();
  best.writeBits(0, bits);
  const xor = new XorWriter(best);
  for (const value of values) xor.write(value);
  const exponent = bestExponent(values);
  if (exponent !== undefined) {
    for (const order of [1, 2] as const) {
      const scaled = new BitWriter();
      scaled.writeBits(order, bits);
      scaled.writeBits(exponent, 4);
      writeScaled(scaled, values, exponent, order);
      if (scaled.bitLength < best.bitLength) best = scaled;
    }
    const packed = new BitWriter();
    packed.writeBits(4, 3);
    packed.writeBits(exponent, 4);
    if (layout === 3 && writePacked(packed, values, exponent) && packed.bitLength < best.bitLength) best = packed;
  }
  // Ratios cost a search per value: only where the others left more than a byte a value and the first values are ratios.
  if (best.bitLength > values.length * 8 && mostlyRatios(values)) {
    const ratios = new BitWriter();
    ratios.writeBits(3, bits);
    writeRatios(ratios, values);
    if (ratios.bitLength < best.bitLength) best = ratios;
  }
  return best;
}

/** Decodes a chunk of any layout. */
export function decodeSeriesChunk(chunk: Uint8Array): SeriesPoints {
  const decoded = decodeSeriesChunkTimes(chunk);
  return { times: Array.from(decoded.times), values: Array.from(decoded.values()) };
}

/** A chunk's times, and its values read only when asked for. */
export interface ChunkTimes {
  times: Float64Array;
  /** Reads the values (once: a second call gives the same array). */
  values: () => Float64Array;
  /** The chunk, and the bit its values start at (0 in layout 1, which interleaves them with the times). */
  chunk: Uint8Array;
  valuesAt: number;
}

/**
 * Decodes a chunk's times and leaves its values undecoded until `values()` is called: layouts 2 and 3
 * store the times before the values, so a replay that needs only when a series reported (a host's
 * liveness) never decodes the values of series no rule reads. Layout 1 interleaves them: decoded at
 * once. The columns are typed arrays, from `allocate` (a column arena, for a replay's many chunks:
 * columnArena.ts): filled in place, read by replays with one kind of element.
 *
 * A chunk whose bits up to its values are those of `previous` (a chunk decoded before) holds the same
 * times, and gets the same array, decoded once: a host's series share its report times, so a
 * replay's hour of 100 hosts decodes 100 time columns rather than 1,200.
 */
export function decodeSeriesChunkTimes(chunk: Uint8Array, allocate: ColumnAllocator = newColumn, previous?: ChunkTimes): ChunkTimes {
  const layout = chunk[0] === LAYOUT_3 ? 3 : chunk[0] === LAYOUT_2 ? 2 : 1;
  const input = new BitReader(chunk);
  if (layout > 1) input.readBits(8);
  const count = input.readBits(32);
  if (count === 0) return { times: EMPTY, values: () => EMPTY, chunk, valuesAt: 0 };
  if (layout === 1) {
    // Layout 1 interleaves each value after its time.
    const times = allocate(count);
    const values = allocate(count);
    const xor = new XorReader(input);
    let next = 0;
    readTimes(input, times, DOD_BUCKETS_1, undefined, () => (values[next++] = xor.read()));
    return { times, values: () => values, chunk, valuesAt: 0 };
  }
  let times: Float64Array;
  if (previous !== undefined && previous.valuesAt > 0 && sameBits(chunk, previous.chunk, previous.valuesAt)) {
    times = previous.times;
    input.skip(previous.valuesAt - input.bitsRead);
  } else {
    times = allocate(count);
    const timeEncoding = input.readBits(layout === 2 ? 1 : 2);
    if (timeEncoding === 0) readTimes(input, times, DOD_BUCKETS_2);
    else if (timeEncoding === 1) readTimes(input, times, RESIDUAL_BUCKETS, input.readBits(32));
    else readGridTimes(input, times);
  }
  let values: Float64Array | undefined;
  return { times, values: () => (values ??= readValues(input, layout, allocate(count))), chunk, valuesAt: input.bitsRead };
}

/** Whether the first `bits` bits of `a` and `b` (which holds that many) are the same. */
function sameBits(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const whole = bits >>> 3;
  if (a.length * 8 < bits) return false;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  return rest === 0 || ((a[whole]! ^ b[whole]!) & (0xff00 >>> rest) & 0xff) === 0;
}

const newColumn: ColumnAllocator = (length) => new Float64Array(length);
const EMPTY = new Float64Array(0);

/** Reads the values of a layout 2 or 3 chunk into `values` (as many as it holds), its value encoding first. */
function readValues(input: BitReader, layout: 2 | 3, values: Float64Array): Float64Array {
  const count = values.length;
  const encoding = input.readBits(layout === 2 ? 2 : 3) as ValueEncoding;
  if (encoding === 0) {
    const reader = new XorReader(input);
    for (let i = 0; i < count; i++) values[i] = reader.read();
  } else if (encoding === 3) readRatios(input, values);
  else if (encoding === 4) readPacked(input, input.readBits(4), values);
  else readScaled(input, input.readBits(4), encoding, values);
  return values;
}

/** The times in the shortest time encoding of the layout, with its bits (2 in layout 3, 1 in layout 2; and header) first. */
function shortestTimes(times: readonly number[], layout: 2 | 3): BitWriter {
  const bits = layout === 3 ? 2 : 1;
  let best = new BitWriter();
  best.writeBits(0, bits);
  writeTimes(best, times, DOD_BUCKETS_2);
  const interval = usualInterval(times);
  if (interval === undefined) return best;
  const byInterval = new BitWriter();
  byInterval.writeBits(1, bits);
  byInterval.writeBits(interval, 32);
  writeTimes(byInterval, times, RESIDUAL_BUCKETS, interval);
  if (byInterval.bitLength < best.bitLength) best = byInterval;
  if (layout === 2) return best;
  for (const gridInterval of new Set([interval, spannedInterval(times, interval)])) {
    const byGrid = gridTimes(times, gridInterval);
    if (byGrid !== undefined && byGrid.bitLength < best.bitLength) best = byGrid;
  }
  return best;
}

/**
 * The grid's interval from the time farthest from the first: over many slots a timer's lateness
 * averages out, where the median of single intervals is one or two milliseconds off (and such a grid
 * drifts a millisecond a slot).
 */
function spannedInterval(times: readonly number[], interval: number): number {
  let far = 0;
  for (const time of times) if (Math.abs(time - times[0]!) > Math.abs(far)) far = time - times[0]!;
  const slots = Math.round(Math.abs(far) / interval);
  return slots === 0 ? interval : Math.round(Math.abs(far) / slots);
}

/**
 * Time encoding 2 (see the module comment): each time as its slot on a grid of `interval` from the
 * first time and its deviation from that slot. Undefined where the deviations are too wide to pack
 * or a slot or time would leave the safe integers.
 */
function gridTimes(times: readonly number[], interval: number): BitWriter | undefined {
  if (interval <= 0) return undefined;
  const first = checkedTime(times[0]!);
  const slots = new Array<number>(times.length);
  const deviations = new Array<number>(times.length);
  let [low, high] = [0, 0];
  for (let i = 0; i < times.length; i++) {
    const time = checkedTime(times[i]!);
    const slot = Math.round((time - first) / interval);
    const deviation = time - first - slot * interval;
    if (!Number.isSafeInteger(slot * interval) || !Number.isSafeInteger(deviation) || first + slot * interval + deviation !== time) return undefined;
    if (i > 0 && Math.abs(slot - slots[i - 1]!) >= 2 ** 31) return undefined;
    slots[i] = slot;
    deviations[i] = deviation;
    low = Math.min(low, deviation);
    high = Math.max(high, deviation);
  }
  const width = high - low === 0 ? 0 : Math.ceil(Math.log2(high - low + 1));
  if (width > MAX_GRID_WIDTH || low < -TWO_32) return undefined;
  const out = new BitWriter();
  out.writeBits(2, 2);
  out.writeBits(interval, 32);
  out.writeBit(low < 0 ? 1 : 0);
  out.writeBits(Math.abs(low), 32);
  out.writeBits(width, 5);
  writeAbsoluteTime(out, first);
  for (let i = 1; i < times.length; i++) {
    const step = slots[i]! - slots[i - 1]!;
    if (step === 1) out.writeBit(0);
    else {
      out.writeBit(1);
      out.writeBits(step + 2 ** 31, 32);
    }
    out.writeBits(deviations[i]! - low, width);
  }
  return out;
}

/** Reads times of encoding 2 (see gridTimes) into `times`. */
function readGridTimes(input: BitReader, times: Float64Array): void {
  const interval = input.readBits(32);
  const negative = input.readBit() === 1;
  const magnitude = input.readBits(32);
  const low = negative ? -magnitude : magnitude;
  const width = input.readBits(5);
  const first = readAbsoluteTime(input);
  times[0] = first;
  let slot = 0;
  // A sample on the next slot is `0` and its deviation: read as one number of width + 1 bits, below
  // 2^width when its first bit is 0; otherwise those bits are read again the long way. Reading them
  // ends early exactly where the long way would, since it reads more.
  const together = width < 24 ? width + 1 : 0;
  const nextSlot = 2 ** width;
  for (let i = 1; i < times.length; i++) {
    const code = together === 0 ? nextSlot : input.readBits(together);
    let deviation: number;
    if (code < nextSlot) {
      slot += 1;
      deviation = code;
    } else {
      input.unread(together);
      slot += input.readBit() === 0 ? 1 : input.readBits(32) - 2 ** 31;
      deviation = input.readBits(width);
    }
    times[i] = first + slot * interval + (low + deviation);
  }
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
function readTimes(input: BitReader, times: Float64Array, buckets: readonly number[], interval?: number, afterEach?: () => void): void {
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
