/**
 * Durations have one home, config/: the grammar (`parseDurationMs`), and the schemas that check a
 * duration's text in a config or rule file at its line and decode it to milliseconds at load, so
 * that every loaded value holds numbers where the file holds text.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { decodeTransforms } from '../../config/decodeTransforms.js';
import { parseDurationMs } from '../../config/duration.js';
import { Duration, DurationOrIntervals } from '../../config/durationSchema.js';
import { loadConfig } from '../../config/loadConfig.js';
import { loadYaml, YamlValidationError, type YamlIssue } from '../../config/yamlSchemaLoader.js';

const ROOT = join(import.meta.dirname, '../..');

/** The located issues of loading `text` against `schema` (every one), or the decoded value. */
function load(text: string, schema: Parameters<typeof loadYaml>[2], check?: Parameters<typeof loadYaml>[3]): { value?: unknown; issues: string[]; codes: Array<string | undefined> } {
  try {
    return { value: loadYaml(text, 'x.yaml', schema, check).value, issues: [], codes: [] };
  } catch (error) {
    if (!(error instanceof YamlValidationError)) throw error;
    return { issues: error.message.split('\n'), codes: error.issues.map((issue: YamlIssue) => issue.code) };
  }
}

describe('parseDurationMs', () => {
  it.each([
    // milliseconds as written
    ['500ms', 500],
    // seconds, minutes, hours, days, weeks
    ['15s', 15_000],
    ['5m', 300_000],
    ['4h', 14_400_000],
    ['7d', 604_800_000],
    ['1w', 604_800_000],
    // parts add up
    ['1h30m', 5_400_000],
    // a fraction of a unit
    ['1.5s', 1500],
    // zero is a duration (whether it is allowed is the setting's business)
    ['0s', 0],
    // surrounding blanks do not matter
    [' 2m ', 120_000],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each([
    // a unit as a word
    ['5 min'],
    // no unit
    ['30'],
    // an unknown unit
    ['1y'],
    // nothing
    [''],
  ])('refuses %j, naming it', (text) => {
    expect(() => parseDurationMs(text)).toThrow(new RangeError(`"${text}" is not a duration (expected e.g. 30s, 5m, 4h, 7d, 1h30m)`));
  });
});

describe('Duration(): text in the file, milliseconds once loaded', () => {
  const schema = Type.Object(
    {
      every: Duration({ default: '30s' }),
      window: Type.Optional(Duration({ positive: true })),
      interval: Type.Optional(Duration({ range: { min: '1s', max: '1d' }, code: 'TRIPLINE_AGENT_INVALID_DURATION' })),
    },
    { additionalProperties: false },
  );

  it('decodes written durations and defaults to milliseconds', () => {
    expect(load('window: 5m\ninterval: 1h30m\n', schema).value).toEqual({ every: 30_000, window: 300_000, interval: 5_400_000 });
  });

  it.each([
    // malformed: the schema's message, at the value
    { text: 'every: 5 min\n', issues: ['x.yaml:1:8: every: must be a duration such as 30s, 5m, 4h or 7d, got "5 min"'], codes: [undefined] },
    // a number is not a duration (no unit)
    { text: 'every: 30\n', issues: ['x.yaml:1:8: every: must be string'], codes: [undefined] },
    // zero where only a positive duration makes sense, quoted as written
    { text: 'window: 0ms\n', issues: ['x.yaml:1:9: window: must be longer than 0, got "0ms"'], codes: [undefined] },
    // below the range, with the setting's code
    { text: 'interval: 500ms\n', issues: ['x.yaml:1:11: interval: "500ms" is outside 1s..86400s'], codes: ['TRIPLINE_AGENT_INVALID_DURATION'] },
    // above it; the bounds are inclusive, so 1d itself passes (next row)
    { text: 'interval: 1d1s\n', issues: ['x.yaml:1:11: interval: "1d1s" is outside 1s..86400s'], codes: ['TRIPLINE_AGENT_INVALID_DURATION'] },
    { text: 'interval: 1d\n', issues: [], codes: [] },
  ])('$text', ({ text, issues, codes }) => {
    const loaded = load(text, schema);
    expect(loaded.issues).toEqual(issues);
    expect(loaded.codes).toEqual(codes);
  });

  it('decodes a duration outside its range all the same, so that the checks after decoding see numbers and report with it', () => {
    const seen: unknown[] = [];
    const loaded = load('interval: 2d\nevery: 1m\n', schema, (document) => {
      const value = document.value as { interval: unknown; every: unknown };
      seen.push(value.interval, value.every);
      return [document.locate(['every'], 'another problem')];
    });
    expect(seen).toEqual([172_800_000, 60_000]);
    expect(loaded.issues).toEqual(['x.yaml:1:11: interval: "2d" is outside 1s..86400s', 'x.yaml:2:8: every: another problem']);
  });

  it('encodes back to text that decodes to the same value', () => {
    for (const ms of [0, 250, 1500, 90_000, 3_600_000, 5_400_000, 604_800_000]) {
      const text = Value.Encode(Duration(), ms);
      expect(typeof text).toBe('string');
      expect(parseDurationMs(text as string)).toBe(ms);
    }
  });
});

describe('DurationOrIntervals()', () => {
  const schema = Type.Object({ for: DurationOrIntervals('a duration or a count of intervals') });

  it.each([
    // a count of intervals, plural
    ['3 intervals', { intervals: 3 }],
    // or singular
    ['1 interval', { intervals: 1 }],
    // a duration
    ['2m', { ms: 120_000 }],
  ])('%j decodes to %j', (text, decoded) => {
    expect(load(`for: ${text}\n`, schema).value).toEqual({ for: decoded });
  });

  it.each([
    // neither form
    ['three intervals', 'x.yaml:1:6: for: must be a duration or a count of intervals, got "three intervals"'],
    // no interval at all
    ['0 intervals', 'x.yaml:1:6: for: must be at least 1 interval'],
    // nor no time
    ['0s', 'x.yaml:1:6: for: must be a duration or a count of intervals, got "0s"'],
  ])('refuses %j', (text, issue) => {
    expect(load(`for: ${text}\n`, schema).issues).toEqual([issue]);
  });
});

describe('decodeTransforms', () => {
  const Variant = (type: string) => Type.Object({ type: Type.Literal(type), timeout: Duration() });
  const matches = (schema: Parameters<typeof Value.Check>[0], value: unknown) => Value.Check(schema, value);

  it.each([
    {
      // a discriminated union: the variant its tag names
      why: 'discriminated union',
      schema: Type.Unsafe({ type: 'object', discriminator: { propertyName: 'type' }, oneOf: [Variant('a'), Type.Object({ type: Type.Literal('b'), limit: Duration() })] }),
      value: { type: 'b', limit: '1m' },
      decoded: { type: 'b', limit: 60_000 },
      issues: [],
    },
    {
      // a union without a tag: the first variant the value matches
      why: 'plain union',
      schema: Type.Union([Type.Object({ count: Type.Number() }), Type.Object({ every: Duration() })]),
      value: { every: '2s' },
      decoded: { every: 2000 },
      issues: [],
    },
    {
      // a record's values and an array's items
      why: 'record of arrays',
      schema: Type.Record(Type.String(), Type.Array(Duration())),
      value: { a: ['1s', '2s'], b: [] },
      decoded: { a: [1000, 2000], b: [] },
      issues: [],
    },
    {
      // a value that cannot be read is left as written, and said so (the validator words it for users)
      why: 'unreadable left as written',
      schema: Type.Object({ every: Duration(), other: Duration() }),
      value: { every: 'soon', other: '5m' },
      decoded: { every: 'soon', other: 300_000 },
      issues: [{ kind: 'unreadable', path: ['every'], message: '"soon" is not a duration (expected e.g. 30s, 5m, 4h, 7d, 1h30m)' }],
    },
    {
      // a value refused is decoded all the same, with the schema's code
      why: 'refused but decoded',
      schema: Type.Object({ every: Duration({ range: { min: '1s', max: '1m' }, code: 'TRIPLINE_AGENT_INVALID_DURATION' }) }),
      value: { every: '2m' },
      decoded: { every: 120_000 },
      issues: [{ kind: 'refused', path: ['every'], message: '"2m" is outside 1s..60s', code: 'TRIPLINE_AGENT_INVALID_DURATION' }],
    },
  ])('$why', ({ schema, value, decoded, issues }) => {
    expect(decodeTransforms(schema, value, matches)).toEqual({ value: decoded, issues });
  });
});

describe('config: every duration decoded at load', () => {
  it('holds milliseconds where config.example.yaml holds durations', () => {
    const { config } = loadConfig(join(ROOT, 'config.example.yaml'), {});
    expect(config.collector.retention).toBe(14 * 86_400_000);
    expect(config.collector.batch.maxDelay).toBe(0);
    expect(config.delivery.pollInterval).toBe(500);
    expect(config.agent.interval).toBe(15_000);
    expect(config.agent.inventory.interval).toBe(3_600_000);
    expect(config.incidents.topology.recoveryGrace).toBe(120_000);
    expect(config.sync.lookback).toBe(86_400_000);
  });

  it('decodes desk timeouts, escalation steps and agent targets too', () => {
    const { config } = loadConfig(writeConfig(
      [
        'desks:',
        '  - { type: webhook, name: ops, url: "http://127.0.0.1:9/hook", timeout: 1500ms }',
        'incidents:',
        '  escalation: [{ after: 30m, severity: critical }]',
        'agent:',
        '  tcp: { targets: [{ host: db.example, port: 5432, timeout: 2s }] }',
        '  plugins: [{ name: p, command: /bin/true, interval: 2m, timeout: 20s }]',
      ].join('\n'),
    ), {});
    expect(config.desks[0]!.timeout).toBe(1500);
    expect(config.incidents.escalation).toEqual([{ after: 1_800_000, severity: 'critical' }]);
    expect(config.agent.tcp.targets[0]!.timeout).toBe(2000);
    expect(config.agent.plugins[0]).toMatchObject({ interval: 120_000, timeout: 20_000 });
  });
});

describe('the duration grammar has one home', () => {
  /** Every .ts file under `folder`, repo-relative. */
  const sourceFiles = (folder: string) =>
    readdirSync(join(ROOT, folder), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
      .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
  const programs = ['agent', 'collector', 'rules', 'cli', 'bench'].flatMap(sourceFiles);

  it('no program module parses a duration itself or reads the pattern to do so', () => {
    const parsing = programs.filter((file) => /parseDurationSeconds|DURATION_PATTERN\)|\(ms\|s\|m\|h\|d\|w\)/.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(parsing).toEqual([]);
  });

  it('command-line flags and API bodies go through parseDurationMs at their boundary, and only they', () => {
    const callers = programs.filter((file) => readFileSync(join(ROOT, file), 'utf8').includes('parseDurationMs('));
    expect(callers.sort()).toEqual(['bench/console.ts', 'cli/commands/rulesBacktestCommand.ts', 'cli/commands/suppressionCommands.ts', 'collector/http/historyRoutes.ts', 'collector/http/incidentRoutes.ts', 'collector/http/prometheusRoutes.ts', 'collector/http/ruleRoutes.ts']);
  });
});

/** A tripline.yaml holding `text`, in a directory of its own. */
function writeConfig(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tripline-durations-')), 'tripline.yaml');
  writeFileSync(file, text);
  return file;
}
