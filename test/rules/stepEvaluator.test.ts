/**
 * The step evaluator (rules/engine/stepEvaluator.ts) beside `evaluate` called per step with the
 * states of its previous calls, as replays did: over generated histories (every kind of the
 * built-in pack and of the test fixtures, NaN, gaps, silent hosts, flapping values) both must give
 * the same signals, field for field and in the same order, at every step.
 */
import { describe, expect, it } from 'vitest';
import { compileRules, createStepEvaluator, DEFAULT_RULES_DIR, evaluate, isForgettable, loadRuleFiles, type Rule, type RuleState, type SeriesSample, type Signal } from '../../rules/index.js';
import { asSeriesSamples, fixtureRules, generateHistory } from '../support/generatedHistory.js';
import { seededRandom } from '../support/hostilePayloads.js';

const START_MS = Date.UTC(2025, 0, 6);
const STEP_MS = 15_000;

/**
 * Per step, the signals of `evaluate` and of the step evaluator over the same batches: `stepped`
 * evaluates each step as it closes, `tiled` closes steps and evaluates them in tiles whose lengths
 * (1 to 40 steps) a seeded random draws, so that tile boundaries fall anywhere: mid-incident, while
 * a window fills, between a host's going silent and its coming back.
 */
function bothWays(rules: readonly Rule[], samples: readonly SeriesSample[], toMs: number, seed = 0, compiled = compileRules(rules)): { reference: Signal[][]; stepped: Signal[][]; tiled: Signal[][] } {
  const evaluator = createStepEvaluator(compiled);
  const tiler = createStepEvaluator(compiled);
  const random = seededRandom(seed + 100);
  const drawTile = () => 1 + Math.floor(random() * 40);
  let tileLeft = drawTile();
  const states = new Map<string, RuleState>();
  const reference: Signal[][] = [];
  const stepped: Signal[][] = [];
  const tiled: Signal[][] = [];
  let batch: SeriesSample[] = [];
  const step = (nowMs: number) => {
    const result = evaluate(compiled, batch, states, nowMs);
    for (const state of result.states) {
      if (isForgettable(state)) states.delete(state.fingerprint);
      else states.set(state.fingerprint, state);
    }
    reference.push(result.signals);
    stepped.push(evaluator.step(nowMs));
    // The tiler gets a step's samples when it closes (a tile is evaluated only while the open step has none).
    for (const sample of batch) tiler.add(tiler.series(sample.metric, sample.labels, sample.intervalMs ?? 0), sample.atMs, sample.value, sample.text);
    tiler.close(nowMs);
    if (--tileLeft === 0) {
      tiled.push(...tiler.evaluateClosed());
      tileLeft = drawTile();
    }
    batch = [];
  };
  let endMs = samples[0]!.atMs + STEP_MS;
  for (const sample of samples) {
    while (sample.atMs >= endMs) {
      step(endMs);
      endMs += STEP_MS;
    }
    batch.push(sample);
    evaluator.add(evaluator.series(sample.metric, sample.labels, sample.intervalMs ?? 0), sample.atMs, sample.value, sample.text);
  }
  for (; endMs <= toMs; endMs += STEP_MS) step(endMs);
  tiled.push(...tiler.evaluateClosed());
  return { reference, stepped, tiled };
}

/** Requires the step evaluator's signals, evaluated step by step and in tiles, to be `evaluate`'s at every step. */
function expectSameSignals({ reference, stepped, tiled }: { reference: Signal[][]; stepped: Signal[][]; tiled: Signal[][] }): void {
  expect(stepped.length).toBe(reference.length);
  expect(tiled.length).toBe(reference.length);
  for (let i = 0; i < reference.length; i++) {
    expect(stepped[i], `step ${i}`).toEqual(reference[i]);
    expect(tiled[i], `step ${i}, in tiles`).toEqual(reference[i]);
  }
}

