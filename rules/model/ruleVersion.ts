/**
 * A short, stable hash of what a rule means, so an incident can say which version of a rule fired
 * and an admin can tell whether an edit changed anything.
 */
import { createHash } from 'node:crypto';
import { RULE_KINDS } from '../kinds/registry.js';
import type { RuleDefinition } from './ruleTypes.js';

/**
 * sha256 (hex, first 12 characters) of the normalized definition: keys in a fixed order, rule labels
 * sorted, matchers in their written order (order does not change meaning, but reordering is an edit),
 * then keepFiringFor, inhibits and the kind's part (RuleKind.versionPart), each only when set, so that the
 * versions of plain rules stay what they were before those existed.
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
  if (definition.keepFiringForSeconds) normalized.push(['keepFiringForSeconds', definition.keepFiringForSeconds]);
  if (definition.inhibits?.length) normalized.push(['inhibits', definition.inhibits.map((i) => [[...i.rules].sort(), [...i.equal].sort()])]);
  if (definition.urgency) normalized.push(['urgency', definition.urgency]);
  if (definition.runbook) normalized.push(['runbook', definition.runbook]);
  for (const kind of RULE_KINDS) {
    const part = kind.versionPart(definition);
    if (part !== undefined) normalized.push(part);
  }
  return createHash('sha256').update(JSON.stringify(normalized)).digest('hex').slice(0, 12);
}
