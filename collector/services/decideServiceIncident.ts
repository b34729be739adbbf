/**
 * Service incidents, as a pure function: when a service degrades, one service-level record that
 * links the host incidents under it, and a resolve when the last of them no longer counts.
 *
 * A host incident joins its service's incident when it counts for the service (serviceState.ts)
 * and is critical, i.e. it is what makes the service unwell by its own members. A service that is
 * unwell only through `dependsOn` gets no incident of its own: the parent ticket belongs to the
 * service where the fault is.
 *
 * | service incident | critical incidents not linked yet | linked ones still counting | outcome |
 * |---|---|---|---|
 * | none active      | some                              | -                          | open one, linking them |
 * | none active      | none                              | -                          | nothing (a host incident linked once never opens a second service incident, even after a person resolved the first) |
 * | active           | some                              | -                          | link them under it |
 * | active           | none                              | some                       | nothing: still unwell |
 * | active           | none                              | none                       | resolve: the last child resolved (or stopped counting) |
 */
import type { IncidentRecord } from '../domain/incident.js';
import type { ServiceState } from './serviceState.js';
import { countsForService } from './serviceState.js';

export interface ServiceIncidentInput {
  state: ServiceState;
  /** The service's active incident, if any. */
  active: IncidentRecord | undefined;
  /** The incidents linked under `active`, as they stand now. */
  children: readonly IncidentRecord[];
  /** Every host incident ever linked under an incident of this service. */
  linkedIds: ReadonlySet<number>;
  /** The incidents that count for the service now (its state's `incidentIds`, resolved to records). */
  counted: readonly IncidentRecord[];
}

export type ServiceIncidentDecision =
  | { kind: 'none' }
  | { kind: 'open'; children: IncidentRecord[]; text: string }
  | { kind: 'link'; children: IncidentRecord[]; text: string }
  | { kind: 'resolve'; text: string };

export function decideServiceIncident(input: ServiceIncidentInput): ServiceIncidentDecision {
  const { state, active } = input;
  const fresh = input.counted.filter((incident) => incident.severity === 'critical' && countsForService(incident) && !input.linkedIds.has(incident.id));
  const list = (incidents: readonly IncidentRecord[]) => incidents.map((incident) => `#${incident.id} ${incident.ruleName} on ${incident.host || '?'}`).join(', ');
  if (!active) {
    if (fresh.length === 0) return { kind: 'none' };
    return { kind: 'open', children: fresh, text: `service ${state.name} is ${state.ownState}: ${list(fresh)}` };
  }
  if (fresh.length > 0) return { kind: 'link', children: fresh, text: `linked under service ${state.name}: ${list(fresh)}` };
  if (input.children.some(countsForService)) return { kind: 'none' };
  const last = [...input.children].sort((a, b) => (b.resolvedAtMs ?? b.updatedAtMs) - (a.resolvedAtMs ?? a.updatedAtMs))[0];
  return { kind: 'resolve', text: `no host incident of service ${state.name} is active any more${last ? ` (the last was #${last.id} on ${last.host || '?'})` : ''}` };
}
