/**
 * A service incident: one record per episode of a service being unwell, with the host incidents
 * that made it so linked under it. It is an incident of the ledger like any other (so it has a
 * key, a timeline, tickets through the outbox, and survives restarts), told apart by its rule name;
 * the links live beside it. The lifecycle of host incidents never sees it (see incidentService.ts).
 */
import type { IncidentRecord } from './incident.js';

/** The rule name of every service incident; rule files cannot name a rule so (names are identifiers). */
export const SERVICE_INCIDENT_RULE = 'tripline:service';

/** The fingerprint of a service's incidents: at most one of them is active at a time. */
export function serviceIncidentFingerprint(service: string): string {
  return `service:${service}`;
}

export function isServiceIncident(incident: Pick<IncidentRecord, 'ruleName'>): boolean {
  return incident.ruleName === SERVICE_INCIDENT_RULE;
}

/** A host incident linked under a service incident. */
export interface ServiceIncidentLink {
  serviceIncidentId: number;
  incidentId: number;
  service: string;
  linkedAtMs: number;
}

/** A service's state from `atMs` on, as the service watcher recorded it (the service reports read these). */
export interface ServiceStateChange {
  service: string;
  state: 'operational' | 'degraded' | 'outage';
  atMs: number;
  reason: string;
}
