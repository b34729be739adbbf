/**
 * The stable identity of one rule applied to one series: the key of RuleState and of incident
 * correlation. It must never change for the same rule name and labels, across restarts and versions.
 */
import { createHash } from 'node:crypto';
import { canonicalLabels } from '../../contract/labels.js';

/**
 * sha256 (hex, first 16 characters) of the rule name (as JSON) followed by the canonical labels.
 * Label order does not matter; the encoding is unambiguous (JSON), so no two inputs collide by
 * concatenation.
 */
export function fingerprint(ruleName: string, labels: Readonly<Record<string, string>>): string {
  const canonical = `${JSON.stringify(ruleName)}${canonicalLabels(labels)}`;
  // The first 8 bytes as hex, made on their own: slicing the 64-character hex text would keep all of
  // it alive behind each fingerprint (a sliced string), and the collector keeps one per rule state.
  return createHash('sha256').update(canonical).digest().toString('hex', 0, 8);
}
