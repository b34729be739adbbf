/**
 * YAML files with line-precise errors: parsing, locating any path of a document, and validating and
 * decoding it with code made for its schema (a validator, a decoder), in the one error format of
 * config and rule files: `file:line:column: path: message`. Nothing here loads TypeBox or Ajv: the
 * agent loads its config file with code generated at build time (loadConfigFile.ts), and
 * yamlSchemaLoader.ts makes that code from a schema at run time for everything else.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { ErrorCode, ErrorCodeOf } from '../contract/errorCatalogue.js';
import { closestWord } from './closestWord.js';
import type { DecodeIssue } from './decodeTransforms.js';

/** One problem found in a YAML file, located precisely. */
export interface YamlIssue {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the offending value, e.g. `rules[2].for`; empty for the document itself. */
  path: string;
  message: string;
  /** Stable code of a check beyond the schema that found it, e.g. `TRIPLINE_AGENT_INVALID_TARGET`. */
  code?: ErrorCode;
}

/** Thrown when a YAML file cannot be parsed or does not match its schema. Carries every issue found. */
export class YamlValidationError extends Error {
  readonly code: ErrorCodeOf<'YamlValidationError'> = 'TRIPLINE_INVALID_YAML';
  constructor(readonly issues: YamlIssue[]) {
    super(issues.map(formatYamlIssue).join('\n'));
    this.name = 'YamlValidationError';
  }
}

