/**
 * Helpers for loader tests of one rule entry: a rule file around the lines under test, and the
 * located errors the loader gives for it.
 */
import { YamlValidationError } from '../../config/yamlSchemaLoader.js';
import { parseRuleFile } from '../../rules/load/loadRules.js';

/** A rule without a threshold yet; `lines` follow from line 5 on. Agents are taken to label their series with `group`. */
export function ruleFile(...lines: string[]): string {
  return [
    'rules:',
    '  - name: r', // line 2
    '    metric: filesystem_used_ratio',
    '    severity: warning', // line 4
    ...lines.map((line) => `    ${line}`), // line 5 onwards
    '    summary: s',
    'hostLabels: [group]',
  ].join('\n');
}

/** The loader's messages for `text` (named bad.yaml), one per problem; none when it loads. */
export function errorsOf(text: string): string[] {
  try {
    parseRuleFile(text, 'bad.yaml');
  } catch (error) {
    if (error instanceof YamlValidationError) return error.message.split('\n');
    throw error;
  }
  return [];
}
