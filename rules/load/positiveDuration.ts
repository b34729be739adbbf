/**
 * Reading a duration setting of a rule entry that must be longer than zero (a window, a horizon, a
 * staleness limit).
 */
import { parseDurationSeconds } from '../../config/duration.js';
import type { EntryPath, ReportIssue } from '../kinds/ruleKind.js';

/**
 * The seconds of `text`, a duration the schema already checked the form of; an issue at `path`
 * when it is zero. Undefined when it is not usable (a malformed duration is the schema's to report).
 */
export function positiveDuration(text: unknown, path: EntryPath, report: ReportIssue): number | undefined {
  if (typeof text !== 'string') return undefined;
  let seconds: number;
  try {
    seconds = parseDurationSeconds(text);
  } catch {
    return undefined; // the schema reports the malformed duration
  }
  if (seconds > 0) return seconds;
  report(path, `must be longer than 0, got ${JSON.stringify(text)}`);
  return undefined;
}
