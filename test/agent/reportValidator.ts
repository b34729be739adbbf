/** Validates a report against the wire contract with the same ajv setup the collector uses. */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ReportSchema, type Report } from '../../contract/report.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
const validate = ajv.compile(ReportSchema);

/** The schema errors of `report`, empty when it is valid. */
export function reportSchemaErrors(report: Report): string[] {
  return validate(report) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}
