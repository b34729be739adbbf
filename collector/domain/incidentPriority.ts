/**
 * An incident's place in the service view: the services it touches, its ITIL impact, urgency and
 * priority (decided when it opens, see services/priorityMatrix.ts), and what its SLA clocks did.
 * Kept beside the incident (its own table) so that the lifecycle's record stays as it is.
 */
import type { Level, Priority } from '../../config/servicesConfigSchema.js';

/** Which SLA clock ran out: time to acknowledge or time to resolve. */
export type SlaClock = 'acknowledge' | 'resolve';

export interface IncidentPriorityRecord {
  incidentId: number;
  services: string[];
  impact: Level;
  urgency: Level;
  /** The priority now (raised once by an SLA breach). */
  priority: Priority;
  /** The priority the matrix gave when the incident opened. */
  initialPriority: Priority;
  /** How the matrix decided: "impact high (service payments) x urgency high (severity critical) = P1". */
  reason: string;
  /** The SLA breach that escalated the incident (at most one: a breach escalates exactly once). */
  slaBreach: { clock: SlaClock; atMs: number } | null;
}
