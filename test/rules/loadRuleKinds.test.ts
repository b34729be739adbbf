/**
 * The loader on window, predict, absent, aggregate and keepFiringFor: what each key becomes, and a
 * precise, located error for each way of getting them wrong.
 */
import { describe, expect, it } from 'vitest';
import { parseRuleFile } from '../../rules/load/loadRules.js';
import { errorsOf, ruleFile } from './ruleEntryFile.js';

describe('rule kinds: what the keys become', () => {
  it.each([
    { why: 'window function', lines: ['function: rate', 'window: 5m', 'above: 10'], expected: { window: { function: 'rate', windowSeconds: 300 } } },
    { why: 'keepFiringFor', lines: ['above: 1', 'keepFiringFor: 10m'], expected: { keepFiringForSeconds: 600 } },
    { why: 'predict', lines: ['predict: { window: 6h, horizon: 4h }', 'above: 0.99'], expected: { predict: { windowSeconds: 21600, horizonSeconds: 14400 } } },
    { why: 'absent in intervals, firing above the interval count', lines: ['absent: { for: 3 intervals }'], expected: { absent: { intervals: 3 }, fire: { op: 'above', threshold: 3 } } },
    { why: 'absent as a duration', lines: ['absent: { for: 2m }'], expected: { absent: { seconds: 120 } } },
    {
      why: 'aggregate ratio with the default staleness',
      lines: ['aggregate: { by: [group], function: ratio, seriesAbove: 0.5 }', 'above: 0.3'],
      expected: { aggregate: { by: ['group'], function: 'ratio', member: { op: 'above', threshold: 0.5 }, staleAfterSeconds: 300 } },
    },
    { why: 'aggregate max across everything', lines: ['aggregate: { by: [], function: max, staleAfter: 1m }', 'above: 0.3'], expected: { aggregate: { by: [], function: 'max', staleAfterSeconds: 60 } } },
  ])('$why', ({ lines, expected }) => {
    const [rule] = parseRuleFile(ruleFile(...lines), 'good.yaml');
    expect(rule).toMatchObject(expected);
  });

  it('a new key changes the rule version; a plain rule keeps the version it had before these keys existed', () => {
    const [plain] = parseRuleFile(ruleFile('above: 1'), 'a.yaml');
    const [kept] = parseRuleFile(ruleFile('above: 1', 'keepFiringFor: 1m'), 'a.yaml');
    expect(kept!.version).not.toBe(plain!.version);
    expect(plain!.version).toBe('02007d63f436') // computed with the ruleVersion of main before these keys;
  });
});

