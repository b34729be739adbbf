/**
 * Node's deadline (`nodeTimers.deadline`, the collector connection's per-upload timeout): it expires
 * when an arming is neither replaced nor stopped in time, once per arming, and its one Timeout, kept
 * for the next restart to refresh, does nothing when it fires stopped (between uploads that come
 * less often than the timeout: the default 15 s interval against the 10 s upload timeout). Node's
 * timers are faked, so the test steps time instead of waiting for it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nodeTimers } from '../../agent/lifecycle/timerScheduler.js';

const DELAY_MS = 10_000;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});

afterEach(() => {
  vi.useRealTimers();
});

/** A deadline of DELAY_MS and how often it expired. */
function deadline() {
  let expired = 0;
  const handle = nodeTimers.deadline(() => (expired += 1), DELAY_MS);
  return { handle, expired: () => expired };
}

describe('nodeTimers.deadline', () => {
  it('expires once when an arming is not stopped in time', () => {
    const { handle, expired } = deadline();
    handle.restart();
    vi.advanceTimersByTime(DELAY_MS - 1);
    expect(expired()).toBe(0); // not before its delay
    vi.advanceTimersByTime(1);
    expect(expired()).toBe(1);
    vi.advanceTimersByTime(DELAY_MS * 3);
    expect(expired()).toBe(1); // one expiry per arming
  });

  it('counts the delay from the last restart, not the first', () => {
    const { handle, expired } = deadline();
    handle.restart();
    vi.advanceTimersByTime(DELAY_MS - 1);
    handle.restart();
    vi.advanceTimersByTime(DELAY_MS - 1);
    expect(expired()).toBe(0);
    vi.advanceTimersByTime(1);
    expect(expired()).toBe(1);
  });

  it('does nothing when it fires stopped, and expires again once re-armed', () => {
    const { handle, expired } = deadline();
    // An upload every 15 s, each answered after 2 ms: the Timeout fires, stopped, 10 s into each cycle.
    for (let upload = 0; upload < 3; upload++) {
      handle.restart();
      vi.advanceTimersByTime(2);
      handle.stop();
      vi.advanceTimersByTime(15_000 - 2);
    }
    expect(expired()).toBe(0);
    // The next upload is left unanswered: refresh() arms the Timeout that already fired again.
    handle.restart();
    vi.advanceTimersByTime(DELAY_MS - 1);
    expect(expired()).toBe(0);
    vi.advanceTimersByTime(1);
    expect(expired()).toBe(1);
  });
});
