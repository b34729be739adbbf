/**
 * The incident gates: one list of `(context) => GateVerdict` functions, in the order they apply,
 * evaluated for an incident's whole life: when its signal opens or re-opens it (decideIncident), and
 * on every sweep while a gate holds its ticket (decideSweep). Each decision records the verdicts it
 * was taken on in its timeline entry, so `explain` shows every decision with its own gates instead
 * of a snapshot of the first.
 *
 * | gate         | holds when                                                      | hold        | code                  |
 * |---|---|---|---|
 * | silence      | an active silence matches the labels                            | silenced    | silenced              |
 * | maintenance  | a maintenance window covers the host (or its group) now         | maintenance | in-maintenance        |
 * | topology     | a parent of the host is down; or (sweep) the parent recovered within `topology.recoveryGrace` | symptom | parent-down, parent-recovering |
 * | inhibition   | (inhibitable rules only) an inhibiting incident is active; or (sweep) it resolved within `inhibition.recoveryGrace` | inhibited | inhibited, inhibitor-recovering |
 * | grouping     | (grouping by host) another incident on the host carries the ticket; (sweep) that incident is still active | grouped | grouped |
 * | reachability | (new incidents of a down rule) the collector has not pinged the host yet | probing | probing     |
 *
 * A gate that passes has code `clear`; one that does not apply here returns undefined and is left
 * out. The first gate that holds decides; the gates after it are not evaluated.
 */
import type { IncidentHold, IncidentRecord } from '../domain/incident.js';
import type { MaintenanceRecord } from '../domain/maintenanceWindow.js';
import type { SilenceRecord } from '../domain/silence.js';
import type { IncidentPolicy } from './incidentPolicy.js';
import { describeInhibitor, type Inhibitor } from './inhibition.js';
import { activeMaintenance, describeMaintenance, describeSilence, matchingSilence } from './suppression.js';

export type GateName = 'flap' | 'dedup' | 'reopen' | 'silence' | 'maintenance' | 'topology' | 'inhibition' | 'grouping' | 'reachability';

/** Why a gate decided as it did, as a stable code beside its text. */
export type GateCode =
  | 'clear'
  | 'flapping'
  | 'duplicate'
  | 'folded'
  | 'reopened'
  | 'silenced'
  | 'in-maintenance'
  | 'parent-down'
  | 'parent-recovering'
  | 'inhibited'
  | 'inhibitor-recovering'
  | 'grouped'
  | 'probing';

/** One gate's verdict at one decision, kept in that decision's timeline entry. */
export interface GateVerdict {
  gate: GateName;
  /** False when the gate changed the course of the decision: it holds the ticket, folds, re-opens or marks a flap. */
  passed: boolean;
  code: GateCode;
  reason: string;
  /** For a gate that holds the ticket: the hold, and the incident that carries the ticket instead, if any. */
  hold?: IncidentHold;
  parentIncidentId?: number;
}

/** What the gates read: the problem's labels and rule, the time, and the suppressions in force. */
export interface GateContext {
  nowMs: number;
  policy: IncidentPolicy;
  ruleName: string;
  labels: Readonly<Record<string, string>>;
  /** Whether another rule inhibits this one (only such a rule passes the inhibition gate at all). */
  inhibitable: boolean;
  silences: readonly SilenceRecord[];
  maintenance: readonly MaintenanceRecord[];
  /** A down parent of the host, if any (see topology.ts). */
  downParent: { host: string; incident: IncidentRecord } | undefined;
  /** An active incident that inhibits this problem now, if any (see inhibition.ts). */
  inhibitor: Inhibitor | undefined;
  /** For a new signal with grouping by host: another active, top-level incident on the same host. */
  hostIncident?: IncidentRecord | undefined;
  /** On a sweep: the incident whose hold is re-evaluated; undefined when a signal opens one. */
  incident?: IncidentRecord | undefined;
  /** On a sweep: the incident's parent (the one that carries its ticket), as it stands now. */
  parentIncident?: IncidentRecord | undefined;
}

export type Gate = (context: GateContext) => GateVerdict | undefined;

const clear = (gate: GateName, reason: string): GateVerdict => ({ gate, passed: true, code: 'clear', reason });
const held = (gate: GateName, code: GateCode, hold: IncidentHold, reason: string, parentIncidentId?: number): GateVerdict => ({
  gate,
  passed: false,
  code,
  reason,
  hold,
  ...(parentIncidentId === undefined ? {} : { parentIncidentId }),
});

