/** The ticker: runs at once and then on its grid, never overlaps, skips what an overrun missed. */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createTicker } from '../../agent/lifecycle/ticker.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createTicker', () => {
  it('runs immediately, then every interval', async () => {
    const at: number[] = [];
    const ticker = createTicker({ name: 't', intervalSeconds: 0.1, onTick: async () => void at.push(performance.now()), log: pino({ level: 'silent' }) });
    const started = performance.now();
    ticker.start();
    await sleep(350);
    await ticker.stop();
    expect(at.length).toBeGreaterThanOrEqual(3);
    expect(at.length).toBeLessThanOrEqual(5);
    expect(at[0]! - started).toBeLessThan(50);
    // On the grid: the n-th run is near start + n * 100 ms, not drifting by the task's own time.
    expect(at[2]! - at[0]!).toBeGreaterThanOrEqual(195);
    expect(at[2]! - at[0]!).toBeLessThan(300);
  });

  it('tells the task how late it runs: about nothing on a free loop, the block on a blocked one', async () => {
    const late: number[] = [];
    const ticker = createTicker({ name: 't', intervalSeconds: 0.05, onTick: async (lateMs) => void late.push(lateMs), log: pino({ level: 'silent' }) });
    ticker.start();
    await sleep(75); // runs at 0 and 50 ms on a free loop
    for (const until = performance.now() + 120; performance.now() < until; ); // the 100 ms run comes about 95 ms late
    await sleep(10);
    await ticker.stop();
    expect(late[0]).toBeLessThan(5);
    expect(late[1]).toBeLessThan(40);
    expect(late[2]).toBeGreaterThanOrEqual(80);
  });

  it('never overlaps runs and skips the ticks an overrun missed', async () => {
    const lines: string[] = [];
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const ticker = createTicker({
      name: 'slow',
      intervalSeconds: 0.05,
      onTick: async () => {
        runs += 1;
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await sleep(runs === 1 ? 180 : 1);
        running -= 1;
      },
      log: pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) }),
    });
    ticker.start();
    await sleep(260);
    await ticker.stop();
    expect(maxRunning).toBe(1);
    // 180 ms overrun of a 50 ms grid: ticks at 50, 100, 150 are skipped, not fired in a burst.
    expect(runs).toBeLessThanOrEqual(4);
    const skipped = lines.map((l) => JSON.parse(l) as { msg: string; skipped: number }).find((l) => l.msg.startsWith('scheduled runs skipped'));
    expect(skipped?.skipped).toBeGreaterThanOrEqual(3);
  });

  it('stop() waits for the run in progress and prevents further runs', async () => {
    let finished = false;
    let runs = 0;
    const ticker = createTicker({
      name: 't',
      intervalSeconds: 0.02,
      onTick: async () => {
        runs += 1;
        await sleep(100);
        finished = true;
      },
      log: pino({ level: 'silent' }),
    });
    ticker.start();
    await ticker.stop();
    expect(finished).toBe(true);
    await sleep(100);
    expect(runs).toBe(1);
  });

  it('keeps ticking after a run fails', async () => {
    let runs = 0;
    const ticker = createTicker({
      name: 't',
      intervalSeconds: 0.03,
      onTick: async () => {
        runs += 1;
        throw new Error('boom');
      },
      log: pino({ level: 'silent' }),
    });
    ticker.start();
    await sleep(100);
    await ticker.stop();
    expect(runs).toBeGreaterThanOrEqual(3);
  });
});
