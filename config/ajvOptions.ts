/**
 * The Ajv options every YAML file is validated with (yamlSchemaLoader.ts), shared with the build step
 * that compiles the config schema ahead of time (packaging/generateConfigValidator.ts): both must
 * produce the same validator. Types only here, so that importing this loads no Ajv.
 */
import type { Options } from 'ajv';

export const AJV_OPTIONS = { allErrors: true, strict: false, verbose: true, useDefaults: true, discriminator: true } as const satisfies Options;
