/** The per-desk token bucket, stepped through time by hand. */
import { describe, expect, it } from 'vitest';
import { createTokenBucket } from '../../collector/desk/tokenBucket.js';

describe('token bucket', () => {
  it('allows a burst, then one call per 1/rate, never more than the burst after a quiet spell', () => {
    let now = 0;
    const bucket = createTokenBucket({ perMinute: 60, burst: 3 }, { nowMs: () => now });
    const takes = () => [bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()];
    expect(takes()).toEqual([true, true, true, false]); // the burst, then empty
    expect(bucket.waitMs()).toBe(1000); // 60/min = one a second
    now += 999;
    expect(bucket.tryTake()).toBe(false); // not yet
    now += 1;
    expect(bucket.tryTake()).toBe(true); // one second later: one token
    now += 3_600_000;
    expect(takes()).toEqual([true, true, true, false]); // an hour of quiet still buys only the burst
  });
});