const silenceGate: Gate = ({ silences, labels, nowMs }) => {
  const silence = matchingSilence(silences, labels, nowMs);
  return silence ? held('silence', 'silenced', 'silenced', `suppressed: ${describeSilence(silence)} until ${iso(silence.expiresAtMs)}`) : clear('silence', 'no active silence matches');
};

const maintenanceGate: Gate = ({ maintenance, labels, nowMs, policy }) => {
  const window = activeMaintenance(maintenance, labels, nowMs, policy.timeZone);
  return window
    ? held('maintenance', 'in-maintenance', 'maintenance', `suppressed: ${describeMaintenance(window.window)} since ${iso(window.startedAtMs)}`)
    : clear('maintenance', 'not in a maintenance window');
};

const topologyGate: Gate = ({ downParent, incident, parentIncident, nowMs, policy }) => {
  if (downParent && downParent.incident.id !== incident?.id) {
    return held('topology', 'parent-down', 'symptom', `suppressed: parent ${downParent.host} is down (incident #${downParent.incident.id})`, downParent.incident.id);
  }
  if (incident?.hold === 'symptom' && parentIncident?.resolvedAtMs != null && nowMs - parentIncident.resolvedAtMs < policy.recoveryGraceMs) {
    return held('topology', 'parent-recovering', 'symptom', `parent incident #${parentIncident.id} recovered; waiting for this host's own clear`, parentIncident.id);
  }
  return clear('topology', 'no parent of this host is down');
};

const inhibitionGate: Gate = ({ inhibitable, inhibitor, incident, parentIncident, nowMs, policy }) => {
  if (!inhibitable) return undefined;
  if (inhibitor) return held('inhibition', 'inhibited', 'inhibited', describeInhibitor(inhibitor), inhibitor.incident.id);
  if (incident?.hold === 'inhibited' && parentIncident?.resolvedAtMs != null && nowMs - parentIncident.resolvedAtMs < policy.inhibitionGraceMs) {
    return held('inhibition', 'inhibitor-recovering', 'inhibited', `inhibiting incident #${parentIncident.id} recovered; waiting for this one's own clear`, parentIncident.id);
  }
  return clear('inhibition', 'no inhibiting incident is active');
};

const groupingGate: Gate = ({ incident, parentIncident, hostIncident, policy }) => {
  if (incident) {
    if (incident.hold === 'grouped' && parentIncident && (parentIncident.status === 'open' || parentIncident.status === 'acknowledged')) {
      return held('grouping', 'grouped', 'grouped', `grouped under incident #${parentIncident.id} on the same host`, parentIncident.id);
    }
    return clear('grouping', policy.groupByHost ? 'no other incident on this host carries the ticket' : 'grouping by host is off');
  }
  const group = policy.groupByHost ? hostIncident : undefined;
  return group ? held('grouping', 'grouped', 'grouped', `grouped under incident #${group.id} on the same host`, group.id) : clear('grouping', policy.groupByHost ? 'no other active incident on this host' : 'grouping by host is off');
};

/** Only a new incident is held for the ping; a sweep's release of a never-probed one probes it (decideSweep). */
const reachabilityGate: Gate = ({ incident, policy, ruleName }) => {
  if (incident) return undefined;
  return policy.probeReachability && policy.downRules.includes(ruleName)
    ? held('reachability', 'probing', 'probing', 'ticket waits for the collector to ping the host')
    : clear('reachability', 'not a down rule, no probe needed');
};

/** The gates that can hold a ticket, in the order they apply. */
export const HOLD_GATES: readonly Gate[] = [silenceGate, maintenanceGate, topologyGate, inhibitionGate, groupingGate, reachabilityGate];

/** Evaluates `gates` in order up to the first that holds; returns every verdict and that one. */
export function evaluateGates(gates: readonly Gate[], context: GateContext): { verdicts: GateVerdict[]; holding: GateVerdict | undefined } {
  const verdicts: GateVerdict[] = [];
  for (const gate of gates) {
    const verdict = gate(context);
    if (!verdict) continue;
    verdicts.push(verdict);
    if (verdict.hold !== undefined) return { verdicts, holding: verdict };
  }
  return { verdicts, holding: undefined };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
