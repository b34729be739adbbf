/**
 * Operator actions on one incident, decided purely: acknowledge and resolve by hand. A refused
 * action says why in words the API returns with 409.
 *
 * | status        | acknowledge            | resolve |
 * |---|---|---|
 * | open          | acknowledged; desk 'update' if its ticket is open | resolved; desk 'resolve' if its ticket is open; re-arms after `rearmAfter` |
 * | acknowledged  | refused: already acknowledged | resolved; desk 'resolve' if its ticket is open; re-arms after `rearmAfter` |
 * | resolved      | refused                | refused |
 * | closed        | refused                | refused |
 */
import { formatDuration } from '../../config/duration.js';
import type { IncidentRecord } from '../domain/incident.js';
import { resolveEffects, ticketIsOpen } from './decideIncident.js';
import type { IncidentEffect } from './incidentEffects.js';

export type OperatorAction = { kind: 'acknowledge'; by: string; comment: string } | { kind: 'resolve'; by: string; comment: string };

export type OperatorDecision = { ok: true; effects: IncidentEffect[]; reason: string } | { ok: false; reason: string };

/**
 * `rearmAfterMs`: a manual resolve re-arms the incident that long after (decideRearm: it opens again
 * if its rule still fires then); 0 never.
 */
export function decideOperatorAction(incident: IncidentRecord, action: OperatorAction, nowMs: number, rearmAfterMs = 0): OperatorDecision {
  const who = `${action.by}${action.comment ? `: ${action.comment}` : ''}`;
  switch (action.kind) {
    case 'acknowledge': {
      if (incident.status !== 'open') return { ok: false, reason: `incident ${incident.id} is ${incident.status}; only an open incident can be acknowledged` };
      const reason = `acknowledged by ${who}`;
      const effects: IncidentEffect[] = [
        { kind: 'update', incidentId: incident.id, change: { status: 'acknowledged', updatedAtMs: nowMs } },
        { kind: 'event', incidentId: incident.id, event: { kind: 'acknowledged', text: reason, data: { by: action.by } } },
      ];
      if (ticketIsOpen(incident)) effects.push({ kind: 'desk', incidentId: incident.id, operation: 'update' });
      return { ok: true, effects, reason };
    }
    case 'resolve': {
      if (incident.status !== 'open' && incident.status !== 'acknowledged') {
        return { ok: false, reason: `incident ${incident.id} is already ${incident.status}` };
      }
      const rearm = rearmAfterMs > 0 ? `; if the problem persists, it opens again at ${new Date(nowMs + rearmAfterMs).toISOString()} (incidents.rearmAfter ${formatDuration(rearmAfterMs / 1000)})` : '';
      const reason = `resolved by hand by ${who}${rearm}`;
      const effects = resolveEffects(incident, reason, nowMs, nowMs, { by: action.by });
      if (rearmAfterMs > 0) effects.push({ kind: 'update', incidentId: incident.id, change: { rearmAtMs: nowMs + rearmAfterMs } });
      return { ok: true, effects, reason };
    }
    default:
      return action satisfies never;
  }
}
