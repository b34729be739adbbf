/**
 * Probe isolation: a hanging or throwing probe becomes an unknown check and never holds up the rest.
 * Timeouts run on vitest's fake timers and clock, stepped by the test.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { observation, type Probe } from '../../agent/probes/probe.js';
import { createProbeRunner } from '../../agent/probes/probeRunner.js';

const NOW = new Date('2025-01-01T00:00:00.000Z');
const log = pino({ level: 'silent' });

const healthy: Probe = {
  name: 'load',
  async collect(now) {
    return { observations: [observation('load1', 0.5, {}, now)] };
  },
};

function hanging(): Probe & { calls: number } {
  const probe = {
    name: 'stuck',
    calls: 0,
    collect() {
      probe.calls += 1;
      return new Promise<never>(() => {});
    },
  };
  return probe;
}

/** Fakes the timers and the monotonic clock the runner reads. */
const fakeTime = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });

describe('createProbeRunner', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reports a hanging probe as unknown within its timeout while the others succeed', async () => {
    fakeTime();
    const runner = createProbeRunner({ probes: [hanging(), healthy], defaultTimeoutSeconds: 0.2, log });
    const started = performance.now();
    const running = runner.run(NOW);
    await vi.advanceTimersByTimeAsync(200);
    const outcome = await running;
    const elapsedSeconds = (performance.now() - started) / 1000;

    expect(elapsedSeconds).toBeGreaterThanOrEqual(0.19);
    expect(elapsedSeconds).toBeLessThan(1);
    expect(outcome.observations).toEqual([{ metric: 'load1', labels: {}, value: 0.5, at: NOW.toISOString() }]);
    expect(outcome.checks.map((c) => [c.name, c.status, c.output])).toEqual([
      ['probe:stuck', 'unknown', 'did not finish within 0.2s'],
      ['probe:load', 'ok', '1 observation'],
    ]);
    expect(outcome.checks[0]!.durationSeconds).toBeGreaterThanOrEqual(0.19);
  });

  it('honours a probe-declared timeout over the default', async () => {
    fakeTime();
    const probe = { ...hanging(), timeoutSeconds: 0.05 };
    const started = performance.now();
    const running = createProbeRunner({ probes: [probe], defaultTimeoutSeconds: 30, log }).run(NOW);
    await vi.advanceTimersByTimeAsync(50);
    const outcome = await running;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(outcome.checks[0]!.output).toBe('did not finish within 0.05s');
  });

  it.each([
    // An async rejection.
    { name: 'rejects', collect: async () => Promise.reject(new Error('cannot parse /proc/stat: boom')) },
    // A synchronous throw from a non-async collect.
    {
      name: 'throws',
      collect: () => {
        throw new Error('cannot parse /proc/stat: boom');
      },
    },
  ])('turns a probe that $name into an unknown check with the reason', async (failing) => {
    const outcome = await createProbeRunner({ probes: [failing as Probe, healthy], defaultTimeoutSeconds: 1, log }).run(NOW);
    expect(outcome.checks.map((c) => [c.name, c.status, c.output])).toEqual([
      [`probe:${failing.name}`, 'unknown', 'failed: cannot parse /proc/stat: boom'],
      ['probe:load', 'ok', '1 observation'],
    ]);
    expect(outcome.observations).toHaveLength(1);
  });

  it('does not start a probe again while its previous run is still pending', async () => {
    const stuck = hanging();
    const runner = createProbeRunner({ probes: [stuck], defaultTimeoutSeconds: 0.05, log });
    await runner.run(NOW);
    const second = await runner.run(NOW);
    expect(stuck.calls).toBe(1);
    expect(second.checks[0]).toMatchObject({ status: 'unknown', output: 'the previous run has not finished yet' });
  });

  it('passes through the checks a probe decides itself, before its own health check', async () => {
    const probe: Probe = {
      name: 'tcp',
      async collect(now) {
        return { observations: [], checks: [{ name: 'tcp:db', status: 'critical', output: 'refused', at: now.toISOString(), durationSeconds: 0 }] };
      },
    };
    const outcome = await createProbeRunner({ probes: [probe], defaultTimeoutSeconds: 1, log }).run(NOW);
    expect(outcome.checks.map((c) => `${c.name}=${c.status}`)).toEqual(['tcp:db=critical', 'probe:tcp=ok']);
  });

  it('start: answers synchronously when every probe did, and with a promise (the same outcome) when one waits', async () => {
    const syncProbe = (name: string, value: number): Probe => ({ name, collect: (now) => ({ observations: [observation('load1', value, {}, now)] }) });
    const throwing: Probe = {
      name: 'broken',
      collect: () => {
        throw new Error('cannot parse /proc/stat: boom');
      },
    };
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const sync = createProbeRunner({ probes: [syncProbe('a', 1), throwing, syncProbe('b', 2)], defaultTimeoutSeconds: 1, log }).start(NOW);
    expect(sync).not.toBeInstanceOf(Promise);
    expect(setTimeoutSpy).not.toHaveBeenCalled(); // no deadline for probes that cannot wait
    setTimeoutSpy.mockRestore();
    const expected = {
      observations: [1, 2].map((value) => ({ metric: 'load1', labels: {}, value, at: NOW.toISOString() })),
      checks: [
        ['probe:a', 'ok', '1 observation'],
        ['probe:broken', 'unknown', 'failed: cannot parse /proc/stat: boom'],
        ['probe:b', 'ok', '1 observation'],
      ],
    };
    const shape = (outcome: Awaited<ReturnType<ReturnType<typeof createProbeRunner>['run']>>) => ({ observations: outcome.observations, checks: outcome.checks.map((c) => [c.name, c.status, c.output]) });
    expect(shape(sync as Awaited<typeof sync>)).toEqual(expected);
    const waiting = createProbeRunner({ probes: [syncProbe('a', 1), throwing, { ...syncProbe('b', 2), collect: async (now) => ({ observations: [observation('load1', 2, {}, now)] }) }], defaultTimeoutSeconds: 1, log }).start(NOW);
    expect(waiting).toBeInstanceOf(Promise);
    expect(shape(await waiting)).toEqual(expected);
  });
});

