/**
 * The config file's validator, compiled at build time by Ajv's standalone code generation from
 * config/configSchema.ts, and the decode plan of its durations (packaging/generateConfigValidator.ts
 * writes configValidator.js beside this).
 */
import type { ValidateFunction } from 'ajv';

/** The digest (config/schemaDigest.ts) of the schema the validator and the plan were made from. */
export declare const configSchemaDigest: string;
/** The schema's decode plan (config/decodePlan.ts): JSON, checked as a DecodePlan where it is used. */
export declare const configDecodePlan: unknown;
export declare const validate: ValidateFunction;
export default validate;
