/**
 * The config file's validator is compiled at build time (packaging/generateConfigValidator.ts) and
 * checked in: it must be the one the schema in the code compiles to, and say exactly what a
 * validator compiled at run time says, file:line:column included.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../config/configSchema.js';
import { configValidatorPrecompiled } from '../../config/loadConfig.js';
import { formatYamlIssue, parseYaml, validateYaml } from '../../config/yamlSchemaLoader.js';
import { CONFIG_VALIDATOR_FILE, configValidatorSource } from '../../packaging/generateConfigValidator.js';

/** Bad configs, each with several kinds of problem: unknown and retired keys, types, patterns, enums, a desk's discriminator, ranges. */
const BAD_CONFIGS = [
  'agent:\n  intervall: 15s\n  excludeFsTypes: [tmpfs]\n  interval: 5 min\n',
  'collector:\n  listen: { port: 70000 }\n  agentTokens: [short]\nlog: { level: loud }\n',
  'desks:\n  - name: ops\n    type: carrier-pigeon\n  - name: hook\n    type: webhook\n',
  'agent:\n  labels: { __bad: x, "9lives": y }\n  ping: { targets: [{ host: 12 }] }\n',
  'dataDir: [1, 2]\nstore: { postgres: {} }\ntimeZone: ""\n',
];

describe('the config validator compiled at build time', () => {
  it('is the one the schema in the code compiles to (else: npm run build, and commit config/generated/configValidator.js)', () => {
    expect(readFileSync(CONFIG_VALIDATOR_FILE, 'utf8') === configValidatorSource(), 'config/generated/configValidator.js is stale: run npm run build and commit it').toBe(true);
  });

  it('is the one loadConfig uses', () => {
    expect(configValidatorPrecompiled).toBe(true);
  });

  it.each(BAD_CONFIGS)('reports what a validator compiled at run time reports, located: %j', (text) => {
    const precompiled = validateYaml(parseYaml(text, 'tripline.yaml'), ConfigSchema).map(formatYamlIssue);
    // The same schema under a copy (the loader keeps one validator per schema object): compiled by Ajv now.
    expect(validateYaml(parseYaml(text, 'tripline.yaml'), { ...ConfigSchema }).map(formatYamlIssue)).toEqual(precompiled);
    expect(precompiled.length).toBeGreaterThan(0);
    expect(precompiled.every((line) => /^tripline\.yaml:\d+:\d+: /.test(line))).toBe(true);
  });

  it('fills the same defaults', () => {
    const precompiled = parseYaml('agent: { interval: 15s }\n', 'tripline.yaml');
    const runtime = parseYaml('agent: { interval: 15s }\n', 'tripline.yaml');
    expect(validateYaml(precompiled, ConfigSchema)).toEqual([]);
    expect(validateYaml(runtime, { ...ConfigSchema })).toEqual([]);
    expect(precompiled.value).toEqual(runtime.value);
  });
});
