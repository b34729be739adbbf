/**
 * `tripline rules test`: the value notation, the pure runner (passing, and each kind of failure
 * with its text), the test-file loader's located errors, and the command's exit code.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rulesTestCommand } from '../../cli/commands/rulesTestCommand.js';
import { YamlValidationError } from '../../config/yamlSchemaLoader.js';
import { DEFAULT_RULES_DIR } from '../../rules/load/loadRules.js';
import { expandSeriesValues } from '../../rules/testing/expandSeriesValues.js';
import { parseRuleTestFile } from '../../rules/load/loadRuleTests.js';
import { runRuleTest, type RuleTestCase } from '../../rules/testing/ruleTestRunner.js';
import { testRule } from './ruleScenario.js';

describe('expandSeriesValues', () => {
  it.each([
    { text: '1 2 3', values: [1, 2, 3] },
    { text: '0.5x3', values: [0.5, 0.5, 0.5, 0.5] },
    { text: '1+2x3', values: [1, 3, 5, 7] },
    { text: '10-1x2', values: [10, 9, 8] },
    { text: '_ 1 _x1', values: [undefined, 1, undefined, undefined] },
    { text: '-1.5e1  2', values: [-15, 2] },
  ])('$text', ({ text, values }) => {
    expect(expandSeriesValues(text)).toEqual(values);
  });

  it.each([
    { text: '1 two', error: 'cannot read "two"; expected a number, "_", "AxN", "A+BxN" or "A-BxN"' },
    { text: '1+2', error: '"1+2" has a step but no count; write e.g. "1+2x3"' },
    { text: '_+1x2', error: '"_+1x2": "_" (no sample) takes no step' },
  ])('rejects $text', ({ text, error }) => {
    expect(() => expandSeriesValues(text)).toThrow(error);
  });
});

describe('runRuleTest', () => {
  const rule = testRule({ forSeconds: 120, labels: { team: 'infra' } });
  const labels = { host: 'web-1', mount: '/' };
  const test = (expect: RuleTestCase['expect']): RuleTestCase => ({
    name: 't',
    where: 't.yaml:3:5',
    intervalMs: 60_000,
    series: [{ metric: 'filesystem_used_ratio', labels, values: [0.5, 0.95, 0.95, 0.95] }],
    expect,
  });
  const firing = [{ rule: 'disk_full', labels: { ...labels, team: 'infra' }, summary: 'Disk / on web-1 is 95% full' }];

  it('passes when the firing alerts match at each time, including expectation times between samples', () => {
    const result = runRuleTest([rule], test([
      { atMs: 90_000, firing: [], where: 'e1' },
      { atMs: 180_000, firing, where: 'e2' },
      { atMs: 600_000, firing, where: 'e3' },
    ]));
    expect(result.failures).toEqual([]);
  });

  it('names what is missing, unexpected or different', () => {
    const result = runRuleTest([rule], test([
      { atMs: 120_000, firing, where: 't.yaml:9:9' },
      { atMs: 180_000, firing: [], where: 't.yaml:12:9' },
      { atMs: 240_000, firing: [{ ...firing[0]!, summary: 'Disk full' }], where: 't.yaml:14:9' },
      { atMs: 240_000, firing: [{ rule: 'disk_ful', labels }], where: 't.yaml:18:9' },
    ]));
    expect(result.failures).toEqual([
      't.yaml:18:9: no rule named "disk_ful" in the rule files; did you mean "disk_full"?',
      'at 2m (t.yaml:9:9): expected firing but is not: disk_full{host="web-1",mount="/",team="infra"}',
      'at 3m (t.yaml:12:9): firing but not expected: disk_full{host="web-1",mount="/",team="infra"}',
      'at 4m (t.yaml:14:9): disk_full{host="web-1",mount="/",team="infra"} summary\n      expected: "Disk full"\n      got:      "Disk / on web-1 is 95% full"',
      'at 4m (t.yaml:18:9): expected firing but is not: disk_ful{host="web-1",mount="/"}',
      'at 4m (t.yaml:18:9): firing but not expected: disk_full{host="web-1",mount="/",team="infra"}',
    ]);
  });
});

describe('parseRuleTestFile', () => {
  const errorsOf = (text: string): string[] => {
    try {
      parseRuleTestFile(text, 'x.test.yaml');
      return [];
    } catch (error) {
      if (error instanceof YamlValidationError) return error.message.split('\n');
      throw error;
    }
  };
  const file = (series: string, expectLine = '      - { at: 1m, firing: [] }') =>
    ['ruleFiles: [rules.yaml]', 'tests:', '  - name: t', '    series:', series, '    expect:', expectLine].join('\n');

  it.each([
    { why: 'bad value notation', text: file("      - { metric: m, values: '1 x' }"), errors: ['x.test.yaml:5:30: tests[0].series[0].values: cannot read "x"; expected a number, "_", "AxN", "A+BxN" or "A-BxN"'] },
    { why: 'typo in a key', text: file("      - { metric: m, valeus: '1' }"), errors: ['x.test.yaml:5:9: tests[0].series[0]: missing required key "values"', 'x.test.yaml:5:22: tests[0].series[0].valeus: unknown key "valeus"; did you mean "values"?'] },
    { why: 'bad time', text: file("      - { metric: m, values: '1' }", '      - { at: 1 minute, firing: [] }'), errors: ['x.test.yaml:7:15: tests[0].expect[0].at: must be a duration such as 30s, 5m, 4h or 7d, got "1 minute"'] },
  ])('$why', ({ text, errors }) => {
    expect(errorsOf(text)).toEqual(errors);
  });
});

describe('tripline rules test', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-rule-tests-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const output = () => {
    let text = '';
    return { stream: { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream, text: () => text };
  };

  it('passes the default pack tests (exit 0)', () => {
    const out = output();
    expect(rulesTestCommand([join(DEFAULT_RULES_DIR, 'tests', 'defaultPack.test.yaml')], out.stream)).toBe(0);
    expect(out.text()).toMatch(/^4 passed, 0 failed$/m);
  });

  it('exits 1 with a readable diff on a failing test, and on an invalid file', () => {
    writeFileSync(join(dir, 'rules.yaml'), 'rules:\n  - { name: hot, metric: temp_celsius, above: 80, severity: info, summary: "hot {{ value }}" }\nmetrics: [{ name: temp_celsius }]\n');
    const failing = join(dir, 'failing.test.yaml');
    writeFileSync(failing, "ruleFiles: [rules.yaml]\ntests:\n  - name: hot fires\n    series: [{ metric: temp_celsius, labels: { host: h }, values: '70 90' }]\n    expect: [{ at: 1m, firing: [] }]\n");
    const invalid = join(dir, 'invalid.test.yaml');
    writeFileSync(invalid, 'ruleFiles: [rules.yaml]\ntests: []\nintervall: 1m\n');
    const out = output();
    expect(rulesTestCommand([failing, invalid], out.stream)).toBe(1);
    expect(out.text()).toBe(
      [
        `FAIL  hot fires (${failing}:3:5)`,
        `    at 1m (${failing}:5:14): firing but not expected: hot{host="h"}`,
        `${invalid}:3:1: intervall: unknown key "intervall"; did you mean "interval"?`,
        '0 passed, 1 failed, 1 invalid file(s)',
        '',
      ].join('\n'),
    );
  });
});
