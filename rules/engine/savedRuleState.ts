/**
 * The text a rule state is saved as (the store's `rule_states.state`): the state's JSON, with its
 * window or prediction buffer (SeriesMemory.recent) packed into one base64 string instead of two
 * columns of JSON numbers.
 *
 * Why: a running fleet writes each host's 13 window and prediction states once a minute (the
 * checkpoint of latest-sample-only changes, collector/alerting/alertPipeline.ts), and a full
 * prediction buffer is 64 points: as JSON 1.5-2 kB, digits of times and values that JSON.stringify
 * formats one by one (about 17 µs a full prediction state here). With every state written at each
 * report (`node --expose-gc dist/bench/ingestHeap.js --agents 1000 --reports 300 --interval 300`),
 * leaving the buffers out of the text altogether took the ingest path from 474 to 262 µs a report
 * (one run each, under load): the buffers' JSON and the pages it filled were nearly half of it.
 * Packed, a full prediction buffer is 836 bytes (1,116 of base64), made in about 3 µs without
 * formatting a number; README ("Saving rule states") has the figures.
 *
 * Exact where JSON was not: a NaN, an Infinity or a -0 comes back as itself (JSON made the first
 * two null, the last 0). A null in a buffer read from a state saved before packing (a NaN, then) is
 * packed as NaN. States saved as plain JSON before this still read as they were; the store's schema
 * version moved with this format, so an older release refuses a database that may hold packed
 * buffers instead of misreading them.
 *
 * The packed bytes (little-endian), in this order so that every double is 8-byte aligned:
 *   u8 format (PACKED_FORMAT), u8 flags (SUMS, TIMES_AS_DOUBLES), u16 0, u32 n (points)
 *   n x f64  values, oldest first
 *   7 x f64  fit sums (originMs, originValue, x, y, xx, xy, updates), with SUMS only
 *   times:   n x f64 with TIMES_AS_DOUBLES; otherwise, with n > 0, f64 the oldest point's time and
 *            (n - 1) x u32 the milliseconds from each point to the next (times in a buffer only grow,
 *            and are whole milliseconds, as reports give them: any that are not are saved as doubles)
 */
import { Buffer } from 'node:buffer';
import type { FitSums, RecentSamples, RuleState } from '../model/ruleTypes.js';
import { OWN_ORIGIN_MS, OWN_XY, recentPoints } from './recentPoints.js';

/** A buffer as saved: the packed bytes in base64. */
export interface PackedRecentSamples {
  packed: string;
}

/** The packed layout's version (its first byte): a reader refuses any other. */
const PACKED_FORMAT = 1;
/** Flags (second byte): fit sums follow the values; every time is a double (no deltas). */
const SUMS = 1;
const TIMES_AS_DOUBLES = 2;
const HEADER_BYTES = 8;
const SUMS_COUNT = 7;
const MAX_DELTA_MS = 0xffff_ffff;

/**
 * The text `state` is saved as: its JSON, with `recent` packed (last among its fields). The state's
 * other fields go through JSON.stringify; the packed buffer, base64 that needs no escaping, is
 * added to that text rather than stringified again.
 */
export function ruleStateText(state: RuleState): string {
  if (state.recent === undefined || state.recent === null) return JSON.stringify(state);
  const rest = JSON.stringify({ ...state, recent: undefined });
  return `${rest.length > 2 ? `${rest.slice(0, -1)},` : '{'}"recent":{"packed":"${packRecent(state.recent)}"}}`;
}

/**
 * A state from its saved text: packed buffers are unpacked into two columns (RecentSamples, as
 * JSON gave them before packing); states saved before packing are read as they are. Throws
 * a MalformedRuleStateError when a packed buffer is not one this release writes.
 */
export function parseRuleStateText(text: string): RuleState {
  const state = JSON.parse(text) as RuleState;
  const recent = state.recent as unknown;
  if (typeof recent === 'object' && recent !== null && 'packed' in recent) state.recent = unpackRecent((recent as PackedRecentSamples).packed);
  return state;
}

/** A packed buffer that is not one this release writes: its rule state cannot be read. */
export class MalformedRuleStateError extends Error {
  constructor(problem: string) {
    super(`a saved rule state's packed buffer (recent.packed) ${problem}`);
    this.name = 'MalformedRuleStateError';
  }
}

/** `recent`'s points and sums, packed in base64 (the layout above). */
export function packRecent(recent: RecentSamples): string {
  const points = recentPoints(recent);
  if (points === undefined) return packColumns(0, [], [], 0, 0, NaN, NaN, undefined, 0);
  return packColumns(points.length, points.sharedAtMs, points.sharedValues, points.start, points.end, points.newestAtMs, points.newestValue, points.hasSums ? points.own : undefined, points.fitUpdates);
}

/**
 * Packs `n` points: [start, end) of the columns, then the newest point (none when `n` is 0), and
 * the sums in `own` (RecentPoints.own, from OWN_ORIGIN_MS) if given. Reads the columns directly: a
 * full prediction buffer packs in about 3 µs where JSON.stringify of its state took about 17.
 */
