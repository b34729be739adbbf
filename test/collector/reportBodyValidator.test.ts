import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { createReportBodyValidatorCompiler, REPORT_AJV_OPTIONS, rememberingMatches } from '../../collector/http/reportBodyValidator.js';
import { MAX_LABEL_NAME_LENGTH, MAX_LABEL_VALUE_LENGTH, REPORT_SCHEMA_VERSION, REPORTS_PATH, ReportSchema, type Report } from '../../contract/report.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

/** The report validator, and Ajv's own with the same options: what its cheaper checks must answer as. */
const tripline = createReportBodyValidatorCompiler()({ schema: ReportSchema, method: 'POST', url: REPORTS_PATH, httpPart: 'body' }) as Validate;
const stock = addFormats(new Ajv(REPORT_AJV_OPTIONS)).compile(ReportSchema) as Validate;

function report(): Report {
  const at = '2026-12-04T10:00:00.000Z';
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    agent: { id: 'agent-1', hostname: 'web-1', version: '1.0.0', intervalSeconds: 15, labels: { role: 'web' } },
    sequence: 1,
    sentAt: at,
    observations: [
      { metric: 'cpu_usage_ratio', labels: {}, value: 0.5, at },
      { metric: 'filesystem_used_ratio', labels: { mount: '/', device: '/dev/sda1' }, value: 0.2, at },
    ],
    checks: [{ name: 'tcp', status: 'ok', output: '', at, durationSeconds: 0.01 }],
  };
}

/** Both validators' answers for the same body: valid or not, the errors in order, and the body as each left it. */
function both(body: unknown): { tripline: unknown; stock: unknown } {
  const ours = structuredClone(body);
  const theirs = structuredClone(body);
  return { tripline: [tripline(ours), tripline.errors ?? null, ours], stock: [stock(theirs), stock.errors ?? null, theirs] };
}

const astral = '\u{1F600}'; // two UTF-16 units, one character

describe('the report validator answers as Ajv does', () => {
  // Each row changes one thing of a valid report; the validator must give Ajv's answer and errors.
  const rows: Array<{ name: string; change: (r: Record<string, any>) => void }> = [
    { name: 'a valid report', change: () => undefined },
    // maxLength counts characters: at the limit in characters but past it in units is valid.
    { name: 'a label value of astral characters at the limit', change: (r) => (r.observations[1].labels.device = astral.repeat(MAX_LABEL_VALUE_LENGTH)) },
    { name: 'a label value of astral characters past the limit', change: (r) => (r.observations[1].labels.device = astral.repeat(MAX_LABEL_VALUE_LENGTH + 1)) },
    { name: 'an ASCII label value at the limit', change: (r) => (r.observations[1].labels.device = 'x'.repeat(MAX_LABEL_VALUE_LENGTH)) },
    { name: 'an ASCII label value past the limit', change: (r) => (r.observations[1].labels.device = 'x'.repeat(MAX_LABEL_VALUE_LENGTH + 1)) },
    // Lone surrogates count one each, as Ajv's ucs2length counts them.
    { name: 'lone high surrogates past the limit', change: (r) => (r.agent.version = '\ud800'.repeat(65)) },
    { name: 'a high surrogate at the end, at the limit', change: (r) => (r.agent.version = `${astral.repeat(63)}\ud800`) },
    { name: 'a low surrogate first, past the limit', change: (r) => (r.agent.version = `\udc00${astral.repeat(64)}`) },
    // A string breaking several keywords: the first error must be the same one.
    { name: 'an agent id too long and of bad characters', change: (r) => (r.agent.id = '/'.repeat(129)) },
    { name: 'an empty agent id', change: (r) => (r.agent.id = '') },
    { name: 'a label name too long and of bad characters', change: (r) => (r.agent.labels = { [`-${'a'.repeat(MAX_LABEL_NAME_LENGTH)}`]: 'x' }) },
    { name: 'a reserved label name', change: (r) => (r.observations[0].labels = { __name__: 'x' }) },
    { name: 'a metric name with a dash', change: (r) => (r.observations[0].metric = 'cpu-usage') },
    { name: 'a metric name past 200 characters', change: (r) => (r.observations[0].metric = 'm'.repeat(201)) },
    { name: 'a check output past its limit', change: (r) => (r.checks[0].output = astral.repeat(70_000)) },
    { name: 'an unknown field, removed', change: (r) => (r.agent.future = 'x') },
  ];
  it.each(rows)('$name', ({ change }) => {
    const body = report() as unknown as Record<string, any>;
    change(body);
    const answers = both(body);
    expect(answers.tripline).toEqual(answers.stock);
  });

  it('answers as Ajv does on names and values seen before, after a refused one, and past the patterns it remembers', () => {
    const names = ['cpu_usage_ratio', 'cpu-usage', 'load1', '1load', 'load1', 'cpu-usage', 'cpu_usage_ratio'];
    for (const metric of names) {
      const body = report();
      body.observations[0]!.metric = metric;
      const answers = both(body);
      expect(answers.tripline, metric).toEqual(answers.stock);
    }
  });
});

describe('rememberingMatches', () => {
  it('remembers at most its limit of matches and still answers every string', () => {
    const pattern = rememberingMatches(2)('^[a-z]+$', 'u');
    const answers = ['a', 'b', 'c', 'a', 'c', 'B', 'c', '', 'd'].map((text) => pattern.test(text));
    expect(answers).toEqual([true, true, true, true, true, false, true, false, true]);
    expect(String(pattern)).toBe('/^[a-z]+$/u');
  });
});
