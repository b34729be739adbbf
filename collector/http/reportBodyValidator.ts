/**
 * The validator of report bodies (POST /api/v1/reports): the contract's ReportSchema, compiled by an
 * Ajv of its own that removes the properties the schema does not know instead of refusing them, so
 * that a newer minor's fields (contract/report.ts, versioning rule) are dropped, in the same pass
 * that validates the rest, before anything reads the report. Otherwise it validates as every other
 * route does: no coercion, no defaults, all errors. Its `date-time` check (ajv-formats', full) remembers
 * its last answer: the observations of one report share their time, so it runs about once a report
 * rather than sixty times.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** A fastify validator compiler for the report route; one per server. */
export function createReportBodyValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const ajv = addFormats(new Ajv({ removeAdditional: true, coerceTypes: false, allErrors: true, useDefaults: false }));
  const dateTime = ajv.formats['date-time'] as { validate: (value: string) => boolean; compare: (a: string, b: string) => number | undefined };
  ajv.addFormat('date-time', { type: 'string', validate: rememberingLast(dateTime.validate), compare: dateTime.compare });
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
