import { describe, expect, it } from 'vitest';
import { compileRules, type CompiledRuleSet } from '../../rules/engine/compileRules.js';
import { evaluate, MAX_FUTURE_SKEW_MS } from '../../rules/engine/evaluate.js';
import { fingerprint } from '../../rules/labels/fingerprint.js';
import type { RuleState } from '../../rules/model/ruleTypes.js';
import { runScenario, sample, T0, testRule } from './ruleScenario.js';

const MIN = 60;

describe('evaluate: for-timer', () => {
  it('stays pending until the breach has held for `for`, then fires once', () => {
    const rule = testRule({ forSeconds: 5 * MIN });
    const results = runScenario(
      [rule],
      [
        { note: 'healthy value: no state at all', samples: [sample(0, 0.5)], status: 'inactive' },
        { note: 'first breach starts the for-timer', samples: [sample(1 * MIN, 0.93)], status: 'pending' },
        { note: '1m into the timer', samples: [sample(2 * MIN, 0.95)], status: 'pending' },
        { note: '4m59s into the timer', samples: [sample(6 * MIN - 1, 0.95)], status: 'pending' },
        { note: 'exactly 5m: fires', samples: [sample(6 * MIN, 0.934)], status: 'firing', signals: ['firing'] },
        { note: 'still breaching: no new signal', samples: [sample(7 * MIN, 0.96)], status: 'firing' },
      ],
    );
    const fired = results[4]!.signals[0]!;
    expect(fired).toEqual({
      kind: 'firing',
      ruleName: 'disk_full',
      ruleVersion: rule.version,
      fingerprint: fingerprint('disk_full', { host: 'web-1', mount: '/' }),
      labels: { host: 'web-1', mount: '/', alertname: 'disk_full' },
      severity: 'warning',
      summary: 'Disk / on web-1 is 93.4% full',
      description: '',
      value: 0.934,
      atMs: T0 + 6 * MIN * 1000,
      sinceMs: T0 + 1 * MIN * 1000,
      reason: 'filesystem_used_ratio 0.934 above 0.9 for 5m',
    });
    expect(results[0]!.states).toEqual([]);
  });

  it('fires on the first breaching sample when for is 0', () => {
    const results = runScenario(
      [testRule()],
      [
        { note: 'healthy', samples: [sample(0, 0.2)], status: 'inactive' },
        { note: 'breach fires at once', samples: [sample(15, 0.91)], status: 'firing', signals: ['firing'] },
      ],
    );
    expect(results[1]!.signals[0]!.reason).toBe('filesystem_used_ratio 0.91 above 0.9');
  });

  it('a pending series that recovers goes back to inactive without a signal, and a new breach restarts the timer', () => {
    runScenario(
      [testRule({ forSeconds: 5 * MIN })],
      [
        { note: 'breach: pending', samples: [sample(0, 0.95)], status: 'pending' },
        { note: 'recovers before 5m: inactive, silent', samples: [sample(4 * MIN, 0.5)], status: 'inactive' },
        { note: 'new breach: timer restarts here', samples: [sample(5 * MIN, 0.95)], status: 'pending' },
        { note: '5m after the first breach: the old timer must not count', samples: [sample(6 * MIN, 0.95)], status: 'pending' },
        { note: '5m after the new breach: fires', samples: [sample(10 * MIN, 0.95)], status: 'firing', signals: ['firing'] },
      ],
    );
  });
});

