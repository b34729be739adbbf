/**
 * The config file's validator, compiled at build time by Ajv's standalone code generation from
 * config/configSchema.ts (packaging/generateConfigValidator.ts writes configValidator.js beside this).
 */
import type { ValidateFunction } from 'ajv';

/** The digest (config/schemaDigest.ts) of the schema the validator was compiled from. */
export declare const configSchemaDigest: string;
export declare const validate: ValidateFunction;
export default validate;
