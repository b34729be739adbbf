/**
 * The `change` rule kind (rules/kinds/change.ts): what the loader makes of `change:` and its
 * located errors, what counts as a change, and time-step scenarios (a reboot seen across the
 * host's silence and resolved by a sweep; `for` as "keeps changing"; clearFor; a late sample).
 */
import { describe, expect, it } from 'vitest';
import { compileRules } from '../../rules/engine/compileRules.js';
import { evaluate } from '../../rules/engine/evaluate.js';
import { parseRuleFile } from '../../rules/load/loadRules.js';
import type { Rule, SeriesSample } from '../../rules/model/ruleTypes.js';
import { runRuleTest } from '../../rules/testing/ruleTestRunner.js';
import { errorsOf, ruleFile } from './ruleEntryFile.js';
import { runScenario, runSeriesScenario, T0, testRule } from './ruleScenario.js';

const MIN = 60;

/** A change rule as the loader would build it. */
function changeRule(windowSeconds: number, overrides: Partial<Rule> = {}, tolerance = 0): Rule {
  return testRule({
    name: 'rebooted',
    metric: 'boot_time_seconds',
    change: { windowSeconds, tolerance },
    fire: { op: 'above', threshold: tolerance },
    summary: '{{ labels.host }} rebooted: {{ previous }} -> {{ value }}',
    ...overrides,
  });
}

const boot = (seconds: number, value: number, host = 'web-1'): SeriesSample => ({ metric: 'boot_time_seconds', labels: { host }, value, atMs: T0 + seconds * 1000 });

describe('change: what the loader makes of it', () => {
  it.each([
    // a window alone: any difference counts, the fire threshold is the tolerance 0
    { why: 'window only', lines: ['change: { window: 10m }'], expected: { change: { windowSeconds: 600, tolerance: 0 }, fire: { op: 'above', threshold: 0 }, clear: { op: 'atOrBelow', threshold: 0 } } },
    // a tolerance for values that jitter
    { why: 'with a tolerance', lines: ['change: { window: 30m, tolerance: 60 }'], expected: { change: { windowSeconds: 1800, tolerance: 60 }, fire: { op: 'above', threshold: 60 } } },
    // for, clearFor and keepFiringFor keep their usual meaning
    { why: 'with for and clearFor', lines: ['change: { window: 2m }', 'for: 5m', 'clearFor: 1m'], expected: { forSeconds: 300, clearForSeconds: 60 } },
    // the kind's variables are allowed in its templates
    { why: 'its template variables', lines: ['change: { window: 1m }', 'description: "{{ previous }} {{ secondsSinceChange | seconds }}"'], expected: { description: '{{ previous }} {{ secondsSinceChange | seconds }}' } },
  ])('$why', ({ lines, expected }) => {
    const [rule] = parseRuleFile(ruleFile(...lines), 'good.yaml');
    expect(rule).toMatchObject(expected);
  });

  it('the version depends on the window and the tolerance', () => {
    const versions = ['change: { window: 10m }', 'change: { window: 11m }', 'change: { window: 10m, tolerance: 1 }'].map((line) => parseRuleFile(ruleFile(line), 'a.yaml')[0]!.version);
    expect(new Set(versions).size).toBe(3);
  });

  it.each([
    // zero window
    { why: 'zero window', lines: ['change: { window: 0s }'], errors: ['bad.yaml:5:23: rules[0].change.window: must be longer than 0, got "0s"'] },
    // malformed window: the schema's duration message
    { why: 'malformed window', lines: ['change: { window: 10 min }'], errors: ['bad.yaml:5:23: rules[0].change.window: must be a duration such as 30s, 5m, 4h or 7d, got "10 min"'] },
    // negative tolerance
    {
      why: 'negative tolerance',
      lines: ['change: { window: 10m, tolerance: -1 }'],
      errors: ['bad.yaml:5:39: rules[0].change.tolerance: must be a number of 0 or more (how far the value may move without counting as a change), got -1'],
    },
    // a typo in a key of change
    {
      why: 'typo in window',
      lines: ['change: { windw: 10m }'],
      errors: ['bad.yaml:5:13: rules[0].change: missing required key "window"', 'bad.yaml:5:15: rules[0].change.windw: unknown key "windw"; did you mean "window"?'],
    },
    // change left empty
    { why: 'empty change', lines: ['change:'], errors: ['bad.yaml:5:12: rules[0].change: must be object'] },
    // thresholds make no sense for a change
    {
      why: 'a threshold',
      lines: ['change: { window: 10m }', 'above: 1', 'clearBelow: 0'],
      errors: [
        'bad.yaml:6:5: rules[0].above: a "change" rule has no "above": it fires when the value changes and resolves once it has stayed the same for change.window',
        'bad.yaml:7:5: rules[0].clearBelow: a "change" rule has no "clearBelow": it fires when the value changes and resolves once it has stayed the same for change.window',
      ],
    },
    // one kind per rule
    {
      why: 'with a window function',
      lines: ['function: avg', 'window: 5m', 'change: { window: 10m }'],
      errors: ['bad.yaml:7:5: rules[0].change: a rule takes one of "function", "predict", "absent", "aggregate", "change" and "status", not both "function" and "change"; write two rules'],
    },
    // its variables in another kind's rule, and another kind's variable in a change rule
    { why: 'previous in a plain rule', lines: ['above: 1', 'description: "was {{ previous }}"'], errors: ['bad.yaml:6:18: rules[0].description: "{{ previous }}": previous is only set for change rules'] },
    {
      why: 'secondsToThreshold in a change rule',
      lines: ['change: { window: 10m }', 'description: "{{ secondsToThreshold }}"'],
      errors: ['bad.yaml:6:18: rules[0].description: "{{ secondsToThreshold }}": secondsToThreshold is only set for predict rules'],
    },
  ])('error: $why', ({ lines, errors }) => {
    expect(errorsOf(ruleFile(...lines))).toEqual(errors);
  });

  it('a change rule built by code with no window cannot compile and is reported unhealthy', () => {
    const set = compileRules([changeRule(0)]);
    expect(set.broken.get('rebooted')).toBe('cannot compile: change needs a window above 0 and a finite tolerance of 0 or more');
  });
});

