/**
 * `tripline-agent` reads its config with the code generated at build time and then lets that code
 * go: the generated validator is 0.5 MB of source, with the compiled code of its functions and the
 * whole schema as objects, and an ES module stays in the loader's module map (with all of that) for
 * the life of the process. The build writes a CommonJS copy of it into dist/
 * (packaging/generateConfigValidator.ts); it is loaded here with require() and taken out of
 * require's cache once the config is read, so that V8 collects it: 3 MB less resident memory in
 * `npm run bench:agent`.
 *
 * Run from source (tsx, vitest) there is no CommonJS copy beside this file; the ES module is used.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { loadConfigWith, type LoadedConfig } from './configFileLoader.js';
import { decodeByPlan, type DecodePlan } from './decodePlan.js';
import type { SchemaCode } from './yamlDocument.js';

/** What the generated module exports (config/generated/configValidator.d.ts). */
type GeneratedModule = typeof import('./generated/configValidator.js');

const COMMONJS_COPY = new URL('./generated/configValidator.cjs', import.meta.url);

/** As generatedConfigCode.ts's loadGeneratedConfig, with the generated code released afterwards when it can be. */
export async function loadGeneratedConfigReleasingCode(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  if (!existsSync(COMMONJS_COPY)) return (await import('./generatedConfigCode.js')).loadGeneratedConfig(file, env);
  // A require of its own (not one kept in this module): require() lists what it loaded as children
  // of its parent module, which would keep the generated module alive.
  const require = createRequire(import.meta.url);
  const path = require.resolve(fileURLToPath(COMMONJS_COPY));
  try {
    const generated = require(path) as GeneratedModule;
    const code: SchemaCode = { validate: generated.validate, decode: (value) => decodeByPlan(generated.configDecodePlan as DecodePlan, value) };
    return loadConfigWith(code, file, env);
  } finally {
    delete require.cache[path];
  }
}
