import { describe, expect, it } from 'vitest';
import { keepsStatus, keepStatusInPlace, nextAlertState, type AlertTiming, type AlertTransition, type ConditionReading } from '../../rules/engine/alertStateMachine.js';
import type { RuleState, SeriesMemory } from '../../rules/model/ruleTypes.js';
import { seededRandom } from '../support/hostilePayloads.js';

const base: RuleState = { ruleName: 'r', ruleVersion: 'v1', fingerprint: 'f', labels: { host: 'a' }, status: 'inactive', lastValue: 0, lastSampleAtMs: 0 };
const timing = { forMs: 60_000, clearForMs: 30_000, keepFiringForMs: 0 };
const keep = { forMs: 0, clearForMs: 0, keepFiringForMs: 60_000 };
const reading = (atMs: number, fireMet: boolean, clearMet: boolean): ConditionReading => ({ atMs, value: 7, fireMet, clearMet });

interface Row {
  name: string;
  prior: Partial<RuleState>;
  reading: ConditionReading;
  timing?: AlertTiming;
  status: RuleState['status'];
  timers?: Pick<RuleState, 'pendingSinceMs' | 'firingSinceMs' | 'clearingSinceMs' | 'lastBreachAtMs'>;
  event?: AlertTransition['event'];
}

// One row per line of the transition table in alertStateMachine.ts.
const rows: Row[] = [
  // inactive, fire condition false: stays inactive
  { name: 'inactive, not breaching', prior: {}, reading: reading(1000, false, true), status: 'inactive' },
  // inactive, breaching with for = 0: fires at once
  { name: 'inactive, breaching, for 0', prior: {}, reading: reading(1000, true, false), timing: { forMs: 0, clearForMs: 0, keepFiringForMs: 0 }, status: 'firing', timers: { pendingSinceMs: 1000, firingSinceMs: 1000 }, event: { kind: 'firing', sinceMs: 1000, heldMs: 0 } },
  // inactive, breaching with for > 0: starts the for-timer
  { name: 'inactive, breaching, for 1m', prior: {}, reading: reading(1000, true, false), status: 'pending', timers: { pendingSinceMs: 1000 } },
  // pending, recovered: back to inactive, silently
  { name: 'pending, recovered', prior: { status: 'pending', pendingSinceMs: 1000 }, reading: reading(30_000, false, true), status: 'inactive' },
  // pending, still breaching but not long enough
  { name: 'pending, held 59.999s', prior: { status: 'pending', pendingSinceMs: 1000 }, reading: reading(60_999, true, false), status: 'pending', timers: { pendingSinceMs: 1000 } },
  // pending, held for `for`: fires
  { name: 'pending, held 60s', prior: { status: 'pending', pendingSinceMs: 1000 }, reading: reading(61_000, true, false), status: 'firing', timers: { pendingSinceMs: 1000, firingSinceMs: 61_000 }, event: { kind: 'firing', sinceMs: 1000, heldMs: 60_000 } },
  // firing, clear condition false: stays firing even though the fire condition no longer holds (hysteresis)
  { name: 'firing, in the hysteresis band', prior: { status: 'firing', pendingSinceMs: 1, firingSinceMs: 2 }, reading: reading(5000, false, false), status: 'firing', timers: { pendingSinceMs: 1, firingSinceMs: 2 } },
  // firing, clear condition false while clearing: the clearFor timer is reset
  { name: 'firing, relapse while clearing', prior: { status: 'firing', pendingSinceMs: 1, firingSinceMs: 2, clearingSinceMs: 3 }, reading: reading(5000, true, false), status: 'firing', timers: { pendingSinceMs: 1, firingSinceMs: 2 } },
  // firing, clear condition true with clearFor = 0: resolves at once
  { name: 'firing, cleared, clearFor 0', prior: { status: 'firing', pendingSinceMs: 1, firingSinceMs: 2 }, reading: reading(5000, false, true), timing: { forMs: 0, clearForMs: 0, keepFiringForMs: 0 }, status: 'inactive', event: { kind: 'resolved', sinceMs: 5000, heldMs: 0 } },
  // firing, clear condition true with clearFor > 0: starts the clearFor timer
  { name: 'firing, starts clearing', prior: { status: 'firing', pendingSinceMs: 1, firingSinceMs: 2 }, reading: reading(5000, false, true), status: 'firing', timers: { pendingSinceMs: 1, firingSinceMs: 2, clearingSinceMs: 5000 } },
  // firing, clearing not long enough
  { name: 'firing, cleared 29.999s', prior: { status: 'firing', pendingSinceMs: 1, firingSinceMs: 2, clearingSinceMs: 5000 }, reading: reading(34_999, false, true), status: 'firing', timers: { pendingSinceMs: 1, firingSinceMs: 2, clearingSinceMs: 5000 } },
  // firing, cleared for clearFor: resolves
  { name: 'firing, cleared 30s', prior: { status: 'firing', pendingSinceMs: 1, firingSinceMs: 2, clearingSinceMs: 5000 }, reading: reading(35_000, false, true), status: 'inactive', event: { kind: 'resolved', sinceMs: 5000, heldMs: 30_000 } },
  // keepFiringFor: firing records the breach time
  { name: 'keepFiringFor: fires and records the breach', prior: {}, reading: reading(1000, true, false), timing: keep, status: 'firing', timers: { pendingSinceMs: 1000, firingSinceMs: 1000, lastBreachAtMs: 1000 }, event: { kind: 'firing', sinceMs: 1000, heldMs: 0 } },
  // keepFiringFor: cleared, but the last breach is less than keepFiringFor ago: kept firing
  { name: 'keepFiringFor: cleared 59.999s after the breach', prior: { status: 'firing', pendingSinceMs: 1, firingSinceMs: 1, lastBreachAtMs: 1000 }, reading: reading(60_999, false, true), timing: keep, status: 'firing', timers: { pendingSinceMs: 1, firingSinceMs: 1, lastBreachAtMs: 1000, clearingSinceMs: 60_999 } },
  // keepFiringFor: a new breach moves the breach time
  { name: 'keepFiringFor: breaching again', prior: { status: 'firing', pendingSinceMs: 1, firingSinceMs: 1, lastBreachAtMs: 1000 }, reading: reading(50_000, true, false), timing: keep, status: 'firing', timers: { pendingSinceMs: 1, firingSinceMs: 1, lastBreachAtMs: 50_000 } },
  // keepFiringFor: cleared and keepFiringFor since the last breach: resolves
  { name: 'keepFiringFor: cleared 60s after the breach', prior: { status: 'firing', pendingSinceMs: 1, firingSinceMs: 1, lastBreachAtMs: 1000 }, reading: reading(61_000, false, true), timing: keep, status: 'inactive', event: { kind: 'resolved', sinceMs: 61_000, heldMs: 0 } },
];

