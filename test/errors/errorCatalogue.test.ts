/**
 * The error catalogue holds every code once and in one spelling, the source raises no code it does
 * not list and it lists no code the source does not raise, each class raises the codes listed for
 * it, and the HTTP API's catalogue is its view (as Fastify's own errors test keeps its codes).
 */
import { describe, expect, it } from 'vitest';
import { AgentEnrollmentError } from '../../agent/lifecycle/agentEnrollmentError.js';
import { AgentStateError } from '../../agent/lifecycle/agentStateError.js';
import { ProcParseError } from '../../agent/procfs/procParseError.js';
import { CollectorConnectionError } from '../../agent/transport/collectorConnectionError.js';
import { CliError } from '../../cli/commands/withOperations.js';
import { DeskError } from '../../collector/desk/deskAdapter.js';
import { API_ERRORS, ApiError } from '../../collector/http/apiErrors.js';
import { OperationError } from '../../collector/operations/operationError.js';
import { YamlValidationError } from '../../config/yamlSchemaLoader.js';
import { ERROR_CATALOGUE, errorCatalogueEntry, type ErrorCode, type ErrorRaiser } from '../../contract/errorCatalogue.js';
import { LabelMatcherError } from '../../rules/index.js';
import { TemplateError } from '../../rules/template/renderTemplate.js';
import { SeriesValuesError } from '../../rules/testing/expandSeriesValues.js';
import { codeLiterals, environmentVariables, isDeskSecretVariable, sourceTexts } from '../support/triplineNames.js';

const CODES: readonly string[] = ERROR_CATALOGUE.map((entry) => entry.code);
const CATALOGUE_FILE = 'contract/errorCatalogue.ts';

/** Each code that collides with another: the same name twice, or two names differing only in case. */
function codeCollisions(codes: readonly string[]): string[] {
  const firstBySpelling = new Map<string, string>();
  return codes.flatMap((code) => {
    const first = firstBySpelling.get(code.toUpperCase());
    if (first === undefined) {
      firstBySpelling.set(code.toUpperCase(), code);
      return [];
    }
    return [first === code ? `${code} is listed twice` : `${code} differs from ${first} only in case`];
  });
}

/** Whether `name` is an environment variable: one the source reads, or a desk's secret. */
const isVariable = (name: string, variables: ReadonlySet<string>): boolean => variables.has(name) || isDeskSecretVariable(name);

/** The code literals of the source that are neither in the catalogue nor environment variables. */
function unlistedLiterals(texts: ReadonlyArray<{ file: string; text: string }>, variables: ReadonlySet<string>): string[] {
  return texts.flatMap(({ file, text }) => codeLiterals(text).filter((code) => !CODES.includes(code) && !isVariable(code, variables)).map((code) => `${file}: ${code}`));
}

