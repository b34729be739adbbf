/**
 * An incident an operator resolved by hand while its problem persisted: at its re-arm time
 * (`incidents.rearmAfter` after the resolve) it opens again if its rule still fires, so a manual
 * resolve never hides a problem for good; explain's timeline says why it re-opened.
 *
 * | at the re-arm time      | outcome |
 * |---|---|
 * | rule still firing       | re-open (+1 occurrence); the hold gates of now (`gates`: a silence or maintenance window made since, a down parent, an inhibitor) decide its ticket as for any re-open: desk 'reopen' (or 'open' if it never had one) when none holds |
 * | rule no longer firing   | re-arm dropped: the problem cleared after the resolve |
 * | unknown to Tripline     | re-arm deferred to the source (an Alertmanager alert: its next firing notification re-opens it) |
 * | re-opened in between    | (rearmAtMs was cleared by the re-open; never due) |
 *
 * `stillFiring` is `'unknown'` for an incident no Tripline rule fires (the Alertmanager intake's):
 * only its source can say whether it still fires, and does when it next speaks.
 */
import { formatDuration } from '../../config/duration.js';
import type { IncidentRecord } from '../domain/incident.js';
import type { IncidentEffect } from './incidentEffects.js';
import type { GateVerdict } from './incidentGates.js';

/** The timeline event of a re-arm left to the incident's source. */
export const REARM_DEFERRED = 'rearm-deferred';

export function decideRearm(
  incident: IncidentRecord,
  stillFiring: boolean | 'unknown',
  rearmAfterMs: number,
  nowMs: number,
  gates: { verdicts: GateVerdict[]; holding: GateVerdict | undefined } = { verdicts: [], holding: undefined },
): IncidentEffect[] {
  if (stillFiring === 'unknown' && incident.status === 'resolved') {
    const text = 'not re-armed by the clock: Tripline cannot see whether this alert still fires; its source\'s next firing notification opens it again';
    return [
      { kind: 'update', incidentId: incident.id, change: { rearmAtMs: null } },
      { kind: 'event', incidentId: incident.id, event: { kind: REARM_DEFERRED, text, data: {} } },
    ];
  }
  if (stillFiring !== true || incident.status !== 'resolved') {
    return [
      { kind: 'update', incidentId: incident.id, change: { rearmAtMs: null } },
      { kind: 'event', incidentId: incident.id, event: { kind: 'rearm-dropped', text: 'not re-armed: the problem cleared after the manual resolve', data: {} } },
    ];
  }
  // It opens again as a problem that fires again would: the hold gates of now decide its ticket.
  const hold = gates.holding?.hold ?? null;
  const held = gates.holding ? `; ${gates.holding.reason}` : '';
  const text = `re-armed: the problem persisted ${formatDuration(rearmAfterMs / 1000)} after the manual resolve (incidents.rearmAfter); opened again${held}`;
  const change = {
    status: 'open' as const,
    resolvedAtMs: null,
    rearmAtMs: null,
    occurrences: incident.occurrences + 1,
    updatedAtMs: nowMs,
    hold,
    parentIncidentId: gates.holding?.parentIncidentId ?? null,
    ticketed: incident.ticketed || hold === null,
  };
  const effects: IncidentEffect[] = [
    { kind: 'update', incidentId: incident.id, change },
    { kind: 'event', incidentId: incident.id, event: { kind: 'rearmed', text, data: { occurrence: change.occurrences, gates: gates.verdicts } } },
  ];
  if (hold === null) effects.push({ kind: 'desk', incidentId: incident.id, operation: incident.ticketed ? 'reopen' : 'open' });
  return effects;
}
