/** The delta tracker: first sample, steady counting, resets, clock oddities, forgetting series. */
import { describe, expect, it } from 'vitest';
import { createDeltaTracker } from '../../agent/probes/deltaTracker.js';

describe('createDeltaTracker', () => {
  it.each([
    // First sample: nothing to compare with.
    { samples: [[1000, 0]], expected: [undefined] },
    // Normal: 500 units over 10 s.
    { samples: [[1000, 0], [1500, 10_000]], expected: [undefined, 50] },
    // Normal, uneven intervals: 100 over 2 s, then 300 over 3 s.
    { samples: [[0, 0], [100, 2_000], [400, 5_000]], expected: [undefined, 50, 100] },
    // Idle counter: no increase is a rate of 0, not undefined.
    { samples: [[7, 0], [7, 1_000]], expected: [undefined, 0] },
    // Counter reset (interface re-created): increase since reset is the new value, 200 over 4 s.
    { samples: [[1_000_000, 0], [200, 4_000]], expected: [undefined, 50] },
    // Reset then normal again: 50 over 1 s after the reset sample.
    { samples: [[900, 0], [100, 1_000], [150, 2_000]], expected: [undefined, 100, 50] },
    // Same timestamp twice: no rate, and the baseline stays the first sample.
    { samples: [[10, 1_000], [20, 1_000], [30, 2_000]], expected: [undefined, undefined, 20] },
  ])('$samples -> $expected', ({ samples, expected }) => {
    const tracker = createDeltaTracker();
    expect(samples.map(([value, atMs]) => tracker.rate('eth0', value!, atMs!))).toEqual(expected);
  });

  it('keeps series apart', () => {
    const tracker = createDeltaTracker();
    tracker.rate('a', 0, 0);
    tracker.rate('b', 1000, 0);
    expect(tracker.rate('a', 10, 1000)).toBe(10);
    expect(tracker.rate('b', 3000, 1000)).toBe(2000);
  });

  it('forgets series that are no longer seen, so they restart as first samples', () => {
    const tracker = createDeltaTracker();
    tracker.rate('veth1', 5, 0);
    tracker.rate('eth0', 5, 0);
    tracker.retainOnly(new Set(['eth0']));
    expect(tracker.size()).toBe(1);
    expect(tracker.rate('veth1', 10, 1000)).toBeUndefined();
    expect(tracker.rate('eth0', 10, 1000)).toBe(5);
  });
});
