/**
 * Keeps the documentation in step with the code: every config key is documented in
 * config.example.yaml (and the example loads clean, with the schema's defaults), and every API
 * error code is in the README's table.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { API_ERRORS } from '../../collector/http/apiErrors.js';
import { ConfigSchema } from '../../config/configSchema.js';
import { loadConfig } from '../../config/loadConfig.js';

const ROOT = join(import.meta.dirname, '../..');
const example = readFileSync(join(ROOT, 'config.example.yaml'), 'utf8');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** Every property name in the schema, walking objects, arrays and unions. */
function schemaKeys(schema: TSchema, into = new Set<string>()): Set<string> {
  const s = schema as { properties?: Record<string, TSchema>; items?: TSchema; anyOf?: TSchema[]; oneOf?: TSchema[] };
  for (const [key, child] of Object.entries(s.properties ?? {})) {
    into.add(key);
    schemaKeys(child, into);
  }
  if (s.items) schemaKeys(s.items, into);
  for (const variant of [...(s.anyOf ?? []), ...(s.oneOf ?? [])]) schemaKeys(variant, into);
  return into;
}

describe('documentation in step with the code', () => {
  it.each([...schemaKeys(ConfigSchema)])('config key "%s" is documented in config.example.yaml', (key) => {
    expect(example).toMatch(new RegExp(`(^|[\\s{#-])${key}:`, 'm'));
  });

  it('config.example.yaml loads clean and states the same defaults as the schema', () => {
    const fromExample = loadConfig(join(ROOT, 'config.example.yaml'), {}).config;
    const defaults = loadConfig(undefined, {}).config;
    expect({ ...fromExample, dataDir: '' }).toEqual({ ...defaults, dataDir: '' });
  });

  it.each(Object.entries(API_ERRORS))('API error %s is in the README table with its status', (code, { status }) => {
    expect(readme).toContain(`| \`${code}\` | ${status} |`);
  });
});
