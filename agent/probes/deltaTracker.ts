/**
 * Turns monotonically increasing counters into per-second rates between consecutive samples.
 *
 * A counter that goes down was reset (interface re-created, driver reloaded, 32-bit wrap); as in
 * Prometheus's `rate()`, the increase since the reset is taken to be the new value. The first sample
 * of a series has nothing to compare with and yields no rate.
 */

/** Per-series memory of the last sample. */
export interface DeltaTracker {
  /**
   * Records `value` of series `key` sampled at `atMs` (milliseconds, any monotonic-enough clock) and
   * returns the per-second rate since the previous sample, or undefined for the first sample or when
   * no time has passed.
   */
  rate(key: string, value: number, atMs: number): number | undefined;
  /** Forgets every series not in `keys`, so that vanished interfaces do not accumulate. */
  retainOnly(keys: ReadonlySet<string>): void;
  /** Number of series remembered. */
  size(): number;
}

interface Sample {
  value: number;
  atMs: number;
}

/** Creates an empty tracker; each probe owns its own. */
export function createDeltaTracker(): DeltaTracker {
  const last = new Map<string, Sample>();
  return {
    rate(key, value, atMs) {
      const previous = last.get(key);
      if (previous === undefined) {
        last.set(key, { value, atMs });
        return undefined;
      }
      if (atMs <= previous.atMs) return undefined;
      const increase = value >= previous.value ? value - previous.value : value;
      const rate = increase / ((atMs - previous.atMs) / 1000);
      // The sample is updated in place: no object per series and cycle.
      previous.value = value;
      previous.atMs = atMs;
      return rate;
    },
    retainOnly(keys) {
      for (const key of last.keys()) if (!keys.has(key)) last.delete(key);
    },
    size: () => last.size,
  };
}