describe('evaluate: clearing', () => {
  it('hysteresis: dithering between the clear and fire thresholds does not resolve', () => {
    const rule = testRule({ fire: { op: 'above', threshold: 0.9 }, clear: { op: 'below', threshold: 0.85 } });
    const results = runScenario(
      [rule],
      [
        { note: 'fires', samples: [sample(0, 0.95)], status: 'firing', signals: ['firing'] },
        { note: 'under the fire threshold, above the clear one', samples: [sample(60, 0.87)], status: 'firing' },
        { note: 'back over', samples: [sample(120, 0.91)], status: 'firing' },
        { note: 'exactly the clear threshold is not below it', samples: [sample(180, 0.85)], status: 'firing' },
        { note: 'in the band again', samples: [sample(240, 0.89)], status: 'firing' },
        { note: 'below the clear threshold: resolves', samples: [sample(300, 0.84)], status: 'inactive', signals: ['resolved'] },
        { note: 'in the band while inactive: the fire threshold counts again', samples: [sample(360, 0.88)], status: 'inactive' },
      ],
    );
    const resolved = results[5]!.signals[0]!;
    expect(resolved.reason).toBe('filesystem_used_ratio 0.84 below 0.85');
    expect(resolved.sinceMs).toBe(T0 + 300_000);
    expect(resolved.value).toBe(0.84);
  });

  it('clearFor: the clear condition must hold for clearFor, and a relapse resets the timer', () => {
    const rule = testRule({ clear: { op: 'below', threshold: 0.85 }, clearForSeconds: 2 * MIN });
    const results = runScenario(
      [rule],
      [
        { note: 'fires', samples: [sample(0, 0.95)], status: 'firing', signals: ['firing'] },
        { note: 'clear condition starts the clearFor timer', samples: [sample(1 * MIN, 0.8)], status: 'firing' },
        { note: '1m into clearFor', samples: [sample(2 * MIN, 0.8)], status: 'firing' },
        { note: 'relapse into the band resets it', samples: [sample(2 * MIN + 30, 0.87)], status: 'firing' },
        { note: 'clearing again from here', samples: [sample(3 * MIN, 0.8)], status: 'firing' },
        { note: '1m59s: not yet', samples: [sample(5 * MIN - 1, 0.8)], status: 'firing' },
        { note: '2m after the restart: resolves', samples: [sample(5 * MIN, 0.7)], status: 'inactive', signals: ['resolved'] },
      ],
    );
    expect(results[1]!.states[0]!.clearingSinceMs).toBe(T0 + 1 * MIN * 1000);
    expect(results[3]!.states[0]!.clearingSinceMs).toBeUndefined();
    expect(results[4]!.states[0]!.clearingSinceMs).toBe(T0 + 3 * MIN * 1000);
    const resolved = results[6]!.signals[0]!;
    expect(resolved.sinceMs).toBe(T0 + 3 * MIN * 1000);
    expect(resolved.reason).toBe('filesystem_used_ratio 0.7 below 0.85 for 2m');
  });

  it('a `below` rule with no clear threshold resolves as soon as the value is back at the threshold', () => {
    const rule = testRule({ name: 'tcp_port_down', metric: 'tcp_up', fire: { op: 'below', threshold: 1 }, forSeconds: 30, summary: '{{ labels.target }} down' });
    const up = (s: number, v: number) => sample(s, v, { host: 'web-1', target: 'db:5432' }, 'tcp_up');
    const results = runScenario(
      [rule],
      [
        { note: 'up', samples: [up(0, 1)], status: 'inactive' },
        { note: 'down: pending', samples: [up(15, 0)], status: 'pending' },
        { note: 'down for 30s: fires', samples: [up(45, 0)], status: 'firing', signals: ['firing'] },
        { note: 'up again: resolves at once', samples: [up(60, 1)], status: 'inactive', signals: ['resolved'] },
      ],
    );
    expect(results[3]!.signals[0]!.reason).toBe('tcp_up 1 at or above 1');
    expect(results[2]!.signals[0]!.summary).toBe('db:5432 down');
  });
});