describe('rule kinds: errors', () => {
  it.each([
    {
      why: 'unknown window function, with the nearest name',
      lines: ['function: incrase', 'window: 5m', 'above: 1'],
      errors: ['bad.yaml:5:15: rules[0].function: unknown window function "incrase"; did you mean "increase"? (one of: avg, min, max, rate, increase, changes)'],
    },
    {
      why: 'unknown window function far from any name: the list',
      lines: ['function: quantile', 'window: 5m', 'above: 1'],
      errors: ['bad.yaml:5:15: rules[0].function: unknown window function "quantile"; expected one of: avg, min, max, rate, increase, changes'],
    },
    {
      why: 'bad window duration',
      lines: ['function: avg', 'window: 5 min', 'above: 1'],
      errors: ['bad.yaml:6:13: rules[0].window: must be a duration such as 30s, 5m, 4h or 7d, got "5 min"'],
    },
    {
      why: 'zero window',
      lines: ['function: avg', 'window: 0s', 'above: 1'],
      errors: ['bad.yaml:6:13: rules[0].window: must be longer than 0, got "0s"'],
    },
    {
      why: 'function without window',
      lines: ['function: avg', 'above: 1'],
      errors: ['bad.yaml:5:5: rules[0].function: "function: avg" needs "window", the span it is computed over, e.g. window: 5m'],
    },
    {
      why: 'window without function',
      lines: ['window: 5m', 'above: 1'],
      errors: ['bad.yaml:5:5: rules[0].window: "window" needs "function" (one of: avg, min, max, rate, increase, changes)'],
    },
    {
      why: 'bad keepFiringFor',
      lines: ['above: 1', 'keepFiringFor: soon'],
      errors: ['bad.yaml:6:20: rules[0].keepFiringFor: must be a duration such as 30s, 5m, 4h or 7d, got "soon"'],
    },
    {
      why: 'typo in a predict key',
      lines: ['predict: { window: 6h, horizn: 4h }', 'above: 1'],
      errors: [
        'bad.yaml:5:14: rules[0].predict: missing required key "horizon"',
        'bad.yaml:5:28: rules[0].predict.horizn: unknown key "horizn"; did you mean "horizon"?',
      ],
    },
    {
      why: 'predict and aggregate together',
      lines: ['predict: { window: 6h, horizon: 4h }', 'aggregate: { by: [group], function: max }', 'above: 1'],
      errors: ['bad.yaml:6:5: rules[0].aggregate: a rule takes one of "function", "predict", "absent", "aggregate", "change" and "status", not both "predict" and "aggregate"; write two rules'],
    },
    {
      why: 'an invalid combination does not hide the problems of each part, nor flag their template variables',
      lines: ['aggregate: { by: [group], function: ration, seriesAbove: 0.5 }', 'predict: { window: 0s, horizon: 4h }', 'above: 0.3', 'description: "{{ matchingCount }} of {{ seriesCount }}, full in {{ secondsToThreshold }}"'],
      errors: [
        'bad.yaml:5:5: rules[0].aggregate: a rule takes one of "function", "predict", "absent", "aggregate", "change" and "status", not both "predict" and "aggregate"; write two rules',
        'bad.yaml:5:41: rules[0].aggregate.function: unknown aggregate function "ration"; did you mean "ratio"? (one of: avg, min, max, sum, count, ratio)',
        'bad.yaml:6:24: rules[0].predict.window: must be longer than 0, got "0s"',
      ],
    },
    {
      why: 'function and predict together',
      lines: ['function: avg', 'window: 5m', 'predict: { window: 6h, horizon: 4h }', 'above: 1'],
      errors: ['bad.yaml:7:5: rules[0].predict: a rule takes one of "function", "predict", "absent", "aggregate", "change" and "status", not both "function" and "predict"; write two rules'],
    },
    {
      why: 'absent with a threshold',
      lines: ['absent: { for: 3 intervals }', 'above: 1'],
      errors: ['bad.yaml:6:5: rules[0].above: an "absent" rule has no "above": it fires after absent.for without samples and resolves at the next sample'],
    },
    {
      why: 'absent with a malformed duration',
      lines: ['absent: { for: three intervals }'],
      errors: ['bad.yaml:5:20: rules[0].absent.for: must be a duration such as 2m or a count of the series\' own intervals such as "3 intervals", got "three intervals"'],
    },
    {
      why: 'unknown aggregate function',
      lines: ['aggregate: { by: [group], function: avrg }', 'above: 1'],
      errors: ['bad.yaml:5:41: rules[0].aggregate.function: unknown aggregate function "avrg"; did you mean "avg"? (one of: avg, min, max, sum, count, ratio)'],
    },
    {
      why: 'ratio without a series condition',
      lines: ['aggregate: { by: [group], function: ratio }', 'above: 0.3'],
      errors: ['bad.yaml:5:16: rules[0].aggregate: "function: ratio" needs "seriesAbove" or "seriesBelow": when a series counts as breaching'],
    },
    {
      why: 'a series condition on another function',
      lines: ['aggregate: { by: [group], function: max, seriesAbove: 1 }', 'above: 0.3'],
      errors: ['bad.yaml:5:46: rules[0].aggregate.seriesAbove: "seriesAbove" only applies to "function: ratio"'],
    },
    {
      why: 'a bad label name in by',
      lines: ['aggregate: { by: [my-group], function: max }', 'above: 0.3'],
      errors: ['bad.yaml:5:23: rules[0].aggregate.by[0]: "my-group" is not a label name'],
    },
    {
      why: 'typo in an aggregate key',
      lines: ['aggregate: { by: [group], function: ratio, seriesAbov: 0.5 }', 'above: 0.3'],
      errors: [
        'bad.yaml:5:16: rules[0].aggregate: "function: ratio" needs "seriesAbove" or "seriesBelow": when a series counts as breaching',
        'bad.yaml:5:48: rules[0].aggregate.seriesAbov: unknown key "seriesAbov"; did you mean "seriesAbove"?',
      ],
    },
    {
      why: 'a template variable the rule kind does not set',
      lines: ['above: 1', 'description: "full in {{ secondsToThreshold | seconds }}"'],
      errors: ['bad.yaml:6:18: rules[0].description: "{{ secondsToThreshold | seconds }}": secondsToThreshold is only set for predict rules'],
    },
  ])('$why', ({ lines, errors }) => {
    expect(errorsOf(ruleFile(...lines))).toEqual(errors);
  });
});

describe('rule kinds: a kind key left empty', () => {
  it.each([
    // `aggregate:` with nothing after it is null in YAML: the schema says so, the loader does not crash
    { key: 'aggregate', lines: ['aggregate:', 'above: 1'], errors: ['bad.yaml:5:15: rules[0].aggregate: must be object'] },
    { key: 'predict', lines: ['predict:', 'above: 1'], errors: ['bad.yaml:5:13: rules[0].predict: must be object'] },
    { key: 'absent', lines: ['absent:'], errors: ['bad.yaml:5:12: rules[0].absent: must be object'] },
  ])('$key', ({ lines, errors }) => {
    expect(errorsOf(ruleFile(...lines))).toEqual(errors);
  });
});
