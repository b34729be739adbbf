/**
 * The digest of a schema's JSON, which is all Ajv builds a validator from (a TypeBox schema's
 * transforms are symbols, left out): compared when a validator compiled at build time is used for the
 * schema in the running code (yamlSchemaLoader.ts, packaging/generateConfigValidator.ts).
 */
import { createHash } from 'node:crypto';

export function schemaDigest(schema: unknown): string {
  return createHash('sha256').update(JSON.stringify(schema)).digest('hex');
}
