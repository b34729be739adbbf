/**
 * The collector's rule states by rule (RuleStateIndex) give the engine's sweeps what one pass over
 * every state would: the same states and signals, and the index follows every set and delete.
 */
import { describe, expect, it } from 'vitest';
import { RuleStateIndex } from '../../collector/alerting/ruleStateIndex.js';
import { evaluate, isForgettable, type RuleState } from '../../rules/index.js';
import { sample, T0, testRule } from '../rules/ruleScenario.js';

const state = (ruleName: string, fingerprint: string): RuleState => ({ ruleName, ruleVersion: 'v', fingerprint, labels: {}, status: 'inactive', lastValue: 0, lastSampleAtMs: 0 });

describe('RuleStateIndex', () => {
  it('lists each rule\'s states through sets, moves and deletes', () => {
    const index = new RuleStateIndex([['a', state('r1', 'a')]]);
    index.set('b', state('r1', 'b')).set('c', state('r2', 'c'));
    index.set('b', state('r2', 'b')); // the same fingerprint under another rule moves
    index.delete('a');
    expect([...index.ofRule('r1')]).toEqual([]);
    expect([...index.ofRule('r2')].map((s) => s.fingerprint).sort()).toEqual(['b', 'c']);
    expect([...index.keys()].sort()).toEqual(['b', 'c']);
    index.clear();
    expect([...index.ofRule('r2')]).toEqual([]);
  });

  it('gives the engine\'s sweeps the same outcome as a plain map', () => {
    // Absent rules judge silence on sweeps, window rules forget buffers: both read the untouched states.
    const rules = [testRule({ name: 'silent', absent: { seconds: 60 } }), testRule({ name: 'avg', window: { function: 'avg', windowSeconds: 60 } })];
    const plain = new Map<string, RuleState>();
    const index = new RuleStateIndex();
    const steps: Array<[number, ReturnType<typeof sample>[]]> = [
      [0, [sample(0, 0.5), sample(0, 0.5, { host: 'web-2', mount: '/' })]],
      [30, [sample(30, 0.5)]],
      [90, []], // web-2 silent for 90 s: absent fires for it
      [200, []], // both buffers have left the window: forgotten
    ];
    const signals: string[] = [];
    for (const [seconds, samples] of steps) {
      const a = evaluate(rules, samples, plain, T0 + seconds * 1000);
      const b = evaluate(rules, samples, index, T0 + seconds * 1000);
      expect(b.signals).toEqual(a.signals);
      expect(b.states).toEqual(a.states);
      signals.push(...a.signals.map((signal) => `${signal.kind} ${signal.ruleName} ${signal.labels.host}`));
      for (const map of [plain, index]) for (const s of a.states) isForgettable(s) ? map.delete(s.fingerprint) : map.set(s.fingerprint, s);
    }
    expect(signals).toEqual(['firing silent web-2', 'firing silent web-1']);
    expect(index.size).toBe(plain.size);
  });
});
