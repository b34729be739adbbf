/**
 * `npm run bench:rules` measures the engine over bench/rulesFleet.ts' 100 rules and fleet: the rule
 * file must load (one the loader refused once made the bench fail at start, unnoticed), and the fleet
 * must make rules of several kinds fire, or the bench measures an engine with nothing to do.
 */
import { describe, expect, it } from 'vitest';
import { benchRules, hostSamples } from '../../bench/rulesFleet.js';
import { compileRules, evaluate, isForgettable, type RuleState } from '../../rules/index.js';

describe("bench:rules' rules and fleet", () => {
  it('loads 100 rules, the group aggregates with their declared host label', () => {
    const rules = benchRules();
    expect(rules).toHaveLength(100);
    expect(rules.filter((rule) => rule.name.startsWith('loss_ratio_'))).toHaveLength(10);
  });

  it('fires rules of seven families over a few report cycles of 200 hosts, and keeps the group aggregates', () => {
    const rules = compileRules(benchRules());
    const states = new Map<string, RuleState>();
    const fired = new Set<string>();
    const t0 = Date.UTC(2026, 0, 1);
    for (let round = 0; round < 12; round++) {
      const atMs = t0 + round * 15_000;
      const samples = [];
      for (let host = 0; host < 200; host++) samples.push(...hostSamples(host, round, atMs));
      const result = evaluate(rules, samples, states, atMs);
      for (const state of result.states) {
        if (isForgettable(state)) states.delete(state.fingerprint);
        else states.set(state.fingerprint, state);
      }
      for (const signal of result.signals) if (signal.kind === 'firing') fired.add(signal.ruleName.replace(/_\d+$/, ''));
      expect(result.health.filter((h) => !h.healthy)).toEqual([]);
    }
    expect([...fired].sort()).toEqual(['cpu_avg', 'err_inc', 'load_max', 'mem', 'ping_absent', 'rx_rate', 'tcp']);
    // The aggregates (by the declared host label `group`) hold their groups, below their thresholds in this fleet.
    const aggregated = [...states.values()].filter((state) => state.ruleName.startsWith('loss_ratio_'));
    expect(aggregated.length).toBeGreaterThan(0);
  });
});
