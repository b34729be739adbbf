/**
 * Durations as humans write them in config and rule files: `500ms`, `15s`, `5m`, `4h`, `7d`, `1w`,
 * or combined like `1h30m`. Parsed to seconds.
 */

/** JSON-schema pattern accepted wherever a duration is expected. */
export const DURATION_PATTERN = '^(\\d+(\\.\\d+)?(ms|s|m|h|d|w))+$';

/** How a duration is described in error messages. */
export const DURATION_HINT = 'a duration such as 30s, 5m, 4h or 7d';

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Parses a duration string to seconds; throws a RangeError naming the input when malformed. */
export function parseDurationSeconds(text: string): number {
  const trimmed = text.trim();
  if (!new RegExp(DURATION_PATTERN).test(trimmed)) {
    throw new RangeError(`"${text}" is not a duration (expected e.g. 30s, 5m, 4h, 7d, 1h30m)`);
  }
  let total = 0;
  for (const match of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) {
    total += Number(match[1]) * UNIT_SECONDS[match[2]!]!;
  }
  return total;
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
