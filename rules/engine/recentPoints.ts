/**
 * The in-memory form of a window or prediction buffer (RecentSamples): a persistent, append-only
 * buffer that shares its points with the buffers before and after it, as Go slices share a backing
 * array. appendRecent (recentSamples.ts) says which points a buffer keeps and copies them all with
 * every sample; a RecentPoints keeps the same points without copying them:
 *
 * - the points before the newest are [start, end) of two columns (`sharedAtMs`, `sharedValues`)
 *   shared by a line of buffers; the newest point is held outside them;
 * - a sample that replaces the newest point (thinning) makes a new buffer over the same range;
 * - a sample that appends writes the old newest point at `end` of the columns, but only if that slot
 *   is still free (a hole: no buffer has appended past this one yet); otherwise (a branch: a buffer
 *   appended to a second time, as when the collector rolls a batch back and evaluates the old state
 *   again) it copies its kept points into columns of its own;
 * - points that leave the window advance `start`; when the columns are full, the kept points are
 *   copied into new ones with room for more (roomFor: fewer slots for buffers that append less often
 *   than they take samples), and the points before `start` are left behind;
 * - the series of one rule share a times column where they have the same times (SharedTimes): a
 *   times slot that already holds the point's time counts as free, the values are each series' own.
 *
 * So an older buffer never sees a change: it reads only [start, end) and its own newest point, which
 * nothing writes again. evaluate stays observably pure, and a rolled-back batch needs no undo.
 * Columns that a caller froze (with the state that holds them) are never written either: a buffer
 * over them copies. Saved as RecentSamples (toJSON: the points as two columns, and the sums if any),
 * as before; a structured clone (own fields only) is read back by recentPoints.
 */
import type { FitSums, RecentSamples } from '../model/ruleTypes.js';

export class RecentPoints implements RecentSamples {
  constructor(
    /**
     * The times of the points before the newest are [start, end) of these; shared, never rewritten.
     * Holes past the last point written (room for points to come).
     */
    readonly sharedAtMs: number[],
    /** Their values, beside sharedAtMs (the two columns always have the same length and holes). */
    readonly sharedValues: number[],
    readonly start: number,
    readonly end: number,
    /**
     * The buffer's own numbers, never written after it is made: the newest point's time and value,
     * then, for predictions, the fit sums (originMs, originValue, x, y, xx, xy: ownWithSums). One
     * array of doubles, because each number field of an object is a heap number of its own (16
     * bytes, and 8 for the field): as fields and a FitSums object these took 288 bytes a buffer, as
     * this array 184.
     */
    readonly own: readonly number[],
    /** Predictions: FitSums.updates of the sums in `own` (0 without sums). */
    readonly fitUpdates: number,
  ) {}

  /** The time of the newest point. */
  get newestAtMs(): number {
    return this.own[0]!;
  }

  /** The value of the newest point. */
  get newestValue(): number {
    return this.own[1]!;
  }

  /** Whether `own` holds fit sums (a prediction's buffer). */
  get hasSums(): boolean {
    return this.own.length === OWN_WITH_SUMS;
  }

  /** Predictions: the running sums of the fit over these points (kinds/predict.ts); a new object. */
  get sums(): FitSums | undefined {
    const own = this.own;
    if (own.length !== OWN_WITH_SUMS) return undefined;
    return { originMs: own[OWN_ORIGIN_MS]!, originValue: own[OWN_ORIGIN_VALUE]!, x: own[OWN_X]!, y: own[OWN_Y]!, xx: own[OWN_XX]!, xy: own[OWN_XY]!, updates: this.fitUpdates };
  }

  /** The number of points, the newest included. */
  get length(): number {
    return this.end - this.start + 1;
  }

  /** The time of the oldest point (the newest's when it is the only one). */
  get oldestAtMs(): number {
    return this.end > this.start ? this.sharedAtMs[this.start]! : this.newestAtMs;
  }

  /** The times of the points, oldest first: a new array (for the saved form and for tests). */
  get atMs(): number[] {
    const times = this.sharedAtMs.slice(this.start, this.end);
    times.push(this.newestAtMs);
    return times;
  }

  /** The values of the points, oldest first: a new array. */
  get values(): number[] {
    const values = this.sharedValues.slice(this.start, this.end);
    values.push(this.newestValue);
    return values;
  }

  toJSON(): RecentSamples {
    const sums = this.sums;
    return sums === undefined ? { atMs: this.atMs, values: this.values } : { atMs: this.atMs, values: this.values, sums };
  }
}

/** The length of RecentPoints.own with fit sums: the newest point, then originMs, originValue, x, y, xx, xy. */
const OWN_WITH_SUMS = 8;

/** Where ownWithSums puts each fit sum in RecentPoints.own (after the newest point's time and value). */
export const OWN_ORIGIN_MS = 2;
export const OWN_ORIGIN_VALUE = 3;
export const OWN_X = 4;
export const OWN_Y = 5;
export const OWN_XX = 6;
export const OWN_XY = 7;

