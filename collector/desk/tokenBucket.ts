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
  return new Bucket(options.perMinute / 60_000, options.burst, clock);
}

/**
 * Fields and shared methods rather than closures: the report rate limiter keeps one bucket per
 * agent id (10,000 and more), and four closures with their context cost 700 bytes a bucket.
 */
class Bucket implements TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    private readonly perMs: number,
    private readonly burst: number,
    private readonly clock: { nowMs(): number },
  ) {
    this.tokens = burst;
    this.lastMs = clock.nowMs();
  }

  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  waitMs(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.perMs);
  }

  private refill(): void {
    const now = this.clock.nowMs();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.lastMs) * this.perMs);
    this.lastMs = now;
  }
}

/**
 * One bucket per desk from its `rateLimitPerMinute`, bursting up to ten seconds' worth; the
 * outbox worker and the sync worker share them, since the desk's limit counts every call.
 */
export function createDeskRateLimits(limits: Iterable<readonly [desk: string, perMinute: number]>, clock: { nowMs(): number }): Map<string, TokenBucket> {
  return new Map([...limits].map(([desk, perMinute]) => [desk, createTokenBucket({ perMinute, burst: Math.max(1, Math.ceil(perMinute / 6)) }, clock)] as const));
}
