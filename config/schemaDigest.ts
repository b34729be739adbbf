/**
 * The digest of what code generated from a schema is built from: the schema's JSON, which is all
 * Ajv builds a validator from (a TypeBox schema's transforms are symbols, left out), and its decode
 * plan (decodePlan.ts: the durations and their limits, which the JSON does not hold). Compared when
 * the validator and plan generated at build time are used for the schema in the running code
 * (loadConfig.ts, packaging/generateConfigValidator.ts).
 */
import { createHash } from 'node:crypto';
import type { TSchema } from '@sinclair/typebox';
import { decodePlanOf } from './decodeTransforms.js';

export function schemaDigest(schema: TSchema): string {
  return createHash('sha256').update(JSON.stringify(schema)).update(JSON.stringify(decodePlanOf(schema) ?? null)).digest('hex');
}