/** A window's own numbers (RecentPoints.own): the newest point. */
export function ownPoint(atMs: number, value: number): number[] {
  return [atMs, value];
}

/** A prediction's own numbers (RecentPoints.own): the newest point, then the fit sums but their count of updates. */
export function ownWithSums(atMs: number, value: number, originMs: number, originValue: number, x: number, y: number, xx: number, xy: number): number[] {
  return [atMs, value, originMs, originValue, x, y, xx, xy];
}

/** A buffer of one point (a new series, or after a gap longer than the window); `own` as RecentPoints.own. */
export function singlePoint(own: readonly number[], fitUpdates: number): RecentPoints {
  return new RecentPoints([], [], 0, 0, own, fitUpdates);
}

/**
 * `recent` as RecentPoints: itself, a structured clone of one (which lost its class), or a saved
 * buffer (JSON: plain columns, copied once so that the caller's arrays are never written).
 * Undefined for no buffer or an empty one.
 */
export function recentPoints(recent: RecentSamples | undefined): RecentPoints | undefined {
  if (recent === undefined || recent instanceof RecentPoints) return recent;
  if ('sharedAtMs' in recent) {
    const copy = recent as unknown as RecentPoints;
    return new RecentPoints(copy.sharedAtMs, copy.sharedValues, copy.start, copy.end, copy.own, copy.fitUpdates);
  }
  const { atMs, values } = recent;
  const n = atMs.length;
  if (n === 0) return undefined;
  const { sums } = recent;
  return new RecentPoints(atMs.slice(0, n - 1), values.slice(0, n - 1), 0, n - 1, savedOwn(atMs[n - 1]!, values[n - 1]!, sums ?? undefined), sums ? sums.updates : 0);
}

/**
 * RecentPoints.own of a saved buffer, as saved: a NaN comes back from JSON as null, which stays null
 * (as it does in the columns). Its own array literals, so that such a null makes only these arrays
 * hold boxed elements, not every buffer's (V8 learns an array literal's kind of elements per literal).
 */
function savedOwn(atMs: number, value: number, sums: FitSums | undefined): number[] {
  return sums === undefined ? [atMs, value] : [atMs, value, sums.originMs, sums.originValue, sums.x, sums.y, sums.xx, sums.xy];
}

/**
 * What appending a sample at `atMs` does to `prior` (appendRecent's rule): the points older than
 * `atMs - windowMs` go, the sample replaces the newest point when it follows the one before it by
 * less than window / maxPoints, and at most maxPoints stay. Returned as one number (no allocation
 * on the hot path): the index of the first point kept (keptFrom) and whether the newest is replaced
 * (replacesNewest). The points kept before the sample are [keptFrom, length - 1) when it replaces
 * the newest, else [keptFrom, length).
 */
export function planAppend(prior: RecentPoints, atMs: number, windowMs: number, maxPoints: number): number {
  const { sharedAtMs, start, end } = prior;
  const n = end - start + 1;
  const from = atMs - windowMs;
  let first = 0;
  while (first < n - 1 && sharedAtMs[start + first]! < from) first++;
  if (first === n - 1 && prior.newestAtMs < from) first = n;
  const kept = n - first;
  const replaces = kept >= 2 && atMs - sharedAtMs[end - 1]! < windowMs / maxPoints;
  const length = replaces ? kept : kept + 1;
  return (first + Math.max(0, length - maxPoints)) * 2 + (replaces ? 1 : 0);
}

/** The first point of `prior` that a plan keeps. */
export function keptFrom(plan: number): number {
  return plan >>> 1;
}

/** Whether a plan replaces the newest point of `prior`. */
export function replacesNewest(plan: number): boolean {
  return (plan & 1) === 1;
}

/**
 * New columns have room for points to come: a quarter of the points they start with, as many as the
 * buffer appends in the time it takes a quarter of its points. So a window, which appends every
 * sample, copies its points once per quarter of them appended (4 points copied per point appended,
 * where appendRecent copied them all), and holds 1.25 times its points (arrays grown by push held
 * 1.5 times as many and 16 more: over the default pack, 30 % more heap than the exact arrays
 * appendRecent made, 14 % with this room; a half: 30 %, an eighth: 5 % but 15 % slower). A buffer
 * thinned to one point per window / maxPoints appends less often than it takes samples (a prediction
 * over 15 s samples: one sample in 22 for a 6-hour window, one in 90 for a day) and gets as much
 * less room, at least one slot (roomFor): it copies no more points per sample than a window of as
 * many points does, and a full 6-hour or 1-day prediction holds 1 free slot in each column instead
 * of 16 (120 bytes less per column: each filesystem's values and each host's shared times).
 */
const ROOM_DIVISOR = 4;

/**
 * The free slots of new columns that start with `live` points, the oldest at `oldestAtMs`, for a
 * buffer whose newest point `newestAtMs` is followed by a sample at `atMs`: a quarter of `live`,
 * times the share of samples the buffer appends, which its points tell: the step from its newest
 * point to the sample over the mean step between its points (the sample included). At least one,
 * so that the series of a rule can go on in the times column made last (SharedTimes).
 */
