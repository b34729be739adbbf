/**
 * Reads rule test files (YAML) for `tripline rules test`, with the same located errors as rule
 * files. The format (paths are relative to the test file):
 *
 *   ruleFiles: [../filesystem.yaml]      rule files or directories under test
 *   interval: 1m                         default spacing of input values (default 1m)
 *   tests:
 *     - name: disk over 90% for 5m fires
 *       interval: 1m                     optional, per test
 *       series:
 *         - metric: filesystem_used_ratio
 *           labels: { host: web-1, mount: / }
 *           values: '0.5 0.95x10'        or a list: [0.5, 0.95, null]; see expandSeriesValues.ts
 *           output: 'CRITICAL - ...'     optional: the text every sample carries ({{ output }})
 *       expect:
 *         - at: 6m                       time since the first value
 *           rule: filesystem_space_low   optional: only this rule's alerts are compared
 *           firing:                      every alert firing then (empty: none)
 *             - rule: filesystem_space_low
 *               labels: { host: web-1, mount: / }   exact: series + rule labels, no alertname
 *               summary: "..."           optional: the rendered texts must match too
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Type, type StaticDecode } from '@sinclair/typebox';
import type { DurationMs } from '../../config/duration.js';
import { Duration } from '../../config/durationSchema.js';
import { loadYaml, YamlValidationError, type LocatedYaml, type YamlIssue } from '../../config/yamlSchemaLoader.js';
import { METRIC_NAME_PATTERN } from '../../contract/report.js';
import { expandSeriesValues, SeriesValuesError } from '../testing/expandSeriesValues.js';
import type { RuleTestCase } from '../testing/ruleTestRunner.js';

const Labels = Type.Record(Type.String(), Type.String());

const TestFileSchema = Type.Object(
  {
    ruleFiles: Type.Array(Type.String(), { minItems: 1 }),
    interval: Type.Optional(Duration()),
    tests: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1 }),
          interval: Type.Optional(Duration()),
          series: Type.Array(
            Type.Object(
              {
                metric: Type.String({ pattern: METRIC_NAME_PATTERN, patternHint: 'a metric name such as filesystem_used_ratio' }),
                labels: Type.Optional(Labels),
                values: Type.Union([Type.String(), Type.Array(Type.Union([Type.Number(), Type.Null()]))]),
                output: Type.Optional(Type.String()),
              },
              { additionalProperties: false },
            ),
          ),
          expect: Type.Array(
            Type.Object(
              {
                at: Duration(),
                rule: Type.Optional(Type.String()),
                firing: Type.Array(
                  Type.Object(
                    { rule: Type.String(), labels: Type.Optional(Labels), summary: Type.Optional(Type.String()), description: Type.Optional(Type.String()) },
                    { additionalProperties: false },
                  ),
                ),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** A test file as loaded, its intervals and times decoded to milliseconds. */
type TestFile = StaticDecode<typeof TestFileSchema>;

/** The spacing of input values when neither the test nor the file gives one. */
const DEFAULT_INTERVAL_MS = 60_000 as DurationMs;

/** A parsed test file: the rule paths to load (absolute) and its test cases. */
export interface RuleTestFile {
  file: string;
  ruleFiles: string[];
  tests: RuleTestCase[];
}

/** Reads and checks `file`; throws YamlValidationError with every problem, located. */
export function loadRuleTestFile(file: string): RuleTestFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new YamlValidationError([{ file, line: 1, column: 1, path: '', message: `cannot read rule test file (${code})` }]);
  }
  return parseRuleTestFile(text, file);
}

/** Parses the text of a test file named `file` (relative rule paths resolve against its directory). */
export function parseRuleTestFile(text: string, file: string): RuleTestFile {
  const document = loadYaml(text, file, TestFileSchema);
  const issues: YamlIssue[] = [];
  const tests = document.value.tests.map((test, index) => buildTestCase(document, test, index, issues));
  if (issues.length > 0) throw new YamlValidationError(issues);
  return { file, ruleFiles: document.value.ruleFiles.map((path) => resolve(dirname(file), path)), tests };
}

function buildTestCase(document: LocatedYaml<TestFile>, test: TestFile['tests'][number], index: number, issues: YamlIssue[]): RuleTestCase {
  const at = ['tests', index];
  const where = (path: Array<string | number>) => {
    const { file, line, column } = document.locate(path, '');
    return `${file}:${line}:${column}`;
  };
  const intervalMs: number = test.interval ?? document.value.interval ?? DEFAULT_INTERVAL_MS;
  if (intervalMs <= 0) issues.push(document.locate([...at, 'interval'], 'must be longer than 0'));
  const series = test.series.map((s, i) => {
    let values: Array<number | undefined> = [];
    if (typeof s.values === 'string') {
      try {
        values = expandSeriesValues(s.values);
      } catch (error) {
        if (!(error instanceof SeriesValuesError)) throw error;
        issues.push(document.locate([...at, 'series', i, 'values'], error.message));
      }
    } else {
      values = s.values.map((v) => (v === null ? undefined : v));
    }
    return { metric: s.metric, labels: s.labels ?? {}, values, ...(s.output === undefined ? {} : { text: s.output }), where: where([...at, 'series', i, 'metric']) };
  });
  const expect = test.expect.map((e, i) => ({
    atMs: e.at,
    ...(e.rule !== undefined ? { rule: e.rule } : {}),
    firing: e.firing.map((f) => ({ ...f, labels: f.labels ?? {} })),
    where: where([...at, 'expect', i]),
  }));
  return { name: test.name, intervalMs, series, expect, where: where(at) };
}