function packColumns(n: number, atMs: readonly number[], values: readonly number[], start: number, end: number, newestAtMs: number, newestValue: number, own: readonly number[] | undefined, fitUpdates: number): string {
  let wholeSteps = true;
  for (let i = start; i < end && wholeSteps; i++) wholeSteps = isWholeStep(atMs[i]!, i + 1 < end ? atMs[i + 1]! : newestAtMs);
  const timeBytes = n === 0 ? 0 : wholeSteps ? 8 + 4 * (n - 1) : 8 * n;
  const bytes = new ArrayBuffer(HEADER_BYTES + 8 * n + (own ? 8 * SUMS_COUNT : 0) + timeBytes);
  const view = new DataView(bytes);
  view.setUint8(0, PACKED_FORMAT);
  view.setUint8(1, (own ? SUMS : 0) | (wholeSteps ? 0 : TIMES_AS_DOUBLES));
  view.setUint32(4, n, true);
  let at = HEADER_BYTES;
  if (n > 0) {
    for (let i = start; i < end; i++, at += 8) view.setFloat64(at, numberOrNaN(values[i]), true);
    view.setFloat64(at, numberOrNaN(newestValue), true);
    at += 8;
  }
  if (own) {
    for (let i = OWN_ORIGIN_MS; i <= OWN_XY; i++, at += 8) view.setFloat64(at, own[i]!, true);
    view.setFloat64(at, fitUpdates, true);
    at += 8;
  }
  if (n > 0 && wholeSteps) {
    view.setFloat64(at, start < end ? atMs[start]! : newestAtMs, true);
    at += 8;
    for (let i = start; i < end; i++, at += 4) view.setUint32(at, (i + 1 < end ? atMs[i + 1]! : newestAtMs) - atMs[i]!, true);
  } else if (n > 0) {
    for (let i = start; i < end; i++, at += 8) view.setFloat64(at, atMs[i]!, true);
    view.setFloat64(at, newestAtMs, true);
  }
  return Buffer.from(bytes).toString('base64');
}

/** The points and sums of a packed buffer, as two columns; throws MalformedRuleStateError. */
export function unpackRecent(packed: unknown): RecentSamples {
  if (typeof packed !== 'string') throw new MalformedRuleStateError(`is ${packed === null ? 'null' : typeof packed}, not a base64 string`);
  const bytes = Buffer.from(packed, 'base64');
  if (bytes.length < HEADER_BYTES) throw new MalformedRuleStateError(`has ${bytes.length} bytes, fewer than its ${HEADER_BYTES}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = view.getUint8(0);
  if (format !== PACKED_FORMAT) throw new MalformedRuleStateError(`has format ${format}; this release reads format ${PACKED_FORMAT} (written by a newer release?)`);
  const flags = view.getUint8(1);
  if ((flags & ~(SUMS | TIMES_AS_DOUBLES)) !== 0) throw new MalformedRuleStateError(`has unknown flags ${flags}`);
  const n = view.getUint32(4, true);
  const hasSums = (flags & SUMS) !== 0;
  const wholeSteps = (flags & TIMES_AS_DOUBLES) === 0;
  const expected = HEADER_BYTES + 8 * n + (hasSums ? 8 * SUMS_COUNT : 0) + (n === 0 ? 0 : wholeSteps ? 8 + 4 * (n - 1) : 8 * n);
  if (bytes.length !== expected) throw new MalformedRuleStateError(`has ${bytes.length} bytes where ${n} points${hasSums ? ' and fit sums' : ''} take ${expected}`);
  let at = HEADER_BYTES;
  const values = new Array<number>(n);
  for (let k = 0; k < n; k++, at += 8) values[k] = view.getFloat64(at, true);
  let sums: FitSums | undefined;
  if (hasSums) {
    const s = new Array<number>(SUMS_COUNT);
    for (let i = 0; i < SUMS_COUNT; i++, at += 8) s[i] = view.getFloat64(at, true);
    sums = { originMs: s[0]!, originValue: s[1]!, x: s[2]!, y: s[3]!, xx: s[4]!, xy: s[5]!, updates: s[6]! };
  }
  const atMs = new Array<number>(n);
  if (n > 0 && wholeSteps) {
    atMs[0] = view.getFloat64(at, true);
    at += 8;
    for (let k = 1; k < n; k++, at += 4) atMs[k] = atMs[k - 1]! + view.getUint32(at, true);
  } else for (let k = 0; k < n; k++, at += 8) atMs[k] = view.getFloat64(at, true);
  return sums === undefined ? { atMs, values } : { atMs, values, sums };
}

/**
 * Whether the step from a point's time to the next is a whole number of milliseconds a u32 holds,
 * and adding it back gives the same double (true for whole times; checked for any other).
 */
function isWholeStep(fromMs: number, toMs: number): boolean {
  const step = toMs - fromMs;
  return Number.isInteger(step) && step >= 0 && step <= MAX_DELTA_MS && fromMs + step === toMs;
}

/** A value of a buffer; a null (a NaN that JSON saved before packing) is NaN. */
function numberOrNaN(value: number | null | undefined): number {
  return value === null || value === undefined ? NaN : value;
}
