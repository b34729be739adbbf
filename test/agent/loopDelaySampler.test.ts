/** The agent's event-loop delay: measured from its own work and late timers, with no wake-up of its own. */
import { describe, expect, it } from 'vitest';
import { createLoopDelaySampler } from '../../agent/self/loopDelaySampler.js';

/** One turn of the real event loop: the check phase, where the sampler's immediate measures. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('createLoopDelaySampler', () => {
  // Time is a manual clock: a block is the clock moving while the test holds the loop, an idle wait
  // is the clock moving after the loop got a turn. A busy machine cannot change what is measured.
  it('measures how long a piece of work, with its promise jobs, holds the loop', async () => {
    let now = 0;
    const sampler = createLoopDelaySampler({ nowMs: () => now });
    sampler.busyFrom();
    now += 30; // a 30 ms block
    await Promise.resolve();
    now += 30; // still the same turn of the loop: a promise job does not let anything else run
    await nextTurn(); // now the loop is free
    now += 20; // and stays idle for 20 ms
    expect(sampler.takeMaxSeconds()).toBeCloseTo(0.06, 9);
    expect(sampler.takeMaxSeconds()).toBe(0);
  });

  it('counts work still in progress when the figure is taken, and only once', async () => {
    let now = 0;
    const sampler = createLoopDelaySampler({ nowMs: () => now });
    sampler.busyFrom();
    now += 80; // an 80 ms block, still in progress when the figure is taken
    expect(sampler.takeMaxSeconds()).toBeCloseTo(0.08, 9);
    now += 5; // the rest of the work
    await nextTurn();
    now += 10; // idle
    const rest = sampler.takeMaxSeconds();
    expect(rest).toBeCloseTo(0.005, 9);
  });

  it('keeps the worst of late timers and measured work, and forgets it once taken', () => {
    let now = 0;
    const sampler = createLoopDelaySampler({ nowMs: () => now });
    sampler.late(3);
    sampler.late(12);
    sampler.busyFrom();
    now = 7;
    expect(sampler.takeMaxSeconds()).toBeCloseTo(0.012, 6);
    expect(sampler.takeMaxSeconds()).toBe(0);
  });

  it('treats work started inside measured work as part of it', async () => {
    let now = 0;
    const sampler = createLoopDelaySampler({ nowMs: () => now });
    sampler.busyFrom();
    now = 40;
    sampler.busyFrom(); // does not restart the measurement
    now = 50;
    await new Promise((resolve) => setImmediate(resolve));
    expect(sampler.takeMaxSeconds()).toBeCloseTo(0.05, 6);
  });

  it('measures synchronous work in busyWhile on the spot, without waiting for a turn of the loop', () => {
    let now = 0;
    const sampler = createLoopDelaySampler({ nowMs: () => now });
    const result = sampler.busyWhile(() => {
      now += 25; // a 25 ms block
      return 'done';
    });
    expect(result).toBe('done');
    now += 100; // idle, before any turn of the loop: not part of the work
    expect(sampler.takeMaxSeconds()).toBeCloseTo(0.025, 9);
    expect(sampler.takeMaxSeconds()).toBe(0);
  });

  it('measures work that busyWhile gets a promise from until the loop is free, and work that throws until it throws', async () => {
    let now = 0;
    const sampler = createLoopDelaySampler({ nowMs: () => now });
    const pending = sampler.busyWhile(async () => {
      now += 10;
      await Promise.resolve();
      now += 15; // a promise job of the same turn
    });
    await pending;
    await nextTurn();
    now += 50; // idle
    expect(sampler.takeMaxSeconds()).toBeCloseTo(0.025, 9);
    expect(() =>
      sampler.busyWhile(() => {
        now += 7;
        throw new Error('probe bug');
      }),
    ).toThrow('probe bug');
    now += 30;
    expect(sampler.takeMaxSeconds()).toBeCloseTo(0.007, 9);
  });
});