describe('evaluate: time order', () => {
  it('ignores a sample older than the last one applied, and a replayed one', () => {
    const rule = testRule();
    const results = runScenario(
      [rule],
      [
        { note: 'fires', samples: [sample(0, 0.95)], status: 'firing', signals: ['firing'] },
        { note: 'resolves', samples: [sample(120, 0.5)], status: 'inactive', signals: ['resolved'] },
        { note: 'a late breaching sample from before must not re-fire', samples: [sample(60, 0.99)], status: 'inactive' },
        { note: 'the same sample replayed changes nothing', samples: [sample(120, 0.99)], status: 'inactive' },
      ],
    );
    expect(results[2]!.states).toEqual([]);
    expect(results[2]!.stats.ignoredStale).toBe(1);
    expect(results[3]!.states).toEqual([]);
    expect(results[3]!.stats.ignoredStale).toBe(1);
  });

  it('counts the samples of a series without a state that do not breach as applied or stale, and keeps no state for it', () => {
    const rules = compileRules([testRule({ forSeconds: 2 * MIN })]);
    // Out of order, a time twice: in time order 0, 60, 60 (stale: not after the last applied), 120.
    const quiet = [sample(120, 0.5), sample(0, 0.4), sample(60, 0.6), sample(60, 0.7)];
    const result = evaluate(rules, quiet, new Map(), T0 + 5 * MIN * 1000);
    expect(result.states).toEqual([]);
    expect(result.signals).toEqual([]);
    expect(result.stats).toEqual({ applied: 3, ignoredStale: 1, ignoredFuture: 0 });
    // One breaching sample among them: the series is read sample by sample, from its first, and the same are counted.
    const breaching = evaluate(rules, [...quiet, sample(180, 0.95)], new Map(), T0 + 5 * MIN * 1000);
    expect(breaching.stats).toEqual({ applied: 4, ignoredStale: 1, ignoredFuture: 0 });
    expect(breaching.states).toMatchObject([{ status: 'pending', pendingSinceMs: T0 + 180_000, lastValue: 0.95, lastSampleAtMs: T0 + 180_000 }]);
  });

  it('replays a backlog delivered in one call in time order, whatever order it arrives in', () => {
    const rule = testRule({ forSeconds: 3 * MIN });
    // In time order: breach at 0, recovery at 1m, breach from 2m on; 3m after 2m (at 5m) it fires.
    const backlog = [sample(4 * MIN, 0.95), sample(0, 0.95), sample(2 * MIN, 0.95), sample(5 * MIN, 0.97), sample(1 * MIN, 0.5)];
    const [result] = runScenario([rule], [{ note: 'backlog fires once, timed from the last breach', samples: backlog, status: 'firing', signals: ['firing'] }]);
    const fired = result!.signals[0]!;
    expect(fired.atMs).toBe(T0 + 5 * MIN * 1000);
    expect(fired.sinceMs).toBe(T0 + 2 * MIN * 1000);
    expect(fired.value).toBe(0.97);
    expect(result!.states).toHaveLength(1);
    expect(result!.states[0]!.lastSampleAtMs).toBe(T0 + 5 * MIN * 1000);
  });

  it('a backlog can fire and resolve in one call; signals come out in time order', () => {
    const samples = [sample(120, 0.5), sample(0, 0.95), sample(60, 0.95)];
    const [result] = runScenario([testRule({ forSeconds: 60 })], [{ note: 'fire then resolve', samples, status: 'inactive', signals: ['firing', 'resolved'] }]);
    expect(result!.signals.map((s) => s.atMs)).toEqual([T0 + 60_000, T0 + 120_000]);
  });

  it('ignores samples stamped too far in the future, so that a fast clock cannot freeze a series', () => {
    const rule = testRule();
    const future = sample(0, 0.99);
    const result = evaluate([rule], [{ ...future, atMs: T0 + MAX_FUTURE_SKEW_MS + 1 }], new Map(), T0);
    expect(result.signals).toEqual([]);
    expect(result.states).toEqual([]);
    expect(result.stats.ignoredFuture).toBe(1);
  });
});

