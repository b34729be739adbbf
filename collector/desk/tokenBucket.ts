/**
 * A token bucket: at most `perMinute` calls a minute on average, in bursts of at most `burst`.
 * The outbox worker keeps one per desk, so a backlog after an outage drains at a pace the desk
 * accepts instead of earning a wall of 429s.
 */
export interface TokenBucket {
  /** Takes a token if one is there; false means "not now". */
  tryTake(): boolean;
  /** Milliseconds until the next token. */
  waitMs(): number;
}

export function createTokenBucket(options: { perMinute: number; burst: number }, clock: { nowMs(): number }): TokenBucket {
  const perMs = options.perMinute / 60_000;
  let tokens = options.burst;
  let lastMs = clock.nowMs();
  const refill = () => {
    const now = clock.nowMs();
    tokens = Math.min(options.burst, tokens + (now - lastMs) * perMs);
    lastMs = now;
  };
  return {
    tryTake() {
      refill();
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    waitMs() {
      refill();
      return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / perMs);
    },
  };
}

/**
 * One bucket per desk from its `rateLimitPerMinute`, bursting up to ten seconds' worth; the
 * outbox worker and the sync worker share them, since the desk's limit counts every call.
 */
export function createDeskRateLimits(limits: Iterable<readonly [desk: string, perMinute: number]>, clock: { nowMs(): number }): Map<string, TokenBucket> {
  return new Map([...limits].map(([desk, perMinute]) => [desk, createTokenBucket({ perMinute, burst: Math.max(1, Math.ceil(perMinute / 6)) }, clock)] as const));
}
