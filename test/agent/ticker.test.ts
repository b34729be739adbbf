/**
 * The ticker: runs at once and then on its grid, never overlaps, skips what an overrun missed.
 * Time is a manual clock with its own timers, stepped by the test: a busy machine cannot move it.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createTicker, type TickerOptions } from '../../agent/lifecycle/ticker.js';
import { createManualTime, type ManualTime } from './manualTime.js';

/** A ticker on `time`'s clock and timers. */
const tickerOn = (time: ManualTime, options: Omit<TickerOptions, 'monotonicMs' | 'timers' | 'log'> & { log?: TickerOptions['log'] }) =>
  createTicker({ log: pino({ level: 'silent' }), ...options, monotonicMs: time.nowMs, timers: time.timers });

/** Resolves after `ms` of `time`. */
const sleepOn = (time: ManualTime, ms: number) => new Promise<void>((resolve) => time.timers.setTimeout(resolve, ms));

describe('createTicker', () => {
  it('runs immediately, then every interval', async () => {
    const time = createManualTime();
    const at: number[] = [];
    const ticker = tickerOn(time, {
      name: 't',
      intervalSeconds: 0.1,
      onTick: async () => {
        at.push(time.nowMs());
        time.block(30); // each run takes 30 ms of the loop
      },
    });
    const started = time.nowMs();
    ticker.start();
    await time.advance(350);
    await ticker.stop();
    expect(at[0]! - started).toBe(0);
    // On the grid: the n-th run is at start + n * 100 ms, not drifting by the task's own time.
    expect(at.map((t) => t - started)).toEqual([0, 100, 200, 300]);
    expect(at[2]! - at[0]!).toBe(200);
  });

  it('tells the task how late it runs: nothing on a free loop, the block on a blocked one', async () => {
    const time = createManualTime();
    const late: number[] = [];
    const ticker = tickerOn(time, { name: 't', intervalSeconds: 0.05, onTick: async (lateMs) => void late.push(lateMs) });
    ticker.start();
    await time.advance(75); // runs at 0 and 50 ms on a free loop
    time.block(120); // the loop is held until 195 ms: the 100 ms run comes 95 ms late
    await time.advance(1);
    await ticker.stop();
    expect(late).toEqual([0, 0, 95]);
  });

  it('never overlaps runs and skips the ticks an overrun missed', async () => {
    const time = createManualTime();
    const lines: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const startedAt: number[] = [];
    const ticker = tickerOn(time, {
      name: 'slow',
      intervalSeconds: 0.05,
      onTick: async () => {
        startedAt.push(time.nowMs());
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await sleepOn(time, startedAt.length === 1 ? 180 : 1);
        running -= 1;
      },
      log: pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) }),
    });
    const started = time.nowMs();
    ticker.start();
    await time.advance(260);
    await ticker.stop();
    expect(maxRunning).toBe(1);
    // 180 ms overrun of a 50 ms grid: ticks at 50, 100, 150 are skipped, not fired in a burst.
    expect(startedAt.map((t) => t - started)).toEqual([0, 200, 250]);
    const skipped = lines.map((l) => JSON.parse(l) as { msg: string; skipped: number }).find((l) => l.msg.startsWith('scheduled runs skipped'));
    expect(skipped?.skipped).toBe(3);
  });

  it('stop() waits for the run in progress and prevents further runs', async () => {
    const time = createManualTime();
    let finished = false;
    let runs = 0;
    const ticker = tickerOn(time, {
      name: 't',
      intervalSeconds: 0.02,
      onTick: async () => {
        runs += 1;
        await sleepOn(time, 100);
        finished = true;
      },
    });
    ticker.start();
    let stopped = false;
    const stopping = ticker.stop().then(() => void (stopped = true));
    await time.advance(99);
    expect(stopped).toBe(false); // the run is still in progress
    await time.advance(1);
    await stopping;
    expect(finished).toBe(true);
    await time.advance(100);
    expect(runs).toBe(1);
    expect(time.pending()).toBe(0);
  });

  it('keeps ticking after a run fails', async () => {
    const time = createManualTime();
    let runs = 0;
    const ticker = tickerOn(time, {
      name: 't',
      intervalSeconds: 0.03,
      onTick: async () => {
        runs += 1;
        throw new Error('boom');
      },
    });
    ticker.start();
    await time.advance(100);
    await ticker.stop();
    expect(runs).toBe(4); // at 0, 30, 60 and 90 ms
  });

  it('schedules the next run of a task that finished synchronously, and logs one that threw', async () => {
    const time = createManualTime();
    const lines: string[] = [];
    const at: number[] = [];
    const ticker = tickerOn(time, {
      name: 'sync',
      intervalSeconds: 0.1,
      log: pino({ level: 'error' }, { write: (line: string) => void lines.push(line) }),
      onTick: () => {
        at.push(time.nowMs());
        if (at.length === 2) throw new Error('second run failed');
      },
    });
    const started = time.nowMs();
    ticker.start();
    await time.advance(350);
    await ticker.stop();
    expect(at.map((t) => t - started)).toEqual([0, 100, 200, 300]);
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([expect.objectContaining({ msg: 'scheduled task failed', ticker: 'sync' })]);
  });
});
