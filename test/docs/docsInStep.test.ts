/**
 * Keeps the documentation in step with the code: every config key is documented in
 * config.example.yaml (and the example loads clean, with the schema's defaults), every API
 * error code is in the README's table, and the README's "Error codes" table is the error catalogue:
 * no code missing, none that does not exist, each as the catalogue states it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { API_ERRORS } from '../../collector/http/apiErrors.js';
import { ConfigSchema } from '../../config/configSchema.js';
import { loadConfig } from '../../config/loadConfig.js';
import { ERROR_CATALOGUE, type ErrorCatalogueEntry } from '../../contract/errorCatalogue.js';
import { environmentVariables, isDeskSecretVariable, sourceTexts } from '../support/triplineNames.js';

const ROOT = join(import.meta.dirname, '../..');
const example = readFileSync(join(ROOT, 'config.example.yaml'), 'utf8');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** Every property name in the schema, walking objects, arrays and unions. */
function schemaKeys(schema: TSchema, into = new Set<string>()): Set<string> {
  const s = schema as { properties?: Record<string, TSchema>; items?: TSchema; anyOf?: TSchema[]; oneOf?: TSchema[] };
  for (const [key, child] of Object.entries(s.properties ?? {})) {
    into.add(key);
    schemaKeys(child, into);
  }
  if (s.items) schemaKeys(s.items, into);
  for (const variant of [...(s.anyOf ?? []), ...(s.oneOf ?? [])]) schemaKeys(variant, into);
  return into;
}

describe('documentation in step with the code', () => {
  it.each([...schemaKeys(ConfigSchema)])('config key "%s" is documented in config.example.yaml', (key) => {
    expect(example).toMatch(new RegExp(`(^|[\\s{#-])${key}:`, 'm'));
  });

  it('config.example.yaml loads clean and states the same defaults as the schema', () => {
    const fromExample = loadConfig(join(ROOT, 'config.example.yaml'), {}).config;
    const defaults = loadConfig(undefined, {}).config;
    expect({ ...fromExample, dataDir: '' }).toEqual({ ...defaults, dataDir: '' });
  });

  it.each(Object.entries(API_ERRORS))('API error %s is in the README table with its status', (code, { status }) => {
    expect(readme).toContain(`| \`${code}\` | ${status} |`);
  });
});

/** The README row of a catalogue entry: code, status, component, raised as, retry, meaning. */
function errorCodeRow(entry: ErrorCatalogueEntry): string {
  const raisedBy = entry.raisedBy.map((raiser) => `\`${raiser}\``).join(', ');
  return `| \`${entry.code}\` | ${entry.status ?? ''} | ${entry.component} | ${raisedBy} | ${entry.retry ?? ''} | ${entry.meaning.replace(/\|/g, '\\|')} |`;
}

/** The table rows of the section headed `heading`, as written, in order. */
function tableRowsOf(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) return [];
  const next = markdown.indexOf('\n## ', start + heading.length + 2);
  const section = markdown.slice(start, next < 0 ? undefined : next);
  return section.split('\n').filter((line) => line.startsWith('| `'));
}

/** The code of a table row. */
const codeOfRow = (row: string): string => /^\| `([^`]+)`/.exec(row)![1]!;

const KNOWN_CODES = new Set<string>(ERROR_CATALOGUE.map((entry) => entry.code));

/** What keeps `rows` from being the catalogue's table: each code missing, repeated, drifted or unknown. */
function tableProblems(rows: readonly string[]): string[] {
  const problems = ERROR_CATALOGUE.flatMap((entry) => {
    const written = rows.filter((row) => codeOfRow(row) === entry.code);
    if (written.length === 0) return [`${entry.code} is missing; add: ${errorCodeRow(entry)}`];
    if (written.length > 1) return [`${entry.code} is listed ${written.length} times`];
    return written[0] === errorCodeRow(entry) ? [] : [`${entry.code} should read: ${errorCodeRow(entry)}`];
  });
  const unknown = rows.map(codeOfRow).filter((code) => !KNOWN_CODES.has(code));
  return [...problems, ...unknown.map((code) => `${code} is not in the catalogue`)];
}

describe('the README "Error codes" table is the error catalogue', () => {
  const catalogueRows = ERROR_CATALOGUE.map(errorCodeRow);

  it('lists every code once, as the catalogue states it, and no other', () => {
    expect(tableProblems(tableRowsOf(readme, '## Error codes'))).toEqual([]);
  });

  it('lists the codes in the catalogue\'s order', () => {
    expect(tableRowsOf(readme, '## Error codes').map(codeOfRow)).toEqual(ERROR_CATALOGUE.map((entry) => entry.code));
  });

  // Each row: how a table goes wrong, and the problem reported.
  it.each([
    // a code added to the catalogue without docs
    ['a code missing', (rows: string[]) => rows.slice(1), `TRIPLINE_UNAUTHORIZED is missing; add: ${catalogueRows[0]}`],
    // docs for a code that does not exist (or no longer does)
    ['a code the catalogue lacks', (rows: string[]) => [...rows, '| `DESK_REJECTED` |  | collector-desk | `DeskError` | no | the old prefix |'], 'DESK_REJECTED is not in the catalogue'],
    // the same code in two rows
    ['a code twice', (rows: string[]) => [...rows, rows[0]!], 'TRIPLINE_UNAUTHORIZED is listed 2 times'],
    // a meaning or status edited in one place only
    ['a row that drifted', (rows: string[]) => [rows[0]!.replace('| 401 |', '| 403 |'), ...rows.slice(1)], `TRIPLINE_UNAUTHORIZED should read: ${catalogueRows[0]}`],
  ])('reports %s', (_what, change, problem) => {
    expect(tableProblems(change([...catalogueRows]))).toEqual([problem]);
  });

  it.each([
    ['README.md', readme],
    ['config.example.yaml', example],
  ])('%s names no TRIPLINE_ word that is neither a code nor an environment variable the source reads', (_file, text) => {
    const variables = environmentVariables(sourceTexts());
    const words = new Set(text.match(/\bTRIPLINE_[A-Z0-9_<>]+/g) ?? []);
    expect([...words].filter((word) => !KNOWN_CODES.has(word) && !variables.has(word) && !isDeskSecretVariable(word))).toEqual([]);
  });
});
