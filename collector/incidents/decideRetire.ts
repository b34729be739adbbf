/**
 * Incidents whose source is gone: their rule was removed from the set, or their host was
 * decommissioned. Nothing will ever clear them, so they resolve now, with the reason on their
 * timeline, and the desk hears it when their ticket is open (no settle: the problem is not clearing,
 * it can no longer be seen).
 *
 * | incident            | outcome |
 * |---|---|
 * | open / acknowledged | resolved with the reason; desk 'resolve' if its ticket is open |
 * | resolved / closed   | nothing |
 */
import type { IncidentRecord } from '../domain/incident.js';
import { resolveEffects } from './decideIncident.js';
import type { IncidentEffect } from './incidentEffects.js';

/** Why an incident's source is gone, as its timeline says it. */
export type RetireReason = { kind: 'rule removed'; ruleName: string } | { kind: 'host decommissioned' | 'agent reset'; host: string; by: string };

export function decideRetire(incident: IncidentRecord, reason: RetireReason, nowMs: number): IncidentEffect[] {
  if (incident.status !== 'open' && incident.status !== 'acknowledged') return [];
  return resolveEffects(incident, describeRetire(reason), nowMs, nowMs, { retired: reason.kind });
}

export function describeRetire(reason: RetireReason): string {
  switch (reason.kind) {
    case 'rule removed':
      return `rule removed: ${reason.ruleName} is no longer in the rule set`;
    case 'host decommissioned':
      return `host decommissioned: ${reason.host} was decommissioned by ${reason.by}`;
    case 'agent reset':
      return `agent reset: the agent of ${reason.host} was reset by ${reason.by} (a reimage); the host enrols again`;
    default:
      return reason satisfies never;
  }
}
