/**
 * The collector's one loop primitive, on a timer stepped by hand: when runs happen, that they never
 * overlap, that failures are logged and the loop goes on, and that stop waits for the run in flight.
 */
import { describe, expect, it, vi } from 'vitest';
import { createPeriodicLoop, unrefTimer, type LoopTimer } from '../../collector/periodicLoop.js';

/** A timer that only fires when told to; `delays` lists every delay asked for, in order. */
function manualTimer() {
  const pending = new Map<number, () => void>();
  const delays: number[] = [];
  let next = 1;
  const timer: LoopTimer = {
    schedule(callback, delayMs) {
      delays.push(delayMs);
      pending.set(next, callback);
      return next++;
    },
    cancel: (handle) => pending.delete(handle as number),
  };
  return {
    timer,
    delays,
    pending: () => pending.size,
    /** Fires the one pending callback and lets the run's promise chain settle. */
    async fire() {
      const [id, callback] = [...pending][0]!;
      pending.delete(id);
      callback();
      await settle();
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

function recordingLog() {
  const errors: Array<{ fields: unknown; message: string }> = [];
  const log = { error: (fields: unknown, message: string) => errors.push({ fields, message }) };
  return { log: log as never, errors };
}

/** A run whose completion the test controls. */
function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** A loop whose every run waits for the test to open its gate; `runs()` counts the runs begun. */
function gatedLoop(timer: LoopTimer, delayMs: number) {
  const slow = gate();
  let runs = 0;
  const loop = createPeriodicLoop({
    run: async () => {
      runs++;
      await slow.promise;
    },
    delayMs,
    timer,
    ...recordingLog(),
    failureMessage: 'pass failed',
  });
  return { loop, open: slow.open, runs: () => runs };
}

describe('periodic loop', () => {
  it('waits the first delay, then the delay chosen from each result', async () => {
    const clock = manualTimer();
    const results = [3, 0, 1];
    const seen: number[] = [];
    const loop = createPeriodicLoop({
      run: () => {
        const handled = results.shift()!;
        seen.push(handled);
        return handled;
      },
      delayMs: (handled) => (handled ? 0 : 500),
      firstDelayMs: 0,
      timer: clock.timer,
      ...recordingLog(),
      failureMessage: 'pass failed',
    });
    loop.start();
    for (let i = 0; i < 3; i++) await clock.fire();
    expect(seen).toEqual([3, 0, 1]);
    // first run at once; after work again at once; after none the idle delay; after work at once
    expect(clock.delays).toEqual([0, 0, 500, 0]);
    await loop.stop();
  });

  it('uses a fixed interval, first delay included, when given a number', async () => {
    const clock = manualTimer();
    const loop = createPeriodicLoop({ run: () => undefined, delayMs: 5000, timer: clock.timer, ...recordingLog(), failureMessage: 'tick failed' });
    loop.start();
    await clock.fire();
    expect(clock.delays).toEqual([5000, 5000]);
    await loop.stop();
  });

  it('never overlaps: the next run is scheduled only once the run in flight has settled', async () => {
    const clock = manualTimer();
    const { loop, open, runs } = gatedLoop(clock.timer, 0);
    loop.start();
    await clock.fire();
    expect(runs()).toBe(1);
    expect(clock.pending()).toBe(0);
    open();
    await settle();
    expect(clock.pending()).toBe(1);
    await loop.stop();
  });

  it.each([
    // a run that throws synchronously (the missed-report tick)
    ['throws', () => {
      throw new Error('database is locked');
    }],
    // a run that rejects (an async pass)
    ['rejects', () => Promise.reject(new Error('database is locked'))],
  ])('logs a run that %s and goes on with the delay after a failure', async (_how, run) => {
    const clock = manualTimer();
    const { log, errors } = recordingLog();
    const loop = createPeriodicLoop({ run, delayMs: (result) => (result === undefined ? 750 : 0), firstDelayMs: 0, timer: clock.timer, log, failureMessage: 'pass failed' });
    loop.start();
    await clock.fire();
    await clock.fire();
    expect(errors.map((e) => e.message)).toEqual(['pass failed', 'pass failed']);
    expect(clock.delays).toEqual([0, 750, 750]);
    await loop.stop();
  });

  it('stop cancels the next run and waits for the one in flight', async () => {
    const clock = manualTimer();
    const { loop, open } = gatedLoop(clock.timer, 10);
    loop.start();
    await clock.fire();
    expect(loop.stopping()).toBe(false);
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    expect(loop.stopping()).toBe(true);
    await settle();
    expect(stopped).toBe(false);
    open();
    await stopping;
    expect(clock.pending()).toBe(0);
  });

  it('stop before the first run cancels it; a second start runs one loop, not two', async () => {
    const clock = manualTimer();
    let runs = 0;
    const loop = createPeriodicLoop({ run: () => void runs++, delayMs: 10, timer: clock.timer, ...recordingLog(), failureMessage: 'pass failed' });
    loop.start();
    await loop.stop();
    expect(clock.pending()).toBe(0);
    loop.start();
    loop.start();
    expect(clock.pending()).toBe(1);
    await clock.fire();
    expect(runs).toBe(1);
    expect(clock.pending()).toBe(1);
    await loop.stop();
  });

  it('a restart while a run is still in flight waits for it before scheduling', async () => {
    const clock = manualTimer();
    const { loop, open, runs } = gatedLoop(clock.timer, 10);
    loop.start();
    await clock.fire();
    const stopped = loop.stop();
    loop.start();
    await settle();
    expect(clock.pending()).toBe(0);
    open();
    await stopped;
    await settle();
    expect(clock.pending()).toBe(1);
    expect(runs()).toBe(1);
    await loop.stop();
  });

  it('the default timer does not hold the process open', () => {
    const handle = unrefTimer.schedule(() => undefined, 60_000) as NodeJS.Timeout;
    expect(handle.hasRef()).toBe(false);
    unrefTimer.cancel(handle);
  });
});

describe('the run age (the lag of a once-only job)', () => {
  it('counts from the start, then from each run that succeeded; a failed run does not reset it; null while stopped', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const manual = manualTimer();
      let fail = false;
      const loop = createPeriodicLoop({ run: () => { if (fail) throw new Error('store down'); }, delayMs: 1000, log: recordingLog().log, failureMessage: 'failed', timer: manual.timer });
      expect(loop.runAgeSeconds()).toBeNull();
      loop.start();
      vi.advanceTimersByTime(3000);
      expect(loop.runAgeSeconds()).toBe(3);
      await manual.fire();
      vi.advanceTimersByTime(2000);
      expect(loop.runAgeSeconds()).toBe(2);
      fail = true;
      await manual.fire();
      vi.advanceTimersByTime(5000);
      expect(loop.runAgeSeconds()).toBe(7);
      await loop.stop();
      expect(loop.runAgeSeconds()).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });
});
