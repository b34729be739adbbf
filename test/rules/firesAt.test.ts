/**
 * KindBehaviour.firesAt, the step evaluator's shortcut past samples of a series without a state
 * that do not breach: for every rule of the built-in pack and of the test fixtures whose kind has
 * one, it must say what the kind's reading says of the fire condition, for every value (NaN, ±0,
 * ±Infinity, the thresholds and their neighbours, check codes, fractions) and whatever the state.
 */
import { describe, expect, it } from 'vitest';
import { compileRules, DEFAULT_RULES_DIR, loadRuleFiles, type RuleState } from '../../rules/index.js';
import { fixtureRules } from '../support/generatedHistory.js';

describe('firesAt', () => {
  const compiled = [...compileRules([...loadRuleFiles([DEFAULT_RULES_DIR]), ...fixtureRules()]).byMetric.values()].flat();
  const withShortcut = compiled.filter((c) => c.firesAt !== undefined);

  it('is given by the memoryless kinds only (threshold, status), for most rules of the pack', () => {
    expect(withShortcut.length).toBeGreaterThan(30);
    expect(withShortcut.some((c) => c.rule.status !== undefined)).toBe(true);
    for (const c of withShortcut) expect([c.rule.window, c.rule.predict, c.rule.absent, c.rule.change, c.rule.aggregate].filter((spec) => spec !== undefined)).toEqual([]);
  });

  it('agrees with the reading of every value, from any state', () => {
    const states: RuleState['status'][] = ['inactive', 'pending', 'firing'];
    for (const c of withShortcut) {
      const { fire, clear } = c.rule;
      const values = [NaN, 0, -0, Infinity, -Infinity, 0.5, 1, 2, 3, 4, 2.5, -1, 5e-324, 1e300];
      for (const threshold of [fire.threshold, clear.threshold]) values.push(threshold, threshold + 1e-9, threshold - 1e-9, threshold + Math.abs(threshold) * Number.EPSILON);
      for (const value of values) {
        for (const status of states) {
          const prior: RuleState = { ruleName: c.rule.name, ruleVersion: c.rule.version, fingerprint: 'f', labels: { host: 'h' }, status, lastValue: 1, lastSampleAtMs: 0 };
          const reading = c.read!({ metric: c.rule.metric, labels: { host: 'h' }, value, atMs: 1000, intervalMs: 15_000 }, prior);
          expect(c.firesAt!(value), `${c.rule.name} at ${value} (${status})`).toBe(reading.fireMet);
        }
      }
    }
  });
});
