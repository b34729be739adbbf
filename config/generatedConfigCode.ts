/**
 * The config schema's code generated at build time (packaging/generateConfigValidator.ts), imported
 * as an ES module: Ajv's standalone validator and the decode plan of its durations (decodePlan.ts).
 * What the collector, the CLI and the self-contained agent read their config with; `tripline-agent`
 * from dist/ reads it with releasedConfigCode.ts instead, which lets the code go once it is used.
 */
import { loadConfigWith, type LoadedConfig } from './configFileLoader.js';
import { decodeByPlan, type DecodePlan } from './decodePlan.js';
import { configDecodePlan, validate as generatedValidator } from './generated/configValidator.js';
import type { SchemaCode } from './yamlDocument.js';

export const GENERATED_CONFIG_CODE: SchemaCode = { validate: generatedValidator, decode: (value) => decodeByPlan(configDecodePlan as DecodePlan, value) };

/**
 * Loads the config file at `file`, or pure defaults when `file` is undefined, with the code
 * generated at build time, trusted to be the schema's (`npm run build` writes the code before it
 * compiles the rest; loadConfig.ts's loadConfig checks that first). `env` is a parameter so that
 * tests can pass their own.
 */
export function loadGeneratedConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  return loadConfigWith(GENERATED_CONFIG_CODE, file, env);
}
