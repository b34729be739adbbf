/**
 * Time-driven lifecycle decisions for one active incident, taken on every evaluation (ingest batch
 * or silence tick), when no signal arrives: a cleared problem that settled, a hold that no longer applies
 * (silence expired, maintenance over, parent back up, group parent gone, probe lost), escalation.
 *
 * | incident                         | condition                                  | outcome |
 * |---|---|---|
 * | settling (cleared)               | clear for `resolveSettle`                  | resolve (desk 'resolve' if its ticket is open), flapping or not |
 * | settling (cleared)               | clear for less than `resolveSettle`        | stays open, waiting (no release, no escalation) |
 * | hold silenced/maintenance/symptom/grouped | nothing holds it any more         | release: desk 'open' (or 'reopen' if it had a ticket) |
 * | hold silenced/maintenance/...    | another suppression holds it now           | hold changes, no desk operation |
 * | hold symptom, parent resolved   | within topology.recoveryGrace              | stays held (its own clear usually follows) |
 * | hold inhibited, inhibitor resolved | within inhibition.recoveryGrace, no other inhibitor | stays held (its own clear usually follows) |
 * | a down rule's hold ends, never probed | nothing holds it any more             | hold 'probing': the ticket waits for the ping verdict |
 * | hold probing                     | no verdict after the probe timeout         | release with "reachability unknown" |
 * | open longer than an escalation step | severity below the step's              | raise severity; desk 'update' if its ticket is open |
 */
import { formatDuration } from '../../config/duration.js';
import type { IncidentHold, IncidentRecord } from '../domain/incident.js';
import type { MaintenanceRecord } from '../domain/maintenanceWindow.js';
import type { SilenceRecord } from '../domain/silence.js';
import { resolveEffects, ticketIsOpen } from './decideIncident.js';
import type { IncidentEffect } from './incidentEffects.js';
import { severityRank, type IncidentPolicy } from './incidentPolicy.js';
import { evaluateGates, HOLD_GATES, type GateVerdict } from './incidentGates.js';
import { inhibitingRulesOf, type Inhibitor } from './inhibition.js';

export interface SweepContext {
  nowMs: number;
  policy: IncidentPolicy;
  silences: readonly SilenceRecord[];
  maintenance: readonly MaintenanceRecord[];
  downParent: { host: string; incident: IncidentRecord } | undefined;
  /** The incident's parent (for grouped incidents), as it stands now. */
  parentIncident: IncidentRecord | undefined;
  /** An active incident that inhibits this one now, if any (see inhibition.ts). */
  inhibitor?: Inhibitor | undefined;
}

export function decideSweep(incident: IncidentRecord, context: SweepContext): IncidentEffect[] {
  // A cleared problem waits for its settle only: no hold is released and no severity raised for it.
  if (incident.settlingSinceMs !== null) return sweepSettle(incident, context);
  return [...sweepHold(incident, context), ...sweepEscalation(incident, context)];
}

/** A cleared problem that stayed clear for `resolveSettle` resolves, once, whether it flapped or not. */
function sweepSettle(incident: IncidentRecord, context: SweepContext): IncidentEffect[] {
  const since = incident.settlingSinceMs;
  if (since === null || context.nowMs - since < context.policy.resolveSettleMs) return [];
  const flapped = incident.occurrences > 1 ? ` after ${incident.occurrences} occurrences` : '';
  const text = `the problem stayed clear for ${formatDuration(context.policy.resolveSettleMs / 1000)} (incidents.resolveSettle) since ${new Date(since).toISOString()}${flapped}`;
  return resolveEffects(incident, text, since, context.nowMs, { settleMs: context.policy.resolveSettleMs });
}