describe('evaluate: restart', () => {
  it('states round-tripped through JSON continue the for-timer', () => {
    const rule = testRule({ forSeconds: 5 * MIN });
    const before = evaluate([rule], [sample(0, 0.95), sample(2 * MIN, 0.95)], new Map(), T0 + 2 * MIN * 1000);
    expect(before.states.map((s) => s.status)).toEqual(['pending']);

    const persisted = JSON.stringify(before.states);
    const restored = new Map((JSON.parse(persisted) as RuleState[]).map((s) => [s.fingerprint, s]));
    expect([...restored.values()]).toEqual(before.states);

    const at4m = evaluate([rule], [sample(4 * MIN, 0.95)], restored, T0 + 4 * MIN * 1000);
    expect(at4m.signals).toEqual([]);
    for (const s of at4m.states) restored.set(s.fingerprint, JSON.parse(JSON.stringify(s)) as RuleState);
    const at5m = evaluate([rule], [sample(5 * MIN, 0.95)], restored, T0 + 5 * MIN * 1000);
    expect(at5m.signals.map((s) => [s.kind, s.sinceMs])).toEqual([['firing', T0]]);
  });

  it('a firing series restored after a restart resolves rather than firing again', () => {
    const rule = testRule();
    const fired = evaluate([rule], [sample(0, 0.95)], new Map(), T0);
    const restored = new Map((JSON.parse(JSON.stringify(fired.states)) as RuleState[]).map((s) => [s.fingerprint, s]));
    expect(evaluate([rule], [sample(60, 0.96)], restored, T0 + 60_000).signals).toEqual([]);
    expect(evaluate([rule], [sample(60, 0.5)], restored, T0 + 60_000).signals.map((s) => s.kind)).toEqual(['resolved']);
  });

  it('a state from an older rule version continues, and takes the new version', () => {
    const old = testRule({ forSeconds: 5 * MIN });
    const edited = testRule({ forSeconds: 5 * MIN, summary: 'edited' });
    expect(edited.version).not.toBe(old.version);
    const first = evaluate([old], [sample(0, 0.95)], new Map(), T0);
    const prior = new Map(first.states.map((s) => [s.fingerprint, s]));
    const later = evaluate([edited], [sample(5 * MIN, 0.95)], prior, T0 + 5 * MIN * 1000);
    expect(later.signals.map((s) => [s.kind, s.ruleVersion, s.summary])).toEqual([['firing', edited.version, 'edited']]);
    expect(later.states[0]!.ruleVersion).toBe(edited.version);
  });
});

describe('evaluate: rule health', () => {
  const healthy = testRule({ name: 'memory_high', metric: 'memory_used_ratio', summary: 'memory {{ value | percent }}' });
  const memory = (s: number, v: number) => sample(s, v, { host: 'web-1' }, 'memory_used_ratio');

  it('a rule that cannot compile is unhealthy on every call; the others keep evaluating', () => {
    const broken = testRule({ matchers: [{ label: 'mount', op: '=~', value: '[' }] });
    const result = evaluate([broken, healthy], [sample(0, 0.99), memory(0, 0.99)], new Map(), T0);
    expect(result.signals.map((s) => s.ruleName)).toEqual(['memory_high']);
    expect(result.health[0]).toMatchObject({ ruleName: 'disk_full', healthy: false });
    expect(result.health[0]!.error).toMatch(/cannot compile: Invalid regular expression/);
    expect(result.health[1]).toEqual({ ruleName: 'memory_high', healthy: true });
  });

  it('a rule that throws while evaluating is unhealthy and its outcome is dropped; the others keep evaluating', () => {
    const set = compileRules([testRule(), healthy]);
    const [disk] = set.byMetric.get('filesystem_used_ratio')!;
    const throwing: CompiledRuleSet = {
      ...set,
      byMetric: new Map([...set.byMetric, ['filesystem_used_ratio', [{ ...disk!, read: () => { throw new Error('boom'); } }]]]),
    };
    const result = evaluate(throwing, [sample(0, 0.99), memory(0, 0.99)], new Map(), T0);
    expect(result.signals.map((s) => s.ruleName)).toEqual(['memory_high']);
    expect(result.states.map((s) => s.ruleName)).toEqual(['memory_high']);
    expect(result.health).toEqual([
      { ruleName: 'disk_full', healthy: false, error: 'boom' },
      { ruleName: 'memory_high', healthy: true },
    ]);
  });

  it('a template that fails to render still lets the alert out, with fallback text, and marks the rule unhealthy', () => {
    const rule = testRule({ summary: 'Disk {{ labels.mount | bytes }} full' });
    const result = evaluate([rule, healthy], [sample(0, 0.99), memory(0, 0.99)], new Map(), T0);
    expect(result.signals.map((s) => [s.ruleName, s.summary])).toEqual([
      ['disk_full', 'disk_full: filesystem_used_ratio 0.99 above 0.9'],
      ['memory_high', 'memory 99%'],
    ]);
    expect(result.health[0]!.healthy).toBe(false);
    expect(result.health[0]!.error).toBe('summary template: "{{ labels.mount | bytes }}": label mount="/" is not a number');
    expect(result.health[1]!.healthy).toBe(true);
  });
});

