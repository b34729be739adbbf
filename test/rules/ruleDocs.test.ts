/**
 * Keeps the rule syntax reference (the header of rules/default/filesystem.yaml) in step with the
 * rule file schema and the template variables: a key or variable added to the code and not to the
 * reference fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { AGGREGATE_FUNCTIONS } from '../../rules/kinds/aggregate.js';
import { WINDOW_FUNCTIONS } from '../../rules/kinds/window.js';
import { DEFAULT_RULES_DIR } from '../../rules/load/loadRules.js';
import { NUMERIC_VARIABLES } from '../../rules/template/parseTemplate.js';
import { RuleEntrySchema } from '../../rules/load/ruleFileSchema.js';

const header = readFileSync(join(DEFAULT_RULES_DIR, 'filesystem.yaml'), 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('#'))
  .join('\n');

function keys(schema: TSchema, into = new Set<string>()): Set<string> {
  const s = schema as { properties?: Record<string, TSchema> };
  for (const [key, child] of Object.entries(s.properties ?? {})) {
    into.add(key);
    keys(child, into);
  }
  return into;
}

describe('the rule syntax reference', () => {
  it.each([...keys(RuleEntrySchema)])('documents the key "%s"', (key) => {
    expect(header).toMatch(new RegExp(`[\\s{#]${key}:`));
  });

  it.each([...NUMERIC_VARIABLES])('documents the template variable "%s"', (name) => {
    expect(header).toContain(`{{ ${name}`);
  });

  it('lists every window and aggregate function', () => {
    expect(header).toContain(`function: ${WINDOW_FUNCTIONS.join(' | ')}`);
    expect(header).toContain(AGGREGATE_FUNCTIONS.join(' | '));
  });
});
