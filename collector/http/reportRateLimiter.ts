/**
 * How many reports one agent id may send: a token bucket per agent id (`collector.limits.
 * reportsPerMinute`, bursting as large), so an agent in a loop, or a shared token minting agent
 * ids, costs the collector a 429 per report instead of a commit. Buckets that are full again hold
 * nothing worth keeping and are forgotten, so memory follows the agents active in the last two minutes.
 */
import { createTokenBucket, type TokenBucket } from '../desk/tokenBucket.js';

export interface ReportRateLimiter {
  /** Takes one report of the agent; undefined when allowed, else the seconds to wait (for Retry-After). */
  take(agentId: string): number | undefined;
  /** Without taking: undefined when `key` may go on, else the seconds until it may (the console's failed sign-ins per address use this). */
  retryAfter(key: string): number | undefined;
}

/** Above this many buckets, full ones are swept before a new one is made. */
const SWEEP_ABOVE = 10_000;

export function createReportRateLimiter(perMinute: number, clock: { nowMs(): number }): ReportRateLimiter {
  const buckets = new Map<string, { bucket: TokenBucket; lastMs: number }>();
  const fullAfterMs = 60_000;
  // At most one sweep a minute: a fleet larger than SWEEP_ABOVE whose agents all report within the
  // minute frees nothing, and a sweep per new agent id would make enrolment quadratic in the fleet.
  let sweptAtMs = Number.NEGATIVE_INFINITY;
  const sweep = (nowMs: number) => {
    if (nowMs - sweptAtMs < fullAfterMs) return;
    sweptAtMs = nowMs;
    for (const [agentId, entry] of buckets) if (nowMs - entry.lastMs >= fullAfterMs) buckets.delete(agentId);
  };
  return {
    take(agentId) {
      const nowMs = clock.nowMs();
      let entry = buckets.get(agentId);
      if (entry === undefined) {
        if (buckets.size >= SWEEP_ABOVE) sweep(nowMs);
        entry = { bucket: createTokenBucket({ perMinute, burst: perMinute }, clock), lastMs: nowMs };
        buckets.set(agentId, entry);
      }
      entry.lastMs = nowMs;
      if (entry.bucket.tryTake()) return undefined;
      return Math.max(1, Math.ceil(entry.bucket.waitMs() / 1000));
    },
    retryAfter(key) {
      const waitMs = buckets.get(key)?.bucket.waitMs() ?? 0;
      return waitMs === 0 ? undefined : Math.max(1, Math.ceil(waitMs / 1000));
    },
  };
}
