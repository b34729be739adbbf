/**
 * The agent loads its config with code generated at build time (configFileLoader.ts): Ajv's
 * standalone validator and a decode plan of the durations (decodePlan.ts) in place of TypeBox's
 * transforms. Both must read every file exactly as the schema's own code does: the same values, the
 * same issues in the same order, file:line:column included.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { loadConfigWith } from '../../config/configFileLoader.js';
import { GENERATED_CONFIG_CODE, loadGeneratedConfig } from '../../config/generatedConfigCode.js';
import { ConfigSchema } from '../../config/configSchema.js';
import { decodeByPlan, type DecodePlan } from '../../config/decodePlan.js';
import { decodePlanOf, decodeTransforms } from '../../config/decodeTransforms.js';
import { Duration, DurationOrIntervals } from '../../config/durationSchema.js';
import { configDecodePlan, configSchemaDigest, validate } from '../../config/generated/configValidator.js';
import { commonJsOf, CONFIG_VALIDATOR_FILE } from '../../packaging/generateConfigValidator.js';
import { loadConfig } from '../../config/loadConfig.js';
import { schemaCode } from '../../config/yamlSchemaLoader.js';
import { YamlValidationError } from '../../config/yamlDocument.js';

const ROOT = join(import.meta.dirname, '../..');

/** Configs with durations everywhere the schema has them: nested objects, arrays, a desk of each kind of union variant, SLA tables. */
const GOOD_CONFIGS = [
  ['defaults', ''],
  ['config.example.yaml', undefined],
  [
    'durations in arrays, desks and nested sections',
    [
      'collector: { retention: 3d, leases: { ttl: 20s, renewInterval: 5s }, console: { sessionTtl: 2h, live: { heartbeat: 30s } } }',
      'desks:',
      '  - { type: webhook, name: ops, url: "http://127.0.0.1:9/hook", timeout: 1500ms }',
      'incidents: { escalation: [{ after: 30m, severity: critical }, { after: 2h, severity: critical }], flap: { window: 2h } }',
      'agent:',
      '  interval: 30s',
      '  tcp: { targets: [{ host: db.example, port: 5432, timeout: 2s }, { host: b.example, port: 1 }] }',
      '  http: { targets: [{ name: web, url: "http://127.0.0.1:9/", timeout: 4s }] }',
      '  dns: { targets: [{ name: d, query: example.org, timeout: 1s }] }',
      '  plugins: [{ name: p, command: /bin/true, interval: 2m, timeout: 20s }]',
      '  inventory: { interval: 2h }',
    ].join('\n'),
  ],
] as const;

/** Configs with durations outside their limits: each refusal's words, code and place, in order. */
const REFUSED_CONFIGS = [
  // agent ranges, with their code
  'agent:\n  interval: 500ms\n  sendTimeout: 11m\n  ping: { interval: 2d, timeout: 2m }\n  plugins: [{ name: p, command: /bin/true, interval: 0s }]\n',
  // nested collector ranges, a lease check beyond the schema after them
  'collector:\n  leases: { ttl: 11m, renewInterval: 50ms }\n  console: { sessionTtl: 10s }\n',
  // positive SLA targets
  'priority:\n  sla:\n    P1: { acknowledge: 0s, resolve: 0m }\n',
];

function writeConfig(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tripline-decode-plan-')), 'tripline.yaml');
  writeFileSync(file, text);
  return file;
}

/** What loading `file` with `load` gives: the config, or every issue's line and code. */
function outcome(load: () => unknown): unknown {
  try {
    return { config: load() };
  } catch (error) {
    if (!(error instanceof YamlValidationError)) throw error;
    return { issues: error.message.split('\n'), codes: error.issues.map((issue) => issue.code) };
  }
}