describe('evaluate: matching and output', () => {
  it('applies a rule only to series of its metric that satisfy its matchers', () => {
    const rule = testRule({ matchers: [{ label: 'mount', op: '!~', value: '/snap/.*' }, { label: 'fstype', op: '=', value: 'ext4' }] });
    const samples = [
      sample(0, 0.99, { host: 'a', mount: '/', fstype: 'ext4' }),
      sample(0, 0.99, { host: 'a', mount: '/snap/core', fstype: 'ext4' }),
      sample(0, 0.99, { host: 'a', mount: '/data', fstype: 'xfs' }),
      sample(0, 0.99, { host: 'a', mount: '/', fstype: 'ext4' }, 'memory_used_ratio'),
      sample(0, 0.99, { host: 'b', mount: '/home', fstype: 'ext4' }),
    ];
    const result = evaluate([rule], samples, new Map(), T0);
    expect(result.signals.map((s) => `${s.labels.host}:${s.labels.mount}`)).toEqual(['a:/', 'b:/home']);
    expect(new Set(result.states.map((s) => s.fingerprint)).size).toBe(2);
  });

  it('merges rule labels over series labels and sets alertname; the state keeps the series labels', () => {
    const rule = testRule({ labels: { team: 'infra', mount: 'overridden' } });
    const result = evaluate([rule], [sample(0, 0.99, { host: 'a', mount: '/' })], new Map(), T0);
    expect(result.signals[0]!.labels).toEqual({ host: 'a', mount: 'overridden', team: 'infra', alertname: 'disk_full' });
    expect(result.states[0]!.labels).toEqual({ host: 'a', mount: '/' });
    expect(result.signals[0]!.fingerprint).toBe(fingerprint('disk_full', { host: 'a', mount: '/' }));
  });

  it('returns only new or changed states, and health for every rule', () => {
    const rules = [testRule(), testRule({ name: 'other', metric: 'swap_used_ratio' })];
    const quiet = evaluate(rules, [sample(0, 0.1), sample(0, 0.2, { host: 'b', mount: '/' })], new Map(), T0);
    expect(quiet.states).toEqual([]);
    expect(quiet.signals).toEqual([]);
    expect(quiet.health).toEqual([
      { ruleName: 'disk_full', healthy: true },
      { ruleName: 'other', healthy: true },
    ]);
  });

  it('does not mutate its inputs', () => {
    const rule = deepFreeze(testRule({ forSeconds: 60 }));
    const first = evaluate([rule], [sample(0, 0.95)], new Map(), T0);
    const prior = new Map(first.states.map((s) => [s.fingerprint, deepFreeze(s)]));
    const samples = deepFreeze([sample(60, 0.95), sample(30, 0.95)]);
    const result = evaluate([rule], samples, prior, T0 + 60_000);
    expect(result.signals.map((s) => s.kind)).toEqual(['firing']);
    expect(samples.map((s) => s.atMs)).toEqual([T0 + 60_000, T0 + 30_000]);
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
