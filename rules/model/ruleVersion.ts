/**
 * A short, stable hash of what a rule means, so an incident can say which version of a rule fired
 * and an admin can tell whether an edit changed anything.
 */
import { createHash } from 'node:crypto';
import type { Rule } from './ruleTypes.js';

/** The parts of a rule that decide its behaviour and text; not where it is written. */
export type RuleDefinition = Omit<Rule, 'version' | 'file' | 'line'>;

/**
 * sha256 (hex, first 12 characters) of the normalized definition: keys in a fixed order, rule labels
 * sorted, matchers in their written order (order does not change meaning, but reordering is an edit).
 * Moving a rule to another file or line keeps its version; changing a threshold, a duration, a
 * matcher, the severity, a label or a template changes it.
 */
export function ruleVersion(definition: RuleDefinition): string {
  const normalized: unknown[] = [
    definition.name,
    definition.metric,
    definition.matchers.map((m) => [m.label, m.op, m.value]),
    [definition.fire.op, definition.fire.threshold],
    [definition.clear.op, definition.clear.threshold],
    definition.forSeconds,
    definition.clearForSeconds,
    definition.severity,
    definition.summary,
    definition.description,
    Object.keys(definition.labels)
      .sort()
      .map((name) => [name, definition.labels[name]]),
  ];
  // Appended only when set, so that the versions of plain rules stay what they were.
  const extras = {
    keepFiringForSeconds: definition.keepFiringForSeconds || undefined,
    window: definition.window,
    predict: definition.predict,
    absent: definition.absent,
    aggregate: definition.aggregate,
  };
  for (const [key, value] of Object.entries(extras)) if (value !== undefined) normalized.push([key, value]);
  return createHash('sha256').update(JSON.stringify(normalized)).digest('hex').slice(0, 12);
}
