/**
 * What a duration setting accepts beyond its pattern (durationSchema.ts), as data and as the check
 * itself, without TypeBox: the schema's transform (decodeTransforms.ts) and the decode plan generated
 * from it (decodePlan.ts) refuse a value with the same words.
 */
import type { ErrorCode } from '../contract/errorCatalogue.js';
import { parseDurationMs } from './duration.js';

/** The limits of one duration setting. */
export interface DurationLimits {
  /** Refuses zero: `must be longer than 0, got "0s"`. */
  positive?: boolean;
  /** The shortest and longest duration accepted, as text: `{ min: '1s', max: '1d' }`. */
  range?: { min: string; max: string };
  /** The stable code of the issues a refused value gives (see YamlIssue.code). */
  code?: ErrorCode;
}

/** Why a value that can be read is refused, or undefined when it is accepted. */
export type Refusal = (written: unknown) => string | undefined;

/** The refusal of a duration setting with `limits`, or undefined when it has none. */
export function durationRefusal({ positive = false, range }: DurationLimits): Refusal | undefined {
  if (!positive && range === undefined) return undefined;
  const bounds = range && { min: parseDurationMs(range.min), max: parseDurationMs(range.max) };
  return (written) => {
    const ms = parseDurationMs(String(written));
    if (positive && ms <= 0) return `must be longer than 0, got ${JSON.stringify(written)}`;
    if (bounds && (ms < bounds.min || ms > bounds.max)) return `"${String(written)}" is outside ${bounds.min / 1000}s..${bounds.max / 1000}s`;
    return undefined;
  };
}
