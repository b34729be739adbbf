/**
 * The sweeps of one evaluation are bounded (MAX_SWEPT_STATES) where the prior states count each
 * rule's states: of several due rules with many states, the first sweeps now and the others at the
 * next calls, so a large fleet's rules do not all sweep in one ingest batch; with few states, or a
 * plain map that counts nothing, every due rule sweeps at once, as before.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../rules/engine/evaluate.js';
import { MAX_SWEPT_STATES, type StatesByRule } from '../../rules/engine/sweepRules.js';
import type { RuleState } from '../../rules/model/ruleTypes.js';
import { T0, testRule } from './ruleScenario.js';

const MIN = 60;
const rules = ['disk_avg', 'disk_max', 'disk_min'].map((name, i) =>
  testRule({ name, window: { function: (['avg', 'max', 'min'] as const)[i]!, windowSeconds: 10 * MIN } }),
);

/** A prior that lists states by rule and claims `claimed` states for each rule (only the counts matter to the budget). */
class CountingStates extends Map<string, RuleState> implements StatesByRule {
  constructor(
    states: Iterable<[string, RuleState]>,
    private readonly claimed: number,
  ) {
    super(states);
  }
  *ofRule(ruleName: string): Iterable<RuleState> {
    for (const state of this.values()) if (state.ruleName === ruleName) yield state;
  }
  countOfRule(): number {
    return this.claimed;
  }
}

/** The rules whose sweep record a call at `atMs` wrote. */
function swept(prior: ReadonlyMap<string, RuleState>, atMs: number): string[] {
  return evaluate(rules, [], prior, atMs)
    .states.filter((state) => state.fingerprint.startsWith('sweep:'))
    .map((state) => state.ruleName);
}

describe('the sweeps of one evaluation', () => {
  it.each([
    // a plain map counts nothing: every due rule sweeps
    ['a plain map', new Map<string, RuleState>(), ['disk_avg', 'disk_max', 'disk_min']],
    // few states: all of them fit in one call
    ['rules of 1,000 states each', new CountingStates([], 1_000), ['disk_avg', 'disk_max', 'disk_min']],
    // two rules fit, the third waits
    ['rules of a third of the budget and more', new CountingStates([], Math.floor(MAX_SWEPT_STATES / 2.5)), ['disk_avg', 'disk_max']],
    // a rule larger than the budget sweeps alone, never not at all
    ['rules larger than the budget', new CountingStates([], MAX_SWEPT_STATES * 4), ['disk_avg']],
  ])('with %s', (_name, prior, expected) => {
    expect(swept(prior, T0)).toEqual(expected);
  });

  it('leaves the rules it deferred due, so the next calls sweep them in turn', () => {
    const prior = new CountingStates([], MAX_SWEPT_STATES * 4);
    const order: string[][] = [];
    for (let call = 0; call < 4; call++) {
      const result = evaluate(rules, [], prior, T0 + call);
      for (const state of result.states) prior.set(state.fingerprint, state);
      order.push(result.states.filter((state) => state.fingerprint.startsWith('sweep:')).map((state) => state.ruleName));
    }
    expect(order).toEqual([['disk_avg'], ['disk_max'], ['disk_min'], []]);
  });
});
