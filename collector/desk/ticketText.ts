/**
 * The plain-text body every desk gets for an incident: what, where, since when, and the key
 * that ties the ticket to Tripline.
 */
import type { DeskIncident } from './deskAdapter.js';

export function ticketText(incident: DeskIncident): string {
  const labels = Object.entries(incident.labels)
    .map(([k, v]) => `  ${k}=${v}`)
    .join('\n');
  return [
    incident.summary,
    '',
    incident.description,
    '',
    `Severity: ${incident.severity}`,
    `Host: ${incident.host}`,
    `Rule: ${incident.ruleName}`,
    `Status: ${incident.status}`,
    `Opened: ${incident.openedAt}`,
    ...(incident.resolvedAt ? [`Resolved: ${incident.resolvedAt}`] : []),
    `Labels:\n${labels}`,
    `Tripline incident key: ${incident.key}`,
  ]
    .filter((line, i, all) => !(line === '' && all[i - 1] === ''))
    .join('\n');
}