/** The hold gates (incidentGates.ts) re-evaluated for the incident now: every verdict, and the one that holds it, if any. */
function currentGates(incident: IncidentRecord, context: SweepContext) {
  return evaluateGates(HOLD_GATES, {
    nowMs: context.nowMs,
    policy: context.policy,
    ruleName: incident.ruleName,
    labels: incident.labels,
    inhibitable: (inhibitingRulesOf(incident)?.length ?? 0) > 0,
    silences: context.silences,
    maintenance: context.maintenance,
    downParent: context.downParent,
    inhibitor: context.inhibitor,
    incident,
    parentIncident: context.parentIncident,
  });
}

function sweepHold(incident: IncidentRecord, context: SweepContext): IncidentEffect[] {
  if (incident.hold === null) return [];
  if (incident.hold === 'probing') {
    if (context.nowMs - incident.updatedAtMs < context.policy.probeTimeoutMs) return [];
    return release(incident, context, 'reachability unknown: no ping verdict in time; ticket released');
  }
  const { verdicts, holding } = currentGates(incident, context);
  if (!holding) return release(incident, context, `released: ${describeHold(incident.hold)} no longer applies`, verdicts);
  const hold = holding.hold!;
  const parentIncidentId = holding.parentIncidentId ?? null;
  if (hold === incident.hold && parentIncidentId === incident.parentIncidentId) return [];
  return [
    { kind: 'update', incidentId: incident.id, change: { hold, parentIncidentId, updatedAtMs: context.nowMs } },
    { kind: 'event', incidentId: incident.id, event: { kind: `held-${hold}`, text: holding.reason, data: { gates: verdicts } } },
  ];
}

function release(incident: IncidentRecord, context: SweepContext, text: string, gates: GateVerdict[] = []): IncidentEffect[] {
  const { policy } = context;
  if (incident.hold !== 'probing' && policy.probeReachability && policy.downRules.includes(incident.ruleName) && !incident.why.reachability) {
    // A down incident held by a silence or a window was never probed: ping before the ticket opens.
    return [
      { kind: 'update', incidentId: incident.id, change: { hold: 'probing', parentIncidentId: null, updatedAtMs: context.nowMs } },
      { kind: 'event', incidentId: incident.id, event: { kind: 'held-probing', text: `${text}; ticket waits for the collector to ping the host`, data: { previousHold: incident.hold, gates } } },
    ];
  }
  return [
    { kind: 'update', incidentId: incident.id, change: { hold: null, parentIncidentId: null, ticketed: true, updatedAtMs: context.nowMs } },
    { kind: 'event', incidentId: incident.id, event: { kind: 'released', text, data: { previousHold: incident.hold, gates } } },
    { kind: 'desk', incidentId: incident.id, operation: incident.ticketed ? 'reopen' : 'open' },
  ];
}

function describeHold(hold: IncidentHold): string {
  switch (hold) {
    case 'silenced':
      return 'the silence';
    case 'maintenance':
      return 'the maintenance window';
    case 'symptom':
      return 'the parent outage';
    case 'grouped':
      return 'the group incident';
    case 'probing':
      return 'the reachability probe';
    case 'inhibited':
      return 'the inhibiting incident';
    default:
      return hold satisfies never;
  }
}

function sweepEscalation(incident: IncidentRecord, context: SweepContext): IncidentEffect[] {
  const openForMs = context.nowMs - incident.openedAtMs;
  const step = [...context.policy.escalation].reverse().find((s) => openForMs >= s.afterMs);
  if (!step || severityRank(step.severity) <= severityRank(incident.severity)) return [];
  const text = `escalated from ${incident.severity} to ${step.severity}: open for ${formatDuration(Math.round(openForMs / 1000))}, step after ${formatDuration(step.afterMs / 1000)}`;
  const effects: IncidentEffect[] = [
    { kind: 'update', incidentId: incident.id, change: { severity: step.severity, updatedAtMs: context.nowMs } },
    { kind: 'event', incidentId: incident.id, event: { kind: 'escalated', text, data: { from: incident.severity, to: step.severity } } },
  ];
  if (ticketIsOpen(incident)) effects.push({ kind: 'desk', incidentId: incident.id, operation: 'update' });
  return effects;
}
