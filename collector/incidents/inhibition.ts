/**
 * Inhibition across rules (a rule's `inhibits`, in the manner of Alertmanager's inhibit_rules with
 * `equal`): which active incident, if any, inhibits a signal or a held incident now. An active
 * incident of an inhibiting rule whose labels have the same values on every `equal` label (a label
 * missing on both counts as the same) inhibits; it need not have a ticket of its own (a silenced
 * inhibitor still inhibits, as in Alertmanager).
 */
import type { InhibitingRule } from '../../rules/index.js';
import type { IncidentRecord } from '../domain/incident.js';

/** The incident that inhibits, the rule it belongs to and the labels compared. */
export interface Inhibitor {
  incident: IncidentRecord;
  rule: string;
  equal: string[];
}

/**
 * The first of `active` (oldest first) that inhibits a problem with `labels`, inhibited by `by`;
 * `self` is the problem's own incident, never its own inhibitor.
 */
export function findInhibitor(by: readonly InhibitingRule[] | undefined, labels: Readonly<Record<string, string>>, active: Iterable<IncidentRecord>, self?: number): Inhibitor | undefined {
  if (!by || by.length === 0) return undefined;
  for (const incident of active) {
    if (incident.id === self || (incident.status !== 'open' && incident.status !== 'acknowledged')) continue;
    const source = by.find((s) => s.rule === incident.ruleName && s.equal.every((label) => (incident.labels[label] ?? '') === (labels[label] ?? '')));
    if (source) return { incident, rule: source.rule, equal: source.equal };
  }
  return undefined;
}

/** The inhibiting rules an incident recorded when it opened (its why-record's `inhibitedBy`). */
export function inhibitingRulesOf(incident: IncidentRecord): InhibitingRule[] | undefined {
  const recorded = incident.why.inhibitedBy;
  return Array.isArray(recorded) ? (recorded as InhibitingRule[]) : undefined;
}

/** "inhibited by tcp_port_down (incident #4, same host, target)". */
export function describeInhibitor(inhibitor: Inhibitor): string {
  const same = inhibitor.equal.length > 0 ? `, same ${inhibitor.equal.join(', ')}` : '';
  return `inhibited by ${inhibitor.rule} (incident #${inhibitor.incident.id}${same})`;
}
