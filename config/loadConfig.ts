/**
 * `loadConfig`: reads `tripline.yaml` (configFileLoader.ts) with the config schema's code generated
 * at build time when it is the schema's in the running code (the digests match), else with code
 * made from the schema now (an edited schema before the next build: slower, never wrong).
 */
import { ConfigSchema } from './configSchema.js';
import { loadConfigWith, type LoadedConfig } from './configFileLoader.js';
import { GENERATED_CONFIG_CODE } from './generatedConfigCode.js';
import { configSchemaDigest, validate as precompiledConfigValidator } from './generated/configValidator.js';
import { schemaDigest } from './schemaDigest.js';
import { schemaCode, usePrecompiledValidator } from './yamlSchemaLoader.js';

export { deskSecretVariable, type LoadedConfig } from './configFileLoader.js';

/**
 * Whether the config schema's validator and decode plan are the ones generated at build time
 * (packaging/generateConfigValidator.ts); false when the schema changed since (made at run time).
 */
export const configValidatorPrecompiled = usePrecompiledValidator(ConfigSchema, precompiledConfigValidator, configSchemaDigest, schemaDigest);

/**
 * Loads the config file at `file`, or pure defaults when `file` is undefined.
 * `env` is a parameter so that tests can pass their own.
 */
export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  return loadConfigWith(configValidatorPrecompiled ? GENERATED_CONFIG_CODE : schemaCode(ConfigSchema), file, env);
}