describe('the config decode plan', () => {
  it('is the one the schema in the code makes', () => {
    expect(configDecodePlan).toEqual(decodePlanOf(ConfigSchema));
  });

  it.each(GOOD_CONFIGS)('decodes %s as the schema does', (_name, text) => {
    const file = text === undefined ? join(ROOT, 'config.example.yaml') : writeConfig(text);
    const generated = loadGeneratedConfig(file, {});
    // The schema's code made now, under a copy of the schema (no generated validator registered for it).
    const made = loadConfigWith(schemaCode({ ...ConfigSchema }), file, {});
    expect(generated).toEqual(made);
    expect(loadConfig(file, {})).toEqual(made);
  });

  it.each(REFUSED_CONFIGS)('refuses what the schema refuses, with the same words, places and codes: %j', (text) => {
    const file = writeConfig(text);
    const generated = outcome(() => loadConfigWith(GENERATED_CONFIG_CODE, file, {}));
    expect(generated).toEqual(outcome(() => loadConfigWith(schemaCode({ ...ConfigSchema }), file, {})));
    expect((generated as { issues?: string[] }).issues?.length).toBeGreaterThan(0);
  });

  it('decodes values the validator did not see as the transforms do (unreadable left as written, in the same order)', () => {
    const value = () => ({ agent: { interval: 'soon', ping: { timeout: 12, interval: '1ms' } }, desks: [{ type: 'webhook', timeout: '2d' }, { type: 'none', timeout: '1s' }], extra: { interval: '1s' } });
    const plan = decodePlanOf(ConfigSchema)!;
    const byTransforms = decodeTransforms(ConfigSchema, value(), () => false);
    expect(decodeByPlan(plan, value())).toEqual(byTransforms);
    expect(byTransforms.issues.map((issue) => issue.kind)).toEqual(['unreadable', 'unreadable', 'refused']);
  });

  it('cannot be made for what decodePlan.ts does not decode: the build fails instead', () => {
    expect(() => decodePlanOf(Type.Object({ for: DurationOrIntervals('a duration or a count of intervals') }))).toThrow(/without a decode plan/);
    expect(() => decodePlanOf(Type.Union([Type.Object({ a: Duration() }), Type.Object({ b: Duration() })]))).toThrow(/unions without a discriminator/);
    expect(() => decodePlanOf(Type.Record(Type.String(), Duration()))).toThrow(/pattern or additional properties/);
    expect(decodePlanOf(Type.Object({ a: Type.String() }))).toBeUndefined();
    const plan: DecodePlan = { properties: { a: { duration: { positive: true } } } };
    expect(decodePlanOf(Type.Object({ a: Duration({ positive: true }), b: Type.String() }))).toEqual(plan);
  });
});

describe("tripline-agent's released config code (config/releasedConfigCode.ts)", () => {
  type Released = typeof import('../../config/releasedConfigCode.js');
  const distModule = join(ROOT, 'dist/config/releasedConfigCode.js');
  const commonJsCopy = join(ROOT, 'dist/config/generated/configValidator.cjs');

  it.each(GOOD_CONFIGS)('reads %s from dist with the CommonJS copy as the ES module does, and takes it out of require\'s cache', async (_name, text) => {
    const file = text === undefined ? join(ROOT, 'config.example.yaml') : writeConfig(text);
    const { loadGeneratedConfigReleasingCode } = (await import(distModule)) as Released;
    expect(await loadGeneratedConfigReleasingCode(file, {})).toEqual(loadGeneratedConfig(file, {}));
    expect(Object.keys(createRequire(import.meta.url).cache)).not.toContain(commonJsCopy);
  });

  it.each(REFUSED_CONFIGS)('refuses from dist what the ES module refuses, with the same words, places and codes: %j', async (text) => {
    const file = writeConfig(text);
    const { loadGeneratedConfigReleasingCode } = (await import(distModule)) as Released;
    let released: unknown;
    try {
      released = { config: await loadGeneratedConfigReleasingCode(file, {}) };
    } catch (error) {
      // dist's YamlValidationError, another class than the source's that outcome() knows.
      const { message, issues } = error as { message: string; issues: { code?: string }[] };
      released = { issues: message.split('\n'), codes: issues.map((issue) => issue.code) };
    }
    expect(released).toEqual(outcome(() => loadGeneratedConfig(file, {})));
    expect(Object.keys(createRequire(import.meta.url).cache)).not.toContain(commonJsCopy);
  });

  it('falls back to the ES module where there is no CommonJS copy (run from source)', async () => {
    const { loadGeneratedConfigReleasingCode } = await import('../../config/releasedConfigCode.js');
    const file = join(ROOT, 'config.example.yaml');
    expect(await loadGeneratedConfigReleasingCode(file, {})).toEqual(loadGeneratedConfig(file, {}));
  });

  it('is written by the build as the same module in CommonJS: the same exports, the same validator', () => {
    expect(commonJsOf(readFileSync(CONFIG_VALIDATOR_FILE, 'utf8'))).toBe(readFileSync(commonJsCopy, 'utf8'));
    const copy = createRequire(import.meta.url)(commonJsCopy) as typeof import('../../config/generated/configValidator.js');
    expect(copy.configSchemaDigest).toBe(configSchemaDigest);
    expect(copy.configDecodePlan).toEqual(configDecodePlan);
    for (const value of [{}, { agent: { interval: 5 } }, { nope: 1 }]) {
      expect([copy.validate(value), copy.validate.errors]).toEqual([validate(value), validate.errors]);
    }
  });

  it('refuses to turn an export it does not know into CommonJS', () => {
    expect(commonJsOf("export const a = 1;\nexport default a;\n")).toBe("'use strict';\nconst a = 1;\n\n\nmodule.exports = { a };\n");
    expect(() => commonJsOf('export function f() {}\n')).toThrow(/cannot turn into CommonJS: export function f/);
  });
});