describe('change: what counts as a change', () => {
  it.each([
    // the first sample is the baseline, an unchanged value never fires
    { why: 'steady', values: [5, 5, 5], tolerance: 0, firesAt: undefined },
    { why: 'a different value', values: [5, 5, 6], tolerance: 0, firesAt: 2 },
    { why: 'a drop counts as much as a rise', values: [5, 4], tolerance: 0, firesAt: 1 },
    // NaN equals NaN; NaN to a number and back are changes
    { why: 'stuck at NaN', values: [NaN, NaN, NaN], tolerance: 0, firesAt: undefined },
    { why: 'a number to NaN', values: [5, NaN], tolerance: 0, firesAt: 1 },
    { why: 'NaN to a number', values: [NaN, 5], tolerance: 0, firesAt: 1 },
    { why: 'Infinity twice', values: [Infinity, Infinity], tolerance: 0, firesAt: undefined },
    // a tolerance ignores moves up to it between successive samples, not a drift across many
    { why: 'jitter within the tolerance', values: [100, 101, 100, 99.5], tolerance: 1, firesAt: undefined },
    { why: 'exactly the tolerance is no change', values: [100, 160], tolerance: 60, firesAt: undefined },
    { why: 'beyond the tolerance', values: [100, 160.5], tolerance: 60, firesAt: 1 },
  ])('$why: $values', ({ values, tolerance, firesAt }) => {
    const rule = changeRule(10 * MIN, {}, tolerance);
    const results = runScenario(
      [rule],
      values.map((value, i) => ({ note: `sample ${i}`, samples: [boot(i * MIN, value)], status: firesAt !== undefined && i >= firesAt ? 'firing' : 'inactive', signals: i === firesAt ? ['firing'] : [] })),
    );
    expect(results.flatMap((r) => r.signals)).toHaveLength(firesAt === undefined ? 0 : 1);
  });
});

