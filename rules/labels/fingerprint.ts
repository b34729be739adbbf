/**
 * The stable identity of one rule applied to one series: the key of RuleState and of incident
 * correlation. It must never change for the same rule name and labels, across restarts and versions.
 */
import { createHash } from 'node:crypto';

/**
 * sha256 (hex, first 16 characters) of the rule name and the series labels sorted by name.
 * Label order does not matter; the encoding is unambiguous (JSON), so no two inputs collide by
 * concatenation.
 */
export function fingerprint(ruleName: string, labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels).sort();
  const pairs: string[] = new Array<string>(names.length);
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    pairs[i] = `${JSON.stringify(name)}:${JSON.stringify(labels[name])}`;
  }
  const canonical = `${JSON.stringify(ruleName)}{${pairs.join(',')}}`;
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}