/** The order in which nextAlertState sets the timers (that of RuleState's fields). */
const TIMER_ORDER = ['pendingSinceMs', 'firingSinceMs', 'clearingSinceMs', 'lastBreachAtMs'];
const byTimerOrder = (a: string, b: string): number => TIMER_ORDER.indexOf(a) - TIMER_ORDER.indexOf(b);

describe('nextAlertState', () => {
  it.each(rows)('$name', (row) => {
    const prior: RuleState = { ...base, ...row.prior };
    const { state, event } = nextAlertState(prior, row.reading, row.timing ?? timing);
    expect(state).toEqual({ ...base, ...row.timers, status: row.status, lastValue: 7, lastSampleAtMs: row.reading.atMs });
    expect(event).toEqual(row.event);
  });

  it('returns states without undefined keys, so that JSON round trips are exact', () => {
    const prior: RuleState = { ...base, status: 'firing', pendingSinceMs: 1, firingSinceMs: 2, clearingSinceMs: 3 };
    const { state } = nextAlertState(prior, reading(10, false, false), timing);
    expect(Object.keys(state)).not.toContain('clearingSinceMs');
    expect(JSON.parse(JSON.stringify(state))).toStrictEqual(state);
  });

  it.each(rows)('$name: carries the memory given, after the timers, and not the prior\'s', (row) => {
    const recent = { atMs: [row.reading.atMs], values: [7] };
    const prior: RuleState = { ...base, ...row.prior, recent: { atMs: [1], values: [1] }, intervalMs: 5000 };
    const { state } = nextAlertState(prior, row.reading, row.timing ?? timing, 0, { recent });
    expect(state).toStrictEqual({ ...base, ...row.timers, status: row.status, lastValue: 7, lastSampleAtMs: row.reading.atMs, recent });
    // The saved form's order of keys: the state machine's fields, the timers, then the kind's memory.
    expect(Object.keys(state)).toEqual([...Object.keys(base), ...Object.keys(row.timers ?? {}).sort(byTimerOrder), 'recent']);
  });

  it('does not modify the prior state', () => {
    const prior = Object.freeze({ ...base, status: 'pending' as const, pendingSinceMs: 1000 });
    expect(() => nextAlertState(prior, reading(61_000, true, false), timing)).not.toThrow();
    expect(prior.status).toBe('pending');
  });
});

