/**
 * An incident's ITIL priority in each desk's own terms (one table per desk, so a reader sees every
 * mapping at once):
 *
 * | priority | ServiceNow impact/urgency | Jira priority | RT Priority | PagerDuty severity | Zendesk priority |
 * |---|---|---|---|---|---|
 * | P1 | from impact and urgency: high 1, medium 2, low 3 | Highest | 100 | critical | urgent |
 * | P2 | | High | 80 | error | high |
 * | P3 | | Medium | 60 | warning | normal |
 * | P4 | | Low | 40 | info | low |
 * | P5 | | Lowest | 20 | info | low |
 *
 * PagerDuty's Events API has no urgency field: a PagerDuty service whose urgency is "based on
 * alert severity" makes critical and error high-urgency and warning and info low; the priority,
 * impact and urgency are also in the event's custom details.
 */
import type { DeskIncident } from './deskAdapter.js';

type Table<T> = Readonly<Record<string, T>>;

const SERVICENOW_LEVEL: Table<string> = { high: '1', medium: '2', low: '3' };
const JIRA_PRIORITY: Table<string> = { P1: 'Highest', P2: 'High', P3: 'Medium', P4: 'Low', P5: 'Lowest' };
const RT_PRIORITY: Table<number> = { P1: 100, P2: 80, P3: 60, P4: 40, P5: 20 };
const PAGERDUTY_SEVERITY: Table<string> = { P1: 'critical', P2: 'error', P3: 'warning', P4: 'info', P5: 'info' };
const ZENDESK_PRIORITY: Table<string> = { P1: 'urgent', P2: 'high', P3: 'normal', P4: 'low', P5: 'low' };

/** ServiceNow's `impact` and `urgency` fields (1 high .. 3 low). */
export function serviceNowLevels(incident: Pick<DeskIncident, 'impact' | 'urgency'>): { impact: string; urgency: string } {
  return { impact: SERVICENOW_LEVEL[incident.impact] ?? '2', urgency: SERVICENOW_LEVEL[incident.urgency] ?? '2' };
}

export function jiraPriority(incident: Pick<DeskIncident, 'priority'>): string {
  return JIRA_PRIORITY[incident.priority] ?? 'Medium';
}

export function requestTrackerPriority(incident: Pick<DeskIncident, 'priority'>): number {
  return RT_PRIORITY[incident.priority] ?? 60;
}

export function pagerDutySeverity(incident: Pick<DeskIncident, 'priority'>): string {
  return PAGERDUTY_SEVERITY[incident.priority] ?? 'warning';
}

export function zendeskPriority(incident: Pick<DeskIncident, 'priority'>): string {
  return ZENDESK_PRIORITY[incident.priority] ?? 'normal';
}
