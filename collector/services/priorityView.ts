/**
 * An incident's services and priority as the API, the CLI and the desks show them: the recorded
 * classification, or, for an incident opened before priorities were recorded, the matrix's answer
 * for it now (so that every incident has a priority).
 */
import type { Level, Priority } from '../../config/servicesConfigSchema.js';
import type { IncidentPriorityRecord } from '../domain/incidentPriority.js';
import type { Classification } from './priorityMatrix.js';

export interface PriorityView {
  priority: Priority;
  impact: Level;
  urgency: Level;
  services: string[];
  /** How the matrix decided, and an SLA escalation if one raised it. */
  priorityReason: string;
}

export function priorityViewOf(record: IncidentPriorityRecord | undefined, classifyNow: () => Classification): PriorityView {
  if (!record) {
    const c = classifyNow();
    return { priority: c.priority, impact: c.impact, urgency: c.urgency, services: c.services, priorityReason: `${c.reason} (classified now: recorded before priorities were)` };
  }
  const escalated = record.slaBreach && record.priority !== record.initialPriority ? `; raised from ${record.initialPriority} to ${record.priority} when the ${record.slaBreach.clock} SLA ran out at ${new Date(record.slaBreach.atMs).toISOString()}` : '';
  return { priority: record.priority, impact: record.impact, urgency: record.urgency, services: record.services, priorityReason: `${record.reason}${escalated}` };
}