/**
 * keepsStatus lets the step evaluator skip making a state per sample while readings keep a state's
 * status and timers: it must say so only when nextAlertState's state is the prior one with the
 * reading's sample and memory, and then a later reading must give the same from the older state.
 */
describe('keepsStatus', () => {
  /** A prior state of random status and timers (some the machine never makes: the predicate must hold for any). */
  const randomPrior = (random: () => number): RuleState => {
    const status = (['inactive', 'pending', 'firing'] as const)[Math.floor(random() * 3)]!;
    const timer = () => (random() < 0.5 ? undefined : Math.floor(random() * 200_000));
    const prior: RuleState = { ...base, status, recent: { atMs: [1], values: [1] } };
    for (const field of TIMER_ORDER as Array<'pendingSinceMs' | 'firingSinceMs' | 'clearingSinceMs' | 'lastBreachAtMs'>) {
      const value = status === 'inactive' && random() < 0.8 ? undefined : timer();
      if (value !== undefined) prior[field] = value;
    }
    return prior;
  };
  const randomReading = (random: () => number): ConditionReading => ({ atMs: 100_000 + Math.floor(random() * 200_000), value: random(), fireMet: random() < 0.5, clearMet: random() < 0.5 });
  const timings: AlertTiming[] = [timing, keep, { forMs: 0, clearForMs: 0, keepFiringForMs: 0 }, { forMs: 120_000, clearForMs: 90_000, keepFiringForMs: 0 }];

  it('holds only when nextAlertState keeps the prior state but for the sample and the memory, and raises no event', () => {
    const random = seededRandom(31);
    let held = 0;
    for (let i = 0; i < 20_000; i++) {
      const prior = randomPrior(random);
      const reading = randomReading(random);
      const rowTiming = timings[i % timings.length]!;
      const intervalMs = i % 3 === 0 ? 0 : 15_000;
      const memory: SeriesMemory = { recent: { atMs: [reading.atMs], values: [reading.value] } };
      const transition = nextAlertState(prior, reading, rowTiming, intervalMs, memory);
      if (!keepsStatus(prior, reading, rowTiming, intervalMs)) continue;
      held++;
      expect(transition.event).toBeUndefined();
      expect(transition.state).toStrictEqual({ ...prior, lastValue: reading.value, lastSampleAtMs: reading.atMs, ...memory });
    }
    // Not vacuous: it holds for a good share of the cases.
    expect(held).toBeGreaterThan(2_000);
  });

  it.each([
    // A healthy series stays inactive.
    { name: 'inactive, not breaching', prior: {}, reading: reading(1000, false, true), keeps: true },
    { name: 'inactive, breaching', prior: {}, reading: reading(1000, true, false), keeps: false },
    // A pending one stays pending until `for` is reached (less the tolerance of a quarter interval).
    { name: 'pending, held 40s of 60s', prior: { status: 'pending', pendingSinceMs: 1000 }, reading: reading(41_000, true, false), keeps: true },
    { name: 'pending, held 57s of 60s, 15 s interval', prior: { status: 'pending', pendingSinceMs: 1000 }, reading: reading(58_000, true, false), keeps: false },
    { name: 'pending, recovered', prior: { status: 'pending', pendingSinceMs: 1000 }, reading: reading(41_000, false, true), keeps: false },
    // A firing one keeps firing while it does not clear, or clears for less than clearFor.
    { name: 'firing, not clearing', prior: { status: 'firing', pendingSinceMs: 1, firingSinceMs: 2 }, reading: reading(5000, true, false), keeps: true },
    { name: 'firing, starts clearing', prior: { status: 'firing', pendingSinceMs: 1, firingSinceMs: 2 }, reading: reading(5000, false, true), keeps: false },
    { name: 'firing, clearing 10s of 30s', prior: { status: 'firing', pendingSinceMs: 1, firingSinceMs: 2, clearingSinceMs: 5000 }, reading: reading(15_000, false, true), keeps: true },
    { name: 'firing, relapse while clearing', prior: { status: 'firing', pendingSinceMs: 1, firingSinceMs: 2, clearingSinceMs: 5000 }, reading: reading(15_000, true, false), keeps: false },
  ] as Array<{ name: string; prior: Partial<RuleState>; reading: ConditionReading; keeps: boolean }>)('$name', (row) => {
    expect(keepsStatus({ ...base, ...row.prior }, row.reading, timing, 15_000)).toBe(row.keeps);
  });

  it('written in place (keepStatusInPlace), makes the state nextAlertState makes, or leaves the state untouched', () => {
    const random = seededRandom(33);
    let written = 0;
    for (let i = 0; i < 20_000; i++) {
      const prior = randomPrior(random);
      if (random() < 0.3) prior.intervalMs = 5000;
      const reading = randomReading(random);
      const rowTiming = timings[i % timings.length]!;
      // Memory as readers return it: the buffer, sometimes the interval too, sometimes none at all.
      const memory: SeriesMemory | undefined = random() < 0.2 ? undefined : random() < 0.5 ? { recent: { atMs: [reading.atMs], values: [reading.value] } } : { recent: { atMs: [reading.atMs], values: [reading.value] }, intervalMs: 15_000 };
      const state = structuredClone(prior);
      if (keepStatusInPlace(state, reading, rowTiming, 15_000, memory, ['recent', 'intervalMs'])) {
        written++;
        expect(state).toStrictEqual(nextAlertState(prior, reading, rowTiming, 15_000, memory).state);
      } else expect(state).toStrictEqual(prior);
    }
    expect(written).toBeGreaterThan(1_000);
  });

  it('holds for no firing state of a keepFiringFor rule (its last breach moves)', () => {
    expect(keepsStatus({ ...base, status: 'firing', pendingSinceMs: 1, firingSinceMs: 2, lastBreachAtMs: 2 }, reading(5000, true, false), keep)).toBe(false);
    expect(keepsStatus({ ...base, status: 'firing', pendingSinceMs: 1, firingSinceMs: 2 }, reading(5000, false, false), keep)).toBe(false);
  });

  it('after readings that keep the status, a reading applied to the older state gives what it gives applied step by step', () => {
    const random = seededRandom(32);
    let chains = 0;
    for (let i = 0; i < 5_000; i++) {
      const rowTiming = timings[i % timings.length]!;
      const first = nextAlertState(randomPrior(random), randomReading(random), rowTiming, 15_000).state;
      let state = first;
      let atMs = state.lastSampleAtMs;
      let kept = 0;
      for (;;) {
        atMs += 1 + Math.floor(random() * 20_000);
        const next: ConditionReading = { ...randomReading(random), atMs };
        const memory: SeriesMemory = { recent: { atMs: [atMs], values: [next.value] } };
        if (keepsStatus(state, next, rowTiming, 15_000)) {
          state = nextAlertState(state, next, rowTiming, 15_000, memory).state;
          kept++;
          continue;
        }
        // The reading that changes something, on the latest state and on the one before the kept readings.
        expect(nextAlertState(first, next, rowTiming, 15_000, memory)).toStrictEqual(nextAlertState(state, next, rowTiming, 15_000, memory));
        break;
      }
      if (kept > 0) chains++;
    }
    expect(chains).toBeGreaterThan(500);
  });
});
