/** The agent's event-loop delay sampler: sees a block in the cycle's own work, at once and once. */
import { afterEach, describe, expect, it } from 'vitest';
import { createLoopDelaySampler, type LoopDelaySampler } from '../../agent/loopDelaySampler.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const block = (ms: number) => {
  for (const until = performance.now() + ms; performance.now() < until; );
};

describe('createLoopDelaySampler', () => {
  let sampler: LoopDelaySampler | undefined;
  afterEach(() => sampler?.stop());

  it('counts a synchronous block right after begin, before its timer could run, and only once', async () => {
    sampler = createLoopDelaySampler();
    sampler.begin();
    block(80);
    expect(sampler.takeMaxSeconds()).toBeGreaterThanOrEqual(0.055);
    await sleep(60);
    expect(sampler.takeMaxSeconds()).toBeLessThan(0.04);
  });

  it('sees a block between its timer runs, and nothing much while the loop is free', async () => {
    sampler = createLoopDelaySampler();
    sampler.begin();
    await sleep(50);
    expect(sampler.takeMaxSeconds()).toBeLessThan(0.04);
    block(90);
    await sleep(30);
    expect(sampler.takeMaxSeconds()).toBeGreaterThanOrEqual(0.06);
  });

  it('stops sampling shortly after end, so an idle agent measures (and costs) nothing', async () => {
    let now = 0;
    sampler = createLoopDelaySampler({ nowMs: () => now });
    sampler.begin();
    sampler.end();
    now = 1000; // the first timer run after the tail ends sampling
    await sleep(45);
    now = 5000;
    expect(sampler.takeMaxSeconds()).toBeCloseTo(0.98, 5);
    now = 9000; // four seconds later, nothing sampled: not counted as a delay
    expect(sampler.takeMaxSeconds()).toBe(0);
  });
});
