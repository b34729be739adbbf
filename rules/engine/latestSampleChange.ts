/**
 * Which state changes a crash may lose. Most series of a healthy fleet only move their latest sample
 * from one report to the next: a threshold state that stays pending or firing gets a new lastValue
 * and lastSampleAtMs, a window or prediction gets a new point in its buffer. Writing all of them
 * with every report is most of what ingest writes, and none of it decides an alert: the status, the
 * timers (`for`, clearFor, keepFiringFor) and the kinds' other memory do. So the engine tells the
 * collector which of the states it returns changed only in their latest sample; the collector may
 * write those later (a checkpoint), and everything else with the batch that changed it.
 */
import type { RuleState } from '../model/ruleTypes.js';

/**
 * Whether `key` is a field a latest-sample change may touch (lastValue, lastSampleAtMs, recent), or
 * the labels, compared before. Compared as strings, not looked up in a Set: for...in gives names V8
 * keeps unique, so each comparison is of two references, where a Set hashed each name (this check
 * runs over every field of every changed state of every report).
 */
function mayDiffer(key: string): boolean {
  return key === 'lastValue' || key === 'lastSampleAtMs' || key === 'recent' || key === 'labels';
}

/**
 * Whether `after` differs from `before` only in its latest sample: lastValue, lastSampleAtMs and
 * the points of its window buffer (which only ever gains new points and lets old ones go). False
 * for a new state, a buffer that appears or is dropped, a changed status, timer, rule version or
 * any other memory. Labels are compared by reference: the engine carries the prior state's object.
 */
export function onlyLatestSampleChanged(before: RuleState | undefined, after: RuleState): boolean {
  if (before === undefined || before.labels !== after.labels) return false;
  if ((before.recent === undefined) !== (after.recent === undefined)) return false;
  const a = after as unknown as Record<string, unknown>;
  const b = before as unknown as Record<string, unknown>;
  for (const key in a) if (!mayDiffer(key) && a[key] !== b[key]) return false;
  for (const key in b) if (!(key in a)) return false;
  return true;
}
