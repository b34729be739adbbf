/**
 * Reading a duration setting of a rule entry that must be longer than zero (a window, a horizon, a
 * staleness limit). The loader decoded it to milliseconds (`Duration({ positive: true })` in the
 * kind's schema) and reported a malformed or zero one, located; the kind only takes the value.
 */

/** The seconds of a decoded duration longer than zero; undefined for one the loader reported. */
export function positiveSeconds(decoded: unknown): number | undefined {
  return typeof decoded === 'number' && decoded > 0 ? decoded / 1000 : undefined;
}
