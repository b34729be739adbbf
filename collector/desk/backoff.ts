/**
 * Retry delay for the n-th failed attempt: exponential from `initialSeconds`, capped at
 * `maxSeconds`, with "equal jitter" (half fixed, half random) so that many rows failing together
 * spread out; never sooner than the desk's Retry-After.
 */
export function retryDelaySeconds(
  attempt: number,
  policy: { initialSeconds: number; maxSeconds: number },
  random: () => number,
  retryAfterSeconds?: number,
): number {
  const ceiling = Math.min(policy.maxSeconds, policy.initialSeconds * 2 ** Math.max(0, attempt - 1));
  const jittered = ceiling / 2 + (random() * ceiling) / 2;
  return Math.max(jittered, retryAfterSeconds ?? 0);
}