function roomFor(live: number, oldestAtMs: number, newestAtMs: number, atMs: number): number {
  const meanStepMs = (atMs - oldestAtMs) / live;
  const appendShare = meanStepMs > 0 ? Math.min(1, (atMs - newestAtMs) / meanStepMs) : 1;
  const room = Math.ceil((live / ROOM_DIVISOR) * appendShare);
  // Not `Math.max(1, room)`: a NaN (times that are not finite) is 1 too.
  return room >= 1 ? room : 1;
}

/**
 * The times column a rule's buffers made last (per compiled rule: a window or predict kind makes one
 * for its reader). The series of one host report at the same times, and a rule keeps the same points
 * of each (thinning depends on the times alone), so the four filesystems of a host have the same
 * times column under each prediction: applyAppend shares the one made last instead of copying an
 * equal one, and a buffer appends to a times column whose next slot already holds its point's time as
 * it would to a hole (the slot keeps what it holds; each buffer's values are its own). In a fleet's
 * steady state (64 points a prediction) that is about 1 kB less per filesystem and prediction, minus one.
 */
export interface SharedTimes {
  times: number[] | undefined;
}

/** A rule's SharedTimes, empty. */
export function sharedTimes(): SharedTimes {
  return { times: undefined };
}

/**
 * The buffer after `plan` (from planAppend over `prior`): the kept points of `prior`, then the
 * sample, whose time and value begin `own` (RecentPoints.own: ownPoint or ownWithSums). With
 * `shared`, new columns take the rule's last times column when it holds the same times.
 */
export function applyAppend(prior: RecentPoints, plan: number, own: readonly number[], fitUpdates: number, shared?: SharedTimes): RecentPoints {
  const { sharedAtMs, sharedValues, start, end } = prior;
  const first = start + keptFrom(plan);
  if (replacesNewest(plan)) return new RecentPoints(sharedAtMs, sharedValues, first, end, own, fitUpdates);
  if (first > end) return singlePoint(own, fitUpdates);
  // The old newest point joins the shared columns at `end`: in place when that slot is still free (a
  // hole: no buffer has appended past this one; in the times column, a slot that holds this time
  // already, written by a series that shares the column) and the columns are not frozen.
  const newestAtMs = prior.newestAtMs;
  if (end < sharedAtMs.length && sharedValues[end] === undefined && (sharedAtMs[end] === undefined || sharedAtMs[end] === newestAtMs) && Object.isExtensible(sharedAtMs) && Object.isExtensible(sharedValues)) {
    sharedAtMs[end] = newestAtMs;
    sharedValues[end] = prior.newestValue;
    return new RecentPoints(sharedAtMs, sharedValues, first, end + 1, own, fitUpdates);
  }
  // The columns are full, go on past `end` (a branch) or are frozen: new columns with the kept points
  // and room, or the rule's last times column where it holds the same times (from `at` on) with room.
  const live = end + 1 - first;
  let times = shared?.times;
  let at = times === undefined ? -1 : offsetOfTimes(times, sharedAtMs, first, end, newestAtMs);
  if (times === undefined || at < 0) {
    times = new Array<number>(live + roomFor(live, first < end ? sharedAtMs[first]! : newestAtMs, newestAtMs, own[0]!));
    for (let i = first; i < end; i++) times[i - first] = sharedAtMs[i]!;
    times[live - 1] = newestAtMs;
    at = 0;
    if (shared !== undefined) shared.times = times;
  }
  const values = new Array<number>(times.length);
  for (let i = first; i < end; i++) values[at + i - first] = sharedValues[i]!;
  values[at + live - 1] = prior.newestValue;
  return new RecentPoints(times, values, at, at + live, own, fitUpdates);
}

/**
 * Where [first, end) of `atMs` and then `newestAtMs` begin in `times` with a free slot after them (a
 * hole, or the time of a point to come), or -1. The times of a column only grow, so the search
 * stops at the first time not below the first point's.
 */
function offsetOfTimes(times: readonly number[], atMs: readonly number[], first: number, end: number, newestAtMs: number): number {
  const oldest = first < end ? atMs[first]! : newestAtMs;
  let at = 0;
  while (at < times.length && times[at]! < oldest) at++;
  const live = end + 1 - first;
  if (at + live >= times.length || times[at + live - 1] !== newestAtMs) return -1;
  for (let i = first; i < end; i++) if (times[at + i - first] !== atMs[i]) return -1;
  return at;
}

/** appendRecent's buffer after a sample, as RecentPoints, sharing what it can with `prior` (no sums) and, with `shared`, with the rule's other series. */
export function appendPoint(prior: RecentSamples | undefined, atMs: number, value: number, windowMs: number, maxPoints: number, shared?: SharedTimes): RecentPoints {
  const points = recentPoints(prior);
  if (points === undefined) return singlePoint(ownPoint(atMs, value), 0);
  return applyAppend(points, planAppend(points, atMs, windowMs, maxPoints), ownPoint(atMs, value), 0, shared);
}
