/**
 * Durations as humans write them in config and rule files, on the command line and in API bodies:
 * `500ms`, `15s`, `5m`, `4h`, `7d`, `1w`, or combined like `1h30m`. This module is the one home of
 * that grammar: config and rule files decode their durations at load (durationSchema.ts), and a
 * command-line flag or an API body goes through `parseDurationMs` at its boundary; past those points
 * every duration is a `DurationMs`.
 */

/** JSON-schema pattern accepted wherever a duration is expected. */
export const DURATION_PATTERN = '^(\\d+(\\.\\d+)?(ms|s|m|h|d|w))+$';

/** How a duration is described in error messages. */
export const DURATION_HINT = 'a duration such as 30s, 5m, 4h or 7d';

declare const durationUnit: unique symbol;

/**
 * A duration in milliseconds, as config and rule files hold them once loaded. Branded so that a
 * count of seconds cannot be passed where milliseconds are meant; it reads as a plain number.
 */
export type DurationMs = number & { readonly [durationUnit]: 'ms' };

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = new RegExp(DURATION_PATTERN);

/** Parses a duration to milliseconds; throws a RangeError naming the input when it is malformed. */
export function parseDurationMs(text: string): DurationMs {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) {
    throw new RangeError(`"${text}" is not a duration (expected e.g. 30s, 5m, 4h, 7d, 1h30m)`);
  }
  let total = 0;
  for (const match of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  return total as DurationMs;
}

/** Formats seconds compactly (`90` -> `1m30s`) for messages and summaries. */
export function formatDuration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('') || '0s';
}
