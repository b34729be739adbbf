/**
 * Checks as signals in the rules engine: the status kind's reading of each check state (UNKNOWN
 * holds), the output text reaching the signal's templates, the changes() window function that
 * catches intermittent failures, and a change rule that counts only falls.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../rules/engine/evaluate.js';
import { parseRuleFile } from '../../rules/index.js';
import { windowValue } from '../../rules/kinds/window.js';
import type { RuleState, SeriesSample } from '../../rules/model/ruleTypes.js';
import { errorsOf, ruleFile } from './ruleEntryFile.js';
import { runScenario, T0 } from './ruleScenario.js';

const labels = { host: 'db-1', kind: 'plugin', check: 'raid' };
const check = (seconds: number, code: number, text = `state ${code}`): SeriesSample => ({ metric: 'check_status', labels, value: code, atMs: T0 + seconds * 1000, text });

function statusRule(states: string, extra = ''): ReturnType<typeof parseRuleFile>[number] {
  const text = `rules:\n  - name: plugin_alert\n    metric: check_status\n    status: ${states}\n    severity: critical\n    summary: "{{ labels.check }}: {{ output }}"\n${extra}`;
  return parseRuleFile(text, 'checks.yaml')[0]!;
}

describe('status rules', () => {
  it.each([
    // state codes: 0 ok, 1 warning, 2 critical, 3 unknown
    { why: 'critical fires a critical rule', states: '[critical]', codes: [0, 2], status: 'firing' },
    { why: 'unknown does not start it', states: '[critical]', codes: [0, 3], status: 'inactive' },
    { why: 'unknown does not resolve it', states: '[critical]', codes: [2, 3, 3], status: 'firing' },
    { why: 'ok resolves it', states: '[critical]', codes: [2, 3, 0], status: 'inactive' },
    { why: 'critical clears a warning rule', states: '[warning]', codes: [1, 2], status: 'inactive' },
    { why: 'a rule listing both stays firing from warning to critical', states: '[warning, critical]', codes: [1, 2], status: 'firing' },
    { why: 'a rule listing unknown fires on it', states: '[unknown]', codes: [0, 3], status: 'firing' },
    { why: 'and resolves at any known state', states: '[unknown]', codes: [3, 2], status: 'inactive' },
    { why: 'a value that is no state code neither fires nor clears', states: '[critical]', codes: [2, 7], status: 'firing' },
  ])('$why', ({ states, codes, status }) => {
    const rule = statusRule(states);
    let prior = new Map<string, RuleState>();
    codes.forEach((code, i) => {
      const result = evaluate([rule], [check(i * 60, code)], prior, T0 + i * 60_000);
      prior = new Map([...prior, ...result.states.map((s) => [s.fingerprint, s] as const)]);
    });
    expect([...prior.values()].at(-1)?.status ?? 'inactive').toBe(status);
  });

  it('puts the output line of the sample that fired into the texts, and respects `for`', () => {
    const rule = statusRule('[critical]', '    for: 1m\n');
    const [first, second] = runScenario(
      [rule],
      [
        { note: 'first CRITICAL: pending', samples: [check(0, 2, 'CRITICAL - array md0 degraded')], status: 'pending' },
        { note: 'a minute later: fires with the text of that result', samples: [check(60, 2, 'CRITICAL - md0: 1/2 disks')], status: 'firing', signals: ['firing'] },
      ],
    );
    expect(first!.signals).toEqual([]);
    expect(second!.signals[0]).toMatchObject({ summary: 'raid: CRITICAL - md0: 1/2 disks', reason: 'check_status critical (2) for 1m' });
  });

  it.each([
    {
      why: 'an unknown state, with the nearest name, and a series that holds no check states',
      line: 'status: [critcal]',
      errors: [
        'bad.yaml:5:5: rules[0].status: a "status" rule watches a series of check states (such as check_status); filesystem_used_ratio holds ratio',
        'bad.yaml:5:14: rules[0].status[0]: unknown check state "critcal"; did you mean "critical"? (one of: ok, warning, critical, unknown)',
      ],
    },
    {
      why: 'a threshold beside it',
      line: 'status: [critical]\n    above: 1',
      errors: [
        'bad.yaml:5:5: rules[0].status: a "status" rule watches a series of check states (such as check_status); filesystem_used_ratio holds ratio',
        'bad.yaml:6:5: rules[0].above: a "status" rule has no "above": it fires while the check\'s state is one of those listed',
      ],
    },
  ])('refuses $why', ({ line, errors }) => {
    expect(errorsOf(ruleFile(line))).toEqual(errors);
  });
});

describe('changes(): intermittent failures', () => {
  it.each([
    { why: 'no point', values: [], expected: NaN },
    { why: 'one point', values: [0], expected: 0 },
    { why: 'a hard failure and its recovery', values: [0, 2, 2, 2, 0], expected: 2 },
    { why: 'failing and recovering twice', values: [0, 2, 0, 2, 0], expected: 4 },
  ])('$why: $expected', ({ values, expected }) => {
    expect(windowValue('changes', { atMs: values.map((_, i) => i * 1000), values })).toBe(expected);
  });

  it('fires on a port down in short stretches that no `for` would catch, and not on one long outage', () => {
    const [rule] = parseRuleFile(
      'rules:\n  - name: flaky\n    metric: tcp_up\n    function: changes\n    window: 15m\n    above: 3\n    clearBelow: 1\n    severity: warning\n    summary: "{{ labels.target }} {{ value }}"',
      'r.yaml',
    );
    const run = (values: number[], target: string) => {
      let prior = new Map<string, RuleState>();
      const fired: number[] = [];
      values.forEach((value, i) => {
        const result = evaluate([rule!], [{ metric: 'tcp_up', labels: { host: 'h', target }, value, atMs: T0 + i * 15_000 }], prior, T0 + i * 15_000);
        prior = new Map([...prior, ...result.states.map((s) => [s.fingerprint, s] as const)]);
        for (const signal of result.signals) if (signal.kind === 'firing') fired.push(i);
      });
      return fired;
    };
    expect(run([1, 0, 1, 0, 1, 1, 1], 'flaky')).toEqual([4]);
    expect(run([1, 0, 0, 0, 0, 0, 1, 1], 'down')).toEqual([]);
  });
});

describe('change rules with a direction', () => {
  it('count only falls with direction: down', () => {
    const [rule] = parseRuleFile(
      'rules:\n  - name: slower\n    metric: network_speed_bytes_per_second\n    change: { window: 1h, direction: down }\n    severity: warning\n    summary: "{{ previous }} -> {{ value }}"',
      'r.yaml',
    );
    const speed = (seconds: number, value: number, iface: string): SeriesSample => ({ metric: 'network_speed_bytes_per_second', labels: { host: 'h', interface: iface }, value, atMs: T0 + seconds * 1000 });
    const prior = new Map<string, RuleState>();
    const feed = (samples: SeriesSample[], nowMs: number) => {
      const result = evaluate([rule!], samples, prior, nowMs);
      for (const state of result.states) prior.set(state.fingerprint, state);
      return result.signals.map((s) => `${s.labels.interface} ${s.kind} ${s.summary}`);
    };
    expect(feed([speed(0, 125e6, 'down'), speed(0, 12.5e6, 'up')], T0)).toEqual([]);
    expect(feed([speed(60, 12.5e6, 'down'), speed(60, 125e6, 'up')], T0 + 60_000)).toEqual(['down firing 125000000 -> 12500000']);
  });

  it('refuses an unknown direction', () => {
    expect(errorsOf(ruleFile('change: { window: 1h, direction: dwon }'))).toEqual([
      'bad.yaml:5:38: rules[0].change.direction: unknown direction "dwon"; did you mean "down"? (one of: up, down)',
    ]);
  });
});
