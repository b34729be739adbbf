/**
 * Checking a name a rule entry picks from a fixed list (a window or aggregate function), with a
 * "did you mean" hint for a typo.
 */
import { closestWord } from '../../config/closestWord.js';
import type { EntryPath, ReportIssue } from '../kinds/ruleKind.js';

/** `name` if it is one of `known`; otherwise an issue at `path` with the nearest known name or the list. */
export function knownName<T extends string>(name: unknown, known: readonly T[], path: EntryPath, what: string, report: ReportIssue): T | undefined {
  if (typeof name !== 'string') return undefined;
  if ((known as readonly string[]).includes(name)) return name as T;
  const suggestion = closestWord(name, known);
  const hint = suggestion ? `did you mean "${suggestion}"? (one of: ${known.join(', ')})` : `expected one of: ${known.join(', ')}`;
  report(path, `unknown ${what} "${name}"; ${hint}`);
  return undefined;
}
