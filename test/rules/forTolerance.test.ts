/**
 * `for` and `clearFor` judged with the agent's stated interval in mind: samples arrive every
 * interval with a few milliseconds of jitter, and the sample that completes the timer may land just
 * short of it. Within a quarter of the interval it still counts (FOR_TOLERANCE_RATIO); further short
 * it does not, so a `for` never ends more than a quarter interval early.
 */
import { describe, expect, it } from 'vitest';
import { FOR_TOLERANCE_RATIO, nextAlertState } from '../../rules/engine/alertStateMachine.js';
import { evaluate } from '../../rules/engine/evaluate.js';
import type { RuleState, SeriesSample } from '../../rules/model/ruleTypes.js';
import { T0, testRule } from './ruleScenario.js';

const rule = testRule({ name: 'port_down', metric: 'tcp_up', fire: { op: 'below', threshold: 1 }, clear: { op: 'above', threshold: 0.5 }, forSeconds: 30, clearForSeconds: 10 });

/** A deterministic jitter of up to ±`spreadMs` (a linear congruential sequence seeded per run). */
function jitter(seed: number, spreadMs: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return ((x / 2 ** 31) * 2 - 1) * spreadMs;
  };
}

/** Runs a 5 s agent whose port fails at `faultAtS`; returns the seconds from fault to firing. */
function secondsToFire(seed: number, intervalMs: number | undefined): number {
  const next = jitter(seed, 40);
  const states = new Map<string, RuleState>();
  const faultAtMs = T0 + 2_500 + (seed % 5) * 1000;
  for (let step = 0; step < 40; step++) {
    const atMs = Math.round(T0 + step * 5000 + next());
    const sample: SeriesSample = { metric: 'tcp_up', labels: { host: 'web-1', target: 'svc' }, value: atMs >= faultAtMs ? 0 : 1, atMs, ...(intervalMs ? { intervalMs } : {}) };
    const result = evaluate([rule], [sample], states, atMs);
    for (const state of result.states) states.set(state.fingerprint, state);
    if (result.signals.some((s) => s.kind === 'firing')) return (atMs - faultAtMs) / 1000;
  }
  return Infinity;
}

describe('for with the agent interval', () => {
  it('a for: 30s rule on a 5 s agent with jittered samples fires within interval + for, every time', () => {
    // 50 runs, each with its own fault phase and jitter: never a sample late.
    const delays = Array.from({ length: 50 }, (_, seed) => secondsToFire(seed + 1, 5000));
    expect(Math.max(...delays)).toBeLessThanOrEqual(35.1);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(30 - 0.1);
  });

  it('without a stated interval the strict comparison costs an interval in some runs (the fault the tolerance fixes)', () => {
    const delays = Array.from({ length: 50 }, (_, seed) => secondsToFire(seed + 1, undefined));
    expect(Math.max(...delays)).toBeGreaterThan(35.1);
  });

  // One row per edge of the tolerance: for 30 s, interval 5 s, tolerance 1.25 s.
  const rows = [
    { note: 'held 28.76 s: within a quarter interval of for, fires', heldMs: 28_760, interval: 5000, status: 'firing' },
    { note: 'held 28.74 s: more than a quarter interval short, stays pending', heldMs: 28_740, interval: 5000, status: 'pending' },
    { note: 'held 29.998 s with no stated interval: strict, stays pending', heldMs: 29_998, interval: 0, status: 'pending' },
    { note: 'held 30 s with no stated interval: fires', heldMs: 30_000, interval: 0, status: 'firing' },
  ] as const;
  it.each(rows)('$note', ({ heldMs, interval, status }) => {
    const prior: RuleState = { ruleName: 'r', ruleVersion: 'v', fingerprint: 'f', labels: {}, status: 'pending', pendingSinceMs: T0, lastValue: 0, lastSampleAtMs: T0 };
    const { state } = nextAlertState(prior, { atMs: T0 + heldMs, value: 0, fireMet: true, clearMet: false }, { forMs: 30_000, clearForMs: 0, keepFiringForMs: 0 }, interval);
    expect(state.status).toBe(status);
    expect(FOR_TOLERANCE_RATIO).toBe(0.25);
  });

  it('clearFor counts the same way: a clear held 9.998 s of a 10 s clearFor on a 5 s agent resolves', () => {
    const prior: RuleState = { ruleName: 'r', ruleVersion: 'v', fingerprint: 'f', labels: {}, status: 'firing', pendingSinceMs: 0, firingSinceMs: 0, clearingSinceMs: T0, lastValue: 1, lastSampleAtMs: T0 };
    const { state, event } = nextAlertState(prior, { atMs: T0 + 9_998, value: 1, fireMet: false, clearMet: true }, { forMs: 30_000, clearForMs: 10_000, keepFiringForMs: 0 }, 5000);
    expect(state.status).toBe('inactive');
    expect(event?.kind).toBe('resolved');
  });
});
