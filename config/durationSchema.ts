/**
 * The schemas of durations in config, rule and rule-test files. In the file a duration is text
 * (`30s`), checked against the duration pattern like any other value, so that a malformed one gets
 * the usual located message (`must be a duration such as 30s, 5m, 4h or 7d, got "5 min"`). When the
 * file is loaded it is decoded to milliseconds (decodeTransforms.ts), so the loaded value's type has
 * a `DurationMs` where the file has text, and nothing past the loader parses a duration. Limits the
 * pattern cannot state (longer than zero, a range) are checked as it is decoded, with the text as
 * written in the message; the value is decoded all the same, so that the checks that run after
 * decoding see every duration as a number and the file's other problems are reported with it.
 */
import { Type, type TString, type TTransform } from '@sinclair/typebox';
import { DecodePlanKind, RefusalKind } from './decodeTransforms.js';
import type { DecodePlan } from './decodePlan.js';
import { DURATION_HINT, DURATION_PATTERN, parseDurationMs, type DurationMs } from './duration.js';
import { durationRefusal, type DurationLimits, type Refusal } from './durationLimits.js';

/** What a duration setting accepts beyond the pattern (its limits), and how it is documented. */
export interface DurationOptions extends DurationLimits {
  /** The default, as text: `'30s'`. */
  default?: string;
  description?: string;
}

/** A duration setting: text in the file, a DurationMs once loaded. */
export type TDuration = TTransform<TString, DurationMs>;

/**
 * A duration setting (see the module comment for what is checked where). Its limits are kept on the
 * schema as data too (DecodePlanKind), for the decode plan generated at build time (decodePlan.ts).
 */
export function Duration(options: DurationOptions = {}): TDuration {
  const { positive, range, code, ...annotations } = options;
  const text = Type.String({ pattern: DURATION_PATTERN, patternHint: DURATION_HINT, ...annotations, ...(code === undefined ? {} : { issueCode: code }) });
  const limits: DurationLimits = { ...(positive ? { positive } : {}), ...(range === undefined ? {} : { range }), ...(code === undefined ? {} : { code }) };
  const refusal = durationRefusal(limits);
  const plan: DecodePlan = { duration: limits };
  const schema = Object.assign(Type.Transform(text).Decode(parseDurationMs).Encode(durationText), { [DecodePlanKind]: plan });
  return refusal === undefined ? schema : Object.assign(schema, { [RefusalKind]: refusal });
}

/** A limit that is either a duration or a count of an interval the reader knows (a series' own sample spacing). */
export type DurationOrIntervals = { ms: DurationMs } | { intervals: number };

const INTERVALS = /^\s*(\d+)\s*intervals?\s*$/;
const DURATION_OR_INTERVALS_PATTERN = `^\\s*(\\d+\\s*intervals?|${DURATION_PATTERN.slice(1, -1)})\\s*$`;

/**
 * A setting written as a duration (`2m`) or as a count of intervals (`3 intervals`); `hint` says
 * what it is in the message for anything else (`must be <hint>, got "three intervals"`). Zero is
 * refused in either form: no interval with `must be at least 1 interval`, no time with the hint.
 */
export function DurationOrIntervals(hint: string): TTransform<TString, DurationOrIntervals> {
  const refusal: Refusal = (written) => {
    const limit = decodeLimit(String(written));
    if ('intervals' in limit) return limit.intervals < 1 ? 'must be at least 1 interval' : undefined;
    return limit.ms > 0 ? undefined : `must be ${hint}, got ${JSON.stringify(written)}`;
  };
  const schema = Type.Transform(Type.String({ pattern: DURATION_OR_INTERVALS_PATTERN, patternHint: hint }))
    .Decode(decodeLimit)
    .Encode((limit) => ('ms' in limit ? durationText(limit.ms) : `${limit.intervals} intervals`));
  return Object.assign(schema, { [RefusalKind]: refusal });
}

/** `3 intervals` or a duration; throws for anything else. */
function decodeLimit(written: string): DurationOrIntervals {
  const intervals = INTERVALS.exec(written);
  return intervals ? { intervals: Number(intervals[1]) } : { ms: parseDurationMs(written) };
}

const UNITS = [['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const;

/** `ms` as text that decodes back to it: in the largest unit that divides it, else in ms. */
function durationText(ms: DurationMs): string {
  if (ms === 0) return '0s';
  const [unit, size] = UNITS.find(([, size]) => ms % size === 0) ?? ['ms', 1];
  return `${ms / size}${unit}`;
}
