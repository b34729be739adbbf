/** The agent's event-loop delay: measured from its own work and late timers, with no wake-up of its own. */
import { describe, expect, it } from 'vitest';
import { createLoopDelaySampler } from '../../agent/self/loopDelaySampler.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const block = (ms: number) => {
  for (const until = performance.now() + ms; performance.now() < until; );
};

describe('createLoopDelaySampler', () => {
  it('measures how long a piece of work, with its promise jobs, holds the loop', async () => {
    const sampler = createLoopDelaySampler();
    sampler.busyFrom();
    block(30);
    await Promise.resolve();
    block(30); // still the same turn of the loop: a promise job does not let anything else run
    await sleep(20); // now the loop is free
    expect(sampler.takeMaxSeconds()).toBeGreaterThanOrEqual(0.058);
    expect(sampler.takeMaxSeconds()).toBe(0);
  });

  it('counts work still in progress when the figure is taken, and only once', async () => {
    const sampler = createLoopDelaySampler();
    sampler.busyFrom();
    block(80);
    expect(sampler.takeMaxSeconds()).toBeGreaterThanOrEqual(0.079);
    block(5);
    await sleep(10);
    const rest = sampler.takeMaxSeconds();
    expect(rest).toBeGreaterThanOrEqual(0.004);
    expect(rest).toBeLessThan(0.05);
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
});