export function formatYamlIssue(issue: YamlIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.column}`;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** A parsed document plus the means to locate any of its paths, for checks beyond the schema. */
export interface LocatedYaml<T> {
  value: T;
  locate(path: ReadonlyArray<string | number>, message: string, target?: 'key' | 'value'): YamlIssue;
}

/** The code a document is checked with: a validator (filling defaults in) and a decoder (durations to milliseconds). */
export interface SchemaCode {
  validate: ValidateFunction;
  /** Decodes `value` in place, as decodeTransforms.ts does; returns the decoded value and the issues met. */
  decode(value: unknown): { value: unknown; issues: DecodeIssue[] };
}

/**
 * Parses `text` (named `file` in messages), validates it (filling its defaults), decodes it and
 * runs `check`, the checks beyond the schema, on the decoded value. Throws YamlValidationError
 * listing every syntax and schema problem, or else every problem of decoding and checking.
 */
export function loadYamlWith<T>(text: string, file: string, code: SchemaCode, check: (document: LocatedYaml<T>) => YamlIssue[] = () => []): LocatedYaml<T> {
  const document = parseYaml(text, file);
  const schemaIssues = validateWith(document, code.validate);
  if (schemaIssues.length > 0) throw new YamlValidationError(schemaIssues);
  const { refused, unreadable } = decodeWith(document, code.decode);
  const decoded = document as LocatedYaml<T>;
  const issues = [...unreadable, ...refused, ...check(decoded)];
  if (issues.length > 0) throw new YamlValidationError(issues);
  return decoded;
}

/** Parses `text` (named `file` in messages) without a schema; throws YamlValidationError for syntax errors. */
export function parseYaml(text: string, file: string): LocatedYaml<unknown> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): { line: number; column: number } => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    throw new YamlValidationError(
      doc.errors.map((e) => ({ file, ...at(e.pos[0]), path: '', message: e.message.split('\n')[0] ?? e.message })),
    );
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {};
  const locate = (path: ReadonlyArray<string | number>, message: string, target: 'key' | 'value' = 'value'): YamlIssue => ({
    file,
    ...at(offsetOf(doc, path, target)),
    path: formatPath(path),
    message,
  });
  return { value, locate };
}

/** Validates a parsed document with `validate`, which fills its schema's defaults in; returns every problem, located. */
export function validateWith(document: LocatedYaml<unknown>, validate: ValidateFunction): YamlIssue[] {
  if (validate(document.value)) return [];
  // A key refused by `propertyNames` comes with the inner keyword's error too (its `propertyName` set): one message per key is enough.
  const errors = (validate.errors ?? []).filter((e) => (e as { propertyName?: string }).propertyName === undefined);
  return dedupe(errors.map((e) => issueFromAjv(e, document.locate)));
}

/** What decoding a document found, located: values refused, and values that could not be read at all. */
export interface DecodeFindings {
  /** Values that can be read but are not accepted (a duration outside its range); decoded all the same. */
  refused: YamlIssue[];
  /** Values left as written because they cannot be read (validateYaml reports each as not matching its schema). */
  unreadable: YamlIssue[];
}

/** Decodes a parsed document in place with `decode`; returns what it found, located. */
export function decodeWith(document: LocatedYaml<unknown>, decode: SchemaCode['decode']): DecodeFindings {
  const { value, issues } = decode(document.value);
  document.value = value;
  const located = (kind: DecodeIssue['kind']) =>
    issues.filter((issue) => issue.kind === kind).map(({ path, message, code }) => ({ ...document.locate(path, message), ...(code === undefined ? {} : { code }) }));
  return { refused: located('refused'), unreadable: located('unreadable') };
}

/**
 * A schema object may name keys an earlier release read (`retiredKeys: { old: 'replaced by …' }`), so
 * a config written for that release is told what to write instead of only "unknown key".
 */
function retiredKeyText(schema: unknown, key: string): string | undefined {
  const retired = (schema as { retiredKeys?: Record<string, string> } | undefined)?.retiredKeys;
  return retired !== undefined && Object.hasOwn(retired, key) ? retired[key] : undefined;
}

function issueFromAjv(error: ErrorObject, locate: LocatedYaml<unknown>['locate']): YamlIssue {
  const path = pointerToPath(error.instancePath);
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      const retired = retiredKeyText(error.parentSchema, key);
      if (retired !== undefined) return locate([...path, key], `"${key}" is no longer read: ${retired}`, 'key');
      const allowed = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const suggestion = closestWord(key, allowed);
      const hint = suggestion ? `; did you mean "${suggestion}"?` : allowed.length ? `; expected one of: ${allowed.join(', ')}` : '';
      return locate([...path, key], `unknown key "${key}"${hint}`, 'key');
    }
    case 'propertyNames': {
      const key = String((error.params as { propertyName: string }).propertyName);
      const limits = (error.parentSchema as { propertyNames?: { maxLength?: number } } | undefined)?.propertyNames;
      const length = limits?.maxLength !== undefined && key.length > limits.maxLength ? ` (at most ${limits.maxLength} characters)` : '';
      return locate([...path, key], `invalid name ${JSON.stringify(key.slice(0, 64))}${length}: a label name is a letter or _ then letters, digits or _, and does not start with __`, 'key');
    }
    case 'required':
      return locate(path, `missing required key "${(error.params as { missingProperty: string }).missingProperty}"`);
    case 'enum':
      return locate(path, `must be one of: ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`);
    case 'const':
      return locate(path, `must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}`);
    case 'pattern': {
      // `sensitive` marks values that may hold a credential (a URL with a key in it): never quoted back.
      const { patternHint: hint, sensitive } = (error.parentSchema ?? {}) as { patternHint?: string; sensitive?: boolean };
      const got = sensitive ? '' : `, got ${JSON.stringify(error.data)}`;
      return locate(path, hint ? `must be ${hint}${got}` : `${error.message ?? 'is invalid'}${got}`);
    }
    case 'discriminator': {
      const { tag, tagValue } = error.params as { tag: string; tagValue: unknown };
      const allowed = ((error.parentSchema as { oneOf?: Array<{ properties?: Record<string, { const?: unknown }> }> } | undefined)?.oneOf ?? []).map((v) => JSON.stringify(v.properties?.[tag]?.const));
      return locate([...path, tag], `must be one of: ${allowed.join(', ')}; got ${JSON.stringify(tagValue)}`);
    }
    default:
      return locate(path, error.message ?? 'is invalid');
  }
}

function dedupe(issues: YamlIssue[]): YamlIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = formatYamlIssue(i);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function pointerToPath(pointer: string): Array<string | number> {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** Formats `['rules', 2, 'for']` as `rules[2].for`. */
export function formatPath(path: ReadonlyArray<string | number>): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

/**
 * Offset of the deepest node along `path` that exists. `target: 'key'` points at the last key
 * itself (for "unknown key"); otherwise at its value. A missing key points at its parent.
 */
function offsetOf(doc: Document, path: ReadonlyArray<string | number>, target: 'key' | 'value'): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const [index, segment] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      node = pair.value;
      const isLast = index === path.length - 1;
      offset = (isLast && target === 'key' ? rangeStart(pair.key) : rangeStart(node) ?? rangeStart(pair.key)) ?? offset;
      continue;
    }
    const items = (node as { items?: unknown[] } | null)?.items;
    if (Array.isArray(items) && typeof segment === 'number' && items[segment] !== undefined) {
      node = items[segment];
      offset = rangeStart(node) ?? offset;
      continue;
    }
    break;
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