describe('change: time steps', () => {
  const id = 'rebooted{host="web-1"}';

  it('a reboot during a silence fires at the first sample back and resolves on a sweep once the window has passed', () => {
    const results = runSeriesScenario(
      [changeRule(10 * MIN)],
      [
        { note: 'first sample: the baseline', samples: [boot(0, 1000)], active: {} },
        { note: 'unchanged', samples: [boot(1 * MIN, 1000)], active: {} },
        { note: 'silent while rebooting (a sweep)', at: 3 * MIN, samples: [], active: {} },
        { note: 'back with a new boot time: fires', samples: [boot(4 * MIN, 2000)], active: { [id]: 'firing' }, signals: [`firing ${id}`] },
        { note: 'unchanged since: still firing', samples: [boot(13 * MIN, 2000)], active: { [id]: 'firing' } },
        { note: 'sweep just before the window ends', at: 14 * MIN - 1, samples: [], active: { [id]: 'firing' } },
        { note: 'sweep 10m after the change, no sample: resolves', at: 14 * MIN, samples: [], active: {}, signals: [`resolved ${id}`] },
        { note: 'a late sample from before the resolve, unchanged: does not re-open', at: 14 * MIN + 5, samples: [boot(13 * MIN + 30, 2000)], active: {} },
        { note: 'a later sample, unchanged', samples: [boot(15 * MIN, 2000)], active: {} },
        { note: 'another reboot fires again', samples: [boot(16 * MIN, 3000)], active: { [id]: 'firing' }, signals: [`firing ${id}`] },
      ],
    );
    const fired = results[3]!.signals[0]!;
    expect(fired.summary).toBe('web-1 rebooted: 1000 -> 2000');
    expect(fired.reason).toBe('boot_time_seconds changed from 1000 to 2000');
    expect([fired.value, fired.atMs, fired.sinceMs]).toEqual([2000, T0 + 4 * MIN * 1000, T0 + 4 * MIN * 1000]);
    const resolved = results[6]!.signals[0]!;
    expect(resolved.reason).toBe('boot_time_seconds unchanged for 10m');
    expect(resolved.atMs).toBe(T0 + 14 * MIN * 1000);
    // A quiet sweep writes only its own record; the state keeps the last real sample's time.
    expect(results[5]!.states.map((s) => s.fingerprint)).toEqual(['sweep:rebooted']);
    const state = results[6]!.states.find((s) => s.status === 'inactive' && s.ruleName === 'rebooted' && !s.fingerprint.startsWith('sweep:'))!;
    expect([state.lastSampleAtMs, state.lastValue, state.valueSinceMs, state.previousValue]).toEqual([T0 + 13 * MIN * 1000, 2000, T0 + 4 * MIN * 1000, 1000]);
  });

  it('without a sweep, a sample after the window resolves too; {{ secondsSinceChange }} says how long it held', () => {
    const rule = changeRule(5 * MIN, { description: 'unchanged for {{ secondsSinceChange | seconds }}, was {{ previous }}, now {{ current }}' });
    const results = runSeriesScenario(
      [rule],
      [
        { note: 'baseline', samples: [boot(0, 7)], active: {} },
        { note: 'change', samples: [boot(1 * MIN, 8)], active: { [id]: 'firing' }, signals: [`firing ${id}`] },
        { note: 'a second change within the window restarts it', samples: [boot(4 * MIN, 9)], active: { [id]: 'firing' } },
        { note: '5m after the first change, 1m after the second: firing', samples: [boot(6 * MIN, 9)], active: { [id]: 'firing' } },
        { note: '5m after the last change: resolves', samples: [boot(9 * MIN, 9)], active: {}, signals: [`resolved ${id}`] },
      ],
    );
    expect(results[1]!.signals[0]!.description).toBe('unchanged for 0ms, was 7, now 8');
    expect(results[4]!.signals[0]!.description).toBe('unchanged for 5m, was 8, now 9');
  });

  it('a for longer than the window fires only for a value that keeps changing (flapping)', () => {
    const rule = changeRule(2 * MIN, { forSeconds: 5 * MIN });
    const results = runSeriesScenario(
      [rule],
      [
        { note: 'baseline', samples: [boot(0, 1)], active: {} },
        { note: 'a change: pending', samples: [boot(1 * MIN, 2)], active: { [id]: 'pending' } },
        { note: 'window passed without a change: back to inactive, on a sweep', at: 3 * MIN, samples: [], active: {} },
        { note: 'changes again: pending from here', samples: [boot(4 * MIN, 3)], active: { [id]: 'pending' } },
        { note: 'and again', samples: [boot(5 * MIN, 4)], active: { [id]: 'pending' } },
        { note: 'and again', samples: [boot(7 * MIN, 5)], active: { [id]: 'pending' } },
        { note: 'unchanged but within the window of the last change', samples: [boot(8 * MIN, 5)], active: { [id]: 'pending' } },
        { note: 'changing for 5m: fires', samples: [boot(9 * MIN, 6)], active: { [id]: 'firing' }, signals: [`firing ${id}`] },
        { note: 'quiet for the window: resolves on a sweep', at: 11 * MIN, samples: [], active: {}, signals: [`resolved ${id}`] },
      ],
    );
    expect(results[7]!.signals[0]!.reason).toBe('boot_time_seconds changed from 5 to 6, changing for 5m');
  });

  it('clearFor holds the alert for that long after the window, across sweeps', () => {
    const rule = changeRule(1 * MIN, { clearForSeconds: 2 * MIN });
    runSeriesScenario(
      [rule],
      [
        { note: 'baseline', samples: [boot(0, 1)], active: {} },
        { note: 'change', samples: [boot(10, 2)], active: { [id]: 'firing' }, signals: [`firing ${id}`] },
        { note: 'window passed: clearing starts', at: 70, samples: [], active: { [id]: 'firing' } },
        { note: 'clearing for 1m59s', at: 70 + 119, samples: [], active: { [id]: 'firing' } },
        { note: 'clearing for 2m: resolves', at: 70 + 120, samples: [], active: {}, signals: [`resolved ${id}`] },
      ],
    );
  });

  it('NaN survives the JSON round trip of the state (null is read back as NaN)', () => {
    runSeriesScenario(
      [changeRule(10 * MIN)],
      [
        { note: 'baseline NaN', samples: [boot(0, NaN)], active: {} },
        { note: 'still NaN: no change', samples: [boot(60, NaN)], active: {} },
        { note: 'a number: a change', samples: [boot(120, 5)], active: { [id]: 'firing' }, signals: [`firing ${id}`] },
      ],
    );
  });

  it('each series on its own; the state of a steady series is kept, so a change after any silence is seen', () => {
    const rule = changeRule(10 * MIN);
    const first = evaluate([rule], [boot(0, 1, 'a'), boot(0, 1, 'b')], new Map(), T0);
    expect(first.states.filter((s) => !s.fingerprint.startsWith('sweep:')).map((s) => s.labels.host)).toEqual(['a', 'b']);
    const prior = new Map(first.states.map((s) => [s.fingerprint, s]));
    const later = evaluate([rule], [boot(86_400, 1, 'a'), boot(86_400, 2, 'b')], prior, T0 + 86_400_000);
    expect(later.signals.map((s) => [s.kind, s.labels.host])).toEqual([['firing', 'b']]);
  });

  it('the README example loads and fires on a reboot, ignoring a second of clock drift', () => {
    const [rule] = parseRuleFile(
      [
        'rules:',
        '  - name: host_rebooted',
        '    metric: boot_time_seconds',
        '    change: { window: 30m, tolerance: 60 }',
        '    severity: info',
        "    summary: '{{ labels.host }} rebooted'",
        "    description: 'Boot time moved from {{ previous }} to {{ value }} (Unix seconds).'",
      ].join('\n'),
      'readme.yaml',
    );
    const results = runSeriesScenario(
      [rule!],
      [
        { note: 'baseline', samples: [boot(0, 1_700_000_000)], active: {} },
        { note: 'a second of drift', samples: [boot(60, 1_700_000_001)], active: {} },
        { note: 'a reboot', samples: [boot(600, 1_700_000_590)], active: { 'host_rebooted{host="web-1"}': 'firing' }, signals: ['firing host_rebooted{host="web-1"}'] },
      ],
    );
    expect(results[2]!.signals[0]!.description).toBe('Boot time moved from 1700000001 to 1700000590 (Unix seconds).');
  });

  it('works in rule unit tests, whose expectation times are sweeps', () => {
    const result = runRuleTest([changeRule(10 * MIN)], {
      name: 'reboot',
      intervalMs: 60_000,
      series: [{ metric: 'boot_time_seconds', labels: { host: 'web-1' }, values: [1000, 1000, undefined, undefined, 2000] }],
      expect: [
        { atMs: 3 * 60_000, firing: [], where: 'at 3m' },
        { atMs: 4 * 60_000, firing: [{ rule: 'rebooted', labels: { host: 'web-1' }, summary: 'web-1 rebooted: 1000 -> 2000' }], where: 'at 4m' },
        { atMs: 13 * 60_000, firing: [{ rule: 'rebooted', labels: { host: 'web-1' } }], where: 'at 13m' },
        { atMs: 14 * 60_000, firing: [], where: 'at 14m' },
      ],
      where: 'test',
    });
    expect(result.failures).toEqual([]);
  });
});
