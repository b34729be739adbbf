/**
 * The plain-text body every desk gets for an incident: what, where, how bad (priority), the
 * measured value against its threshold, since when, the host's address and the check's, the
 * runbook, a link back, who acknowledged or resolved it, and the key that ties the ticket to Tripline.
 * Lines whose fact is unknown are left out.
 */
import type { DeskIncident, TicketActor, TicketFacts } from './deskAdapter.js';

export function ticketText(incident: DeskIncident): string {
  const labels = Object.entries(incident.labels)
    .map(([k, v]) => `  ${k}=${v}`)
    .join('\n');
  const facts = incident.facts;
  return [
    incident.summary,
    '',
    incident.description,
    '',
    `Priority: ${incident.priority} (impact ${incident.impact}, urgency ${incident.urgency})`,
    ...(incident.services.length > 0 ? [`Services: ${incident.services.join(', ')}`] : []),
    `Severity: ${incident.severity}`,
    `Host: ${incident.host}${facts.hostAddresses.length > 0 ? ` (${facts.hostAddresses.join(', ')})` : ''}`,
    ...(facts.checkTarget ? [`Check: ${facts.checkTarget}${facts.checkOutput ? ` - ${facts.checkOutput}` : ''}`] : []),
    ...measurement(facts),
    `Rule: ${incident.ruleName}`,
    `Status: ${incident.status}`,
    ...(facts.breachStartedAt ? [`Breach began: ${facts.breachStartedAt}`] : []),
    `Opened: ${incident.openedAt}`,
    ...(facts.occurrences > 1 ? [`Occurrences: ${facts.occurrences}`] : []),
    ...actor('Acknowledged', facts.acknowledged),
    ...(incident.resolvedAt ? [`Resolved: ${incident.resolvedAt}`] : []),
    ...actor('Resolved', facts.resolved),
    ...(facts.runbookUrl ? [`Runbook: ${facts.runbookUrl}`] : []),
    ...(facts.link ? [`In Tripline: ${facts.link}`] : []),
    `Labels:\n${labels}`,
    `Tripline incident key: ${incident.key}`,
  ]
    .filter((line, i, all) => !(line === '' && all[i - 1] === ''))
    .join('\n');
}

/** "Measured: 0.97 ratio (above the threshold 0.9; metric filesystem_used_ratio)". */
export function measurementText(facts: TicketFacts): string | undefined {
  if (facts.value === null) return undefined;
  const unit = facts.unit && facts.unit !== 'count' ? ` ${facts.unit}` : '';
  const threshold = facts.threshold !== null && facts.comparison ? `, ${facts.comparison} the threshold ${round(facts.threshold)}${unit}` : '';
  return `${round(facts.value)}${unit}${facts.metric ? ` (${facts.metric}${threshold})` : threshold ? ` (${threshold.slice(2)})` : ''}`;
}

function measurement(facts: TicketFacts): string[] {
  const text = measurementText(facts);
  return text === undefined ? [] : [`Measured: ${text}`];
}

function actor(what: string, who: TicketActor | null): string[] {
  return who ? [`${what} by: ${who.by} at ${who.at}${who.comment ? ` - ${who.comment}` : ''}`] : [];
}

function round(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}
