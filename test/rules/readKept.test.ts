/**
 * KindBehaviour.readKept, the step evaluator's reading of a sample into an inactive state it owns
 * (predictions): beside the general path (`read`, then keepStatusInPlace or nextAlertState), over
 * random series with NaN, ±Infinity, bursts and gaps longer than the window, two series of a rule in
 * turns, for every prediction of the built-in pack and of the test fixtures, it must keep the same
 * states (field for field, the buffer's points and fit sums included) and return the same readings
 * wherever it does not keep one.
 */
import { describe, expect, it } from 'vitest';
import { keepStatusInPlace, nextAlertState } from '../../rules/engine/alertStateMachine.js';
import type { CompiledRule } from '../../rules/engine/compiledRule.js';
import { freshState } from '../../rules/engine/ruleOutcome.js';
import { compileRules, DEFAULT_RULES_DIR, loadRuleFiles, type RuleState } from '../../rules/index.js';
import type { RecentSamples } from '../../rules/model/ruleTypes.js';
import { fixtureRules } from '../support/generatedHistory.js';
import { seededRandom } from '../support/hostilePayloads.js';

const T0 = Date.UTC(2025, 0, 6);
const INTERVAL_MS = 15_000;

/**
 * A series for a rule of window `windowMs`: mostly a filling ratio around its thresholds with noise,
 * sometimes NaN or ±Infinity, a burst a second apart, a gap of up to twice the window, a jump.
 */
function series(seed: number, count: number, windowMs: number, threshold: number): Array<{ atMs: number; value: number }> {
  const next = seededRandom(seed);
  const samples: Array<{ atMs: number; value: number }> = [];
  let atMs = T0;
  let level = threshold * 0.8;
  for (let i = 0; i < count; i++) {
    const r = next();
    atMs += r < 0.05 ? 1000 : r > 0.995 ? Math.floor(next() * 2 * windowMs) : INTERVAL_MS + Math.floor(next() * 5);
    level += (next() - 0.45) * threshold * 0.01;
    if (next() < 0.002) level = threshold * (next() < 0.5 ? 0.3 : 1.2);
    const odd = next();
    const value = odd < 0.003 ? NaN : odd < 0.004 ? Infinity : odd < 0.005 ? -Infinity : level;
    samples.push({ atMs, value });
  }
  return samples;
}

/** The buffer's points and sums, NaN kept (toJSON's columns and sums). */
function buffer(recent: RecentSamples | undefined): unknown {
  return recent === undefined ? undefined : { atMs: recent.atMs, values: recent.values, sums: recent.sums };
}

/** Every field of a state, its buffer as its points and sums. */
function fields(state: RuleState): unknown {
  return { ...state, recent: buffer(state.recent) };
}

function predictions(): Array<[string, CompiledRule, CompiledRule]> {
  const rules = [...loadRuleFiles([DEFAULT_RULES_DIR]), ...fixtureRules()].filter((rule) => rule.predict !== undefined);
  // Compiled twice: each path with the rule's own shared times (a rule's buffers share a times column).
  const general = [...compileRules(rules).byMetric.values()].flat();
  const fast = [...compileRules(rules).byMetric.values()].flat();
  return general.map((compiled, i) => [compiled.rule.name, compiled, fast[i]!]);
}

describe('readKept', () => {
  it('is given by predictions', () => {
    const cases = predictions();
    expect(cases.length).toBeGreaterThanOrEqual(4);
    for (const [name, , fast] of cases) expect(fast.readKept, name).toBeTypeOf('function');
  });

  it.each(predictions())('keeps what read and keepStatusInPlace keep, and reads what read reads otherwise (%s)', (_name, general, fast) => {
    const { rule, timing } = general;
    const windowMs = rule.predict!.windowSeconds * 1000;
    let kept = 0;
    let returned = 0;
    for (let seed = 1; seed <= 4; seed += 2) {
      // Two series read in turns, as a rule's series are in a step (a rule's buffers share their times column, and its readings the fit they work in).
      const runs = [seed, seed + 1].map((n) => {
        const labels = { host: `h${n}`, mount: '/' };
        // `owned`: whether b is a state only this path holds (as the step evaluator's RunEnd.owned): made by nextAlertState, inactive.
        return { labels, a: freshState(rule, 'f', labels), b: freshState(rule, 'f', labels), owned: false, samples: series(n, 2000, windowMs, rule.fire.threshold) };
      });
      for (let i = 0; i < 2000; i++) {
        for (const run of runs) {
          const { atMs, value } = run.samples[i]!;
          const sample = { metric: rule.metric, labels: run.labels, atMs, value, intervalMs: INTERVAL_MS };
          const reading = general.read!(sample, run.a);
          const keptA = keepStatusInPlace(run.a, reading, timing, INTERVAL_MS, reading.memory, ['recent']);
          if (!keptA) run.a = nextAlertState(run.a, reading, timing, INTERVAL_MS, reading.memory).state;
          const fastReading = run.owned ? fast.readKept!(sample, run.b) : fast.read!(sample, run.b);
          if (run.owned) expect(fastReading === undefined, `kept at ${atMs}`).toBe(keptA);
          if (fastReading === undefined) kept++;
          else {
            if (run.owned) {
              returned++;
              expect({ ...fastReading, memory: buffer(fastReading.memory?.recent) }).toEqual({ ...reading, memory: buffer(reading.memory?.recent) });
            }
            run.b = nextAlertState(run.b, fastReading, timing, INTERVAL_MS, fastReading.memory).state;
          }
          run.owned = run.b.status === 'inactive';
          expect(Object.is(run.b.lastValue, run.a.lastValue), `value at ${atMs}`).toBe(true);
          expect(fields(run.b)).toEqual(fields(run.a));
        }
      }
    }
    // Both ways were taken: readings kept in place, and readings handed back (the fire condition held).
    expect(kept).toBeGreaterThan(1000);
    expect(returned).toBeGreaterThan(0);
  });
});
