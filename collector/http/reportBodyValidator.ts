/**
 * The validator of report bodies (POST /api/v1/reports): the contract's ReportSchema, compiled by an
 * Ajv of its own that removes the properties the schema does not know instead of refusing them, so
 * that a newer minor's fields (contract/report.ts, versioning rule) are dropped, in the same pass
 * that validates the rest, before anything reads the report. Otherwise it validates as every other
 * route does: no coercion, no defaults, all errors, the same errors in the same order. Three checks
 * are made cheaper for what a report repeats, each giving the answers Ajv's own gives:
 * - its `date-time` check (ajv-formats', full) remembers its last answer: the observations of one
 *   report share their time, so it runs about once a report rather than sixty times;
 * - each `pattern` remembers strings it matched (metric and label names, the same few hundred in
 *   every report of a fleet), up to REMEMBERED_MATCHES of them;
 * - `maxLength` counts a string's characters (code points, walking the string) only when its length
 *   in UTF-16 units passes the limit: a string never has more characters than units.
 */
import { _, Ajv, str, type CodeKeywordDefinition, type CodeOptions, type KeywordCxt } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type RegExpEngine = NonNullable<CodeOptions['regExp']>;
type RegExpLike = ReturnType<RegExpEngine>;

/** The options of the report validator's Ajv, without the cheaper checks (what tests compare it with). */
export const REPORT_AJV_OPTIONS = { removeAdditional: true, coerceTypes: false, allErrors: true, useDefaults: false } as const;

/** A fastify validator compiler for the report route; one per server. */
export function createReportBodyValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const ajv = addFormats(new Ajv({ ...REPORT_AJV_OPTIONS, code: { regExp: rememberingMatches(REMEMBERED_MATCHES) } }));
  const dateTime = ajv.formats['date-time'] as { validate: (value: string) => boolean; compare: (a: string, b: string) => number | undefined };
  ajv.addFormat('date-time', { type: 'string', validate: rememberingLast(dateTime.validate), compare: dateTime.compare });
  ajv.removeKeyword('maxLength');
  ajv.addKeyword(maxLengthCountingPastUnits);
  return ({ schema }) => ajv.compile(schema as object);
}

/** A pure check that remembers its last value and answer, for runs of equal values. */
function rememberingLast(check: (value: string) => boolean): (value: string) => boolean {
  let last: string | undefined;
  let answer = false;
  return (value) => {
    if (value !== last) {
      answer = check(value);
      last = value;
    }
    return answer;
  };
}

/** How many matching strings each pattern of the report validator remembers; past that, it only tests. */
export const REMEMBERED_MATCHES = 4096;

/**
 * An Ajv RegExp engine whose patterns remember up to `limit` strings each that matched them. A
 * pattern has no `g` or `y` flag in a schema, so its answer depends on the string alone; strings
 * that do not match are not remembered, so refused input fills nothing.
 */
export function rememberingMatches(limit: number): RegExpEngine {
  const engine = (pattern: string, flags: string): RegExpLike => {
    const regExp = new RegExp(pattern, flags);
    const matched = new Set<string>();
    const remembering: RegExpLike & { toString(): string } = {
      test(text: string) {
        if (matched.has(text)) return true;
        if (!regExp.test(text)) return false;
        if (matched.size < limit) matched.add(text);
        return true;
      },
      // Ajv keys the patterns of a schema by this text.
      toString: () => regExp.toString(),
    };
    return remembering;
  };
  return Object.assign(engine, { code: 'rememberingMatches' });
}

/** The number of characters (code points; a lone surrogate counts as one) of `text`, as Ajv's ucs2length counts them. */
function codePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++, count++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
  }
  return count;
}

/** Ajv's maxLength (same errors, same place among the string keywords) that counts code points only past the limit in units. */
const maxLengthCountingPastUnits: CodeKeywordDefinition = {
  keyword: 'maxLength',
  type: 'string',
  schemaType: 'number',
  $data: true,
  // Ajv's own order (maxLength before minLength and pattern), so the first error of a string that breaks several is the same.
  before: 'minLength',
  error: {
    message: ({ schemaCode }) => str`must NOT have more than ${schemaCode} characters`,
    params: ({ schemaCode }) => _`{limit: ${schemaCode}}`,
  },
  code(cxt: KeywordCxt) {
    const { data, schemaCode } = cxt;
    const count = cxt.gen.scopeValue('func', { ref: codePoints });
    cxt.fail$data(_`${data}.length > ${schemaCode} && ${count}(${data}) > ${schemaCode}`);
  },
};