describe('step evaluator', () => {
  it.each([
    ['the built-in pack', 1],
    ['the built-in pack', 2],
    ['the test fixtures', 3],
    ['the test fixtures', 4],
  ])('gives the signals of evaluate, step by step, with %s (seed %i)', (which, seed) => {
    const rules = which === 'the built-in pack' ? loadRuleFiles([DEFAULT_RULES_DIR]) : fixtureRules();
    const history = generateHistory(rules, { seed, hosts: which === 'the built-in pack' ? 3 : 4, hours: which === 'the built-in pack' ? 1 : 2, startMs: START_MS });
    const both = bothWays(rules, asSeriesSamples(history.samples, history.intervalSecondsByHost), history.toMs, seed);
    expectSameSignals(both);
    const { reference } = both;
    // The history must make the rules work: many signals, of many rules, some steps with several.
    const all = reference.flat();
    expect(all.length).toBeGreaterThan(50);
    expect(new Set(all.map((s) => s.ruleName)).size).toBeGreaterThan(which === 'the built-in pack' ? 10 : 8);
    expect(reference.filter((signals) => signals.length > 1).length).toBeGreaterThan(5);
  }, 120_000);

  // Each series' samples of a tile are kept in the order they came: here they come shuffled within
  // each step, so a series' samples of a step (the host reporting every 10 s has two in some steps)
  // are out of time order and interleaved with others'.
  it.each([
    ['the built-in pack', 5],
    ['the test fixtures', 6],
  ])("gives the signals of evaluate when each step's samples come in shuffled order, with %s (seed %i)", (which, seed) => {
    const rules = which === 'the built-in pack' ? loadRuleFiles([DEFAULT_RULES_DIR]) : fixtureRules();
    const history = generateHistory(rules, { seed, hosts: 3, hours: 1, startMs: START_MS });
    const samples = shuffledWithinSteps(asSeriesSamples(history.samples, history.intervalSecondsByHost), seed);
    const both = bothWays(rules, samples, history.toMs, seed);
    expectSameSignals(both);
    const { reference } = both;
    expect(reference.flat().length).toBeGreaterThan(20);
    // The shuffle must have put some series' samples of one step out of time order.
    expect(outOfOrderSteps(samples)).toBeGreaterThan(10);
  }, 120_000);

  // A rule that throws loses its outcome of that step only (evaluate's rule): a tile in which a rule
  // throws is evaluated again step by step for that rule. Here readers throw at some steps and
  // sweeps at others, for rules of every reading kind of the built-in pack.
  it('gives the signals of evaluate when rules throw in some steps, their readings and their sweeps', () => {
    const rules = loadRuleFiles([DEFAULT_RULES_DIR]);
    const compiled = compileRules(rules);
    let thrown = 0;
    for (const list of compiled.byMetric.values()) {
      for (const rule of list) {
        const { read, readKept, sweep } = rule;
        const failing = (sample: SeriesSample) => {
          if (Math.floor(sample.atMs / STEP_MS) % 37 === 5) {
            thrown++;
            throw new Error('reader failed');
          }
        };
        if (read) {
          rule.read = (sample, prior) => {
            failing(sample);
            return read(sample, prior);
          };
        }
        // The step evaluator's reading into a state it owns fails where `read` does (evaluate calls only `read`).
        if (readKept) {
          rule.readKept = (sample, state) => {
            failing(sample);
            return readKept(sample, state);
          };
        }
        if (sweep) {
          rule.sweep = (...args) => {
            if (Math.floor(args[3] / STEP_MS) % 23 === 7 && args[1].length > 0) {
              thrown++;
              throw new Error('sweep failed');
            }
            return sweep(...args);
          };
        }
      }
    }
    const history = generateHistory(rules, { seed: 7, hosts: 3, hours: 1, startMs: START_MS });
    const both = bothWays(rules, asSeriesSamples(history.samples, history.intervalSecondsByHost), history.toMs, 7, compiled);
    expectSameSignals(both);
    expect(thrown).toBeGreaterThan(100);
    expect(both.reference.flat().length).toBeGreaterThan(20);
  }, 120_000);

  // Two samples of a series at one time: evaluate applies the one that came first (its sort by time
  // is stable) and passes over the other as stale, so which one fires depends on the order they came.
  it('gives the signals of evaluate when a series sends two samples of one time, out of time order', () => {
    const rules = loadRuleFiles([DEFAULT_RULES_DIR]).filter((rule) => rule.name === 'smart_pending_sectors');
    const random = seededRandom(8);
    const labels = { host: 'a', device: 'sda' };
    const samples: SeriesSample[] = [{ metric: 'smart_pending_sectors', labels: { host: 'b', device: 'sda' }, value: 0, atMs: START_MS, intervalMs: 5000 }];
    for (let k = 0; k < 60; k++) {
      const atMs = START_MS + k * STEP_MS + 5000;
      const value = () => (random() < 0.5 ? 0 : 3);
      samples.push({ metric: 'smart_pending_sectors', labels, value: value(), atMs: atMs + 1, intervalMs: 5000 });
      samples.push({ metric: 'smart_pending_sectors', labels, value: value(), atMs, intervalMs: 5000 });
      samples.push({ metric: 'smart_pending_sectors', labels, value: value(), atMs, intervalMs: 5000 });
    }
    const both = bothWays(rules, samples, START_MS + 61 * STEP_MS, 8);
    expectSameSignals(both);
    expect(both.reference.flat().length).toBeGreaterThan(10);
  });

  it('resolves a series once however many label objects it comes with', () => {
    const [rule] = fixtureRules();
    const evaluator = createStepEvaluator(compileRules([rule!]));
    const a = evaluator.series('filesystem_used_ratio', { host: 'a', mount: '/' }, 15_000);
    expect(evaluator.series('filesystem_used_ratio', { mount: '/', host: 'a' }, 15_000)).toBe(a);
    expect(evaluator.series('filesystem_used_ratio', { mount: '/', host: 'b' }, 15_000)).not.toBe(a);
  });
});

/** The samples with each step's (STEP_MS from the first sample on, as bothWays steps) in a seeded random order. */
function shuffledWithinSteps(samples: readonly SeriesSample[], seed: number): SeriesSample[] {
  const random = seededRandom(seed);
  const firstMs = samples[0]!.atMs;
  const steps = new Map<number, SeriesSample[]>();
  for (const sample of samples) {
    const index = Math.floor((sample.atMs - firstMs) / STEP_MS);
    const list = steps.get(index);
    if (list) list.push(sample);
    else steps.set(index, [sample]);
  }
  const shuffled: SeriesSample[] = [];
  for (const list of steps.values()) {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
    shuffled.push(...list);
  }
  return shuffled;
}

/** How many times a series' sample comes after a newer sample of the same series within one step. */
function outOfOrderSteps(samples: readonly SeriesSample[]): number {
  const firstMs = samples[0]!.atMs;
  const newest = new Map<string, { step: number; atMs: number }>();
  let count = 0;
  for (const sample of samples) {
    const step = Math.floor((sample.atMs - firstMs) / STEP_MS);
    const key = `${sample.metric} ${JSON.stringify(sample.labels)}`;
    const seen = newest.get(key);
    if (seen && seen.step === step && seen.atMs > sample.atMs) count++;
    if (!seen || seen.step !== step || seen.atMs < sample.atMs) newest.set(key, { step, atMs: sample.atMs });
  }
  return count;
}