describe('the error catalogue', () => {
  it('spells every code TRIPLINE_ and upper-case words', () => {
    expect(CODES.filter((code) => !/^TRIPLINE_[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/.test(code))).toEqual([]);
  });

  it('holds no two codes that collide', () => {
    expect(codeCollisions(CODES)).toEqual([]);
  });

  // Each row: a list of codes, and the collisions the check reports in it.
  it.each([
    // distinct codes
    [['TRIPLINE_A', 'TRIPLINE_B'], []],
    // the same name twice
    [['TRIPLINE_A', 'TRIPLINE_B', 'TRIPLINE_A'], ['TRIPLINE_A is listed twice']],
    // two names differing only in case: a case-insensitive match would take either
    [['TRIPLINE_DESK_TIMEOUT', 'TRIPLINE_Desk_Timeout'], ['TRIPLINE_Desk_Timeout differs from TRIPLINE_DESK_TIMEOUT only in case']],
  ])('reports the collisions in %j', (codes, collisions) => {
    expect(codeCollisions(codes)).toEqual(collisions);
  });

  it('shares no name with an environment variable (TRIPLINE_AGENT_TOKEN, TRIPLINE_DESK_<NAME>_SECRET, ...)', () => {
    const variables = environmentVariables(sourceTexts());
    expect(variables).toContain('TRIPLINE_AGENT_TOKEN');
    expect(CODES.filter((code) => isVariable(code, variables))).toEqual([]);
  });

  it('gives every entry a one-line meaning, and a status only to codes the API answers with', () => {
    for (const entry of ERROR_CATALOGUE) {
      expect(entry.meaning, entry.code).toMatch(/^[^\n]{10,300}$/);
      expect(entry.raisedBy.length, entry.code).toBeGreaterThan(0);
      const answeredByTheApi = (entry.raisedBy as readonly ErrorRaiser[]).includes('ApiError');
      expect('status' in entry, entry.code).toBe(answeredByTheApi);
      if ('status' in entry) expect(entry.status, entry.code).toBeGreaterThanOrEqual(400);
    }
  });

  it('says whether a retry helps exactly for the errors that carry `retryable`', () => {
    const carriesRetryable = new Set<ErrorRaiser>(['DeskError', 'AgentEnrollmentError']);
    for (const entry of ERROR_CATALOGUE) {
      expect('retry' in entry, entry.code).toBe(entry.raisedBy.some((raiser) => carriesRetryable.has(raiser)));
    }
  });

  it('is what the HTTP API answers with: API_ERRORS is its view of the codes with a status', () => {
    const withStatus = ERROR_CATALOGUE.flatMap((entry) => ('status' in entry ? [[entry.code, { status: entry.status, meaning: entry.meaning }]] : []));
    expect(API_ERRORS).toEqual(Object.fromEntries(withStatus));
    expect(Object.keys(API_ERRORS)).toHaveLength(withStatus.length);
  });
});

describe('the source raises the catalogue, all of it and nothing else', () => {
  const texts = sourceTexts();
  const variables = environmentVariables(texts);

  it('finds the source and its code literals', () => {
    expect(texts.length).toBeGreaterThan(150);
    expect(texts.flatMap(({ text }) => codeLiterals(text)).length).toBeGreaterThan(CODES.length);
  });

  it('uses no code literal the catalogue does not list', () => {
    expect(unlistedLiterals(texts, variables)).toEqual([]);
  });

  it('raises every listed code somewhere outside the catalogue', () => {
    const used = new Set(texts.filter(({ file }) => file !== CATALOGUE_FILE).flatMap(({ text }) => codeLiterals(text)));
    expect(CODES.filter((code) => !used.has(code))).toEqual([]);
  });

  // Each row: a line of source, and what the scan reports in it.
  it.each([
    ["throw new DeskError('DESK_REJECTED', 'no', false);", ['x.ts: DESK_REJECTED']], // the old desk prefix
    ['return { code: "TRIPLINE_NO_SUCH_THING" };', ['x.ts: TRIPLINE_NO_SUCH_THING']], // a code made up on the spot
    ["if (code === `TRIPLINE_DESK_TIMEOUT`) retry();", []], // a listed code
    [".env('TRIPLINE_CONFIG')", []], // an environment variable the source reads
    ['/** `TRIPLINE_DESK_OPS_SECRET` for the desk `ops` */', []], // a desk's secret variable
    ['const name = `TRIPLINE_DESK_${desk}_SECRET`;', []], // a template, not a literal code
  ])('%s -> %j', (line, reported) => {
    expect(unlistedLiterals([{ file: 'x.ts', text: line }], variables)).toEqual(reported);
  });
});

describe('each error class raises the codes listed for it', () => {
  // Each row: an error as its class builds it; the catalogue must list its code as raised by that class.
  it.each<[string, Error & { code: string }]>([
    ['ApiError', new ApiError('TRIPLINE_FORBIDDEN', 'not yours')],
    ['OperationError (not-found)', new OperationError('not-found', 'incident 9 does not exist')],
    ['OperationError (conflict)', new OperationError('conflict', 'incident 9 is resolved')],
    ['OperationError (invalid)', new OperationError('invalid', 'is not a cron expression', { path: 'cron', subject: 'field' })],
    ['DeskError', new DeskError('TRIPLINE_DESK_TIMEOUT', 'ops: no answer in time', true)],
    ['AgentEnrollmentError', new AgentEnrollmentError('TRIPLINE_ENROLL_REFUSED', 'enrollment answered 401', false)],
    ['AgentStateError', new AgentStateError('/var/lib/tripline/agent/state.json', 'not valid JSON')],
    ['CollectorConnectionError', new CollectorConnectionError('TRIPLINE_BAD_RESPONSE', 'malformed status line')],
    ['ProcParseError', new ProcParseError('stat', 'no aggregate "cpu" line')],
    ['YamlValidationError', new YamlValidationError([{ file: 'tripline.yaml', line: 1, column: 1, path: '', message: 'bad' }])],
    ['LabelMatcherError', new LabelMatcherError('malformed matcher')],
    ['SeriesValuesError', new SeriesValuesError('cannot read "x"')],
    ['TemplateError', new TemplateError(['unknown variable'])],
    ['CliError', new CliError('no database')],
  ])('%s', (_what, error) => {
    expect(errorCatalogueEntry(error.code as ErrorCode).raisedBy).toContain(error.name);
  });

  it('answers an operation refusal over HTTP with the refusal\'s own code', () => {
    for (const problem of ['not-found', 'conflict', 'invalid'] as const) {
      const refusal = new OperationError(problem, 'no');
      expect(new ApiError(refusal.code, 'no').statusCode).toBe(API_ERRORS[refusal.code].status);
    }
  });

  it('does not compile a code the catalogue lacks, or a retryable flag it contradicts', () => {
    const refused = () => [
      // @ts-expect-error: the old desk prefix is not in the catalogue
      new DeskError('DESK_REJECTED', 'ops answered HTTP 400', false),
      // @ts-expect-error: the catalogue says a rejected request is never retried
      new DeskError('TRIPLINE_DESK_REJECTED', 'ops answered HTTP 400', true),
      // @ts-expect-error: enrollment that could not reach the collector is always tried again
      new AgentEnrollmentError('TRIPLINE_ENROLL_UNAVAILABLE', 'ECONNREFUSED', false),
      // @ts-expect-error: a code the API does not answer with
      new ApiError('TRIPLINE_PROC_PARSE', 'no'),
      // @ts-expect-error: not one of the collector connection's codes
      new CollectorConnectionError('TRIPLINE_DESK_TIMEOUT', 'no'),
    ];
    expect(refused).toBeTypeOf('function');
  });
});
