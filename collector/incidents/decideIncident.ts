/**
 * The incident lifecycle decision for one signal: a pure function of the signal, what the ledger
 * holds for its fingerprint and the suppression context, returning effects and readable reasons.
 *
 * Gates, in order, each leaving a verdict in the why-record:
 * flap (update the last-21 history) -> dedup (active incident?) -> re-open window -> silence ->
 * maintenance -> topology (parent down?) -> inhibition (for a rule others inhibit: an active
 * incident of one of them, same `equal` labels?) -> grouping (same host) -> reachability (down rules wait for the
 * collector's ping before their ticket opens).
 *
 * | active incident            | signal   | outcome |
 * |---|---|---|
 * | none, none recent          | firing   | open; desk 'open' unless a gate holds it (hold recorded) |
 * | none, resolved within window | firing | re-open it (+1 occurrence); desk 'reopen' if it had a ticket and no gate holds it |
 * | active, settling, not flapping | firing | returned before it settled: +1 occurrence, flapping; one desk 'comment' saying so |
 * | active, settling, flapping | firing   | fold: +1 occurrence, no desk operation |
 * | active, not settling       | firing   | none: already active |
 * | active, not settling       | resolved | settle: resolves once clear for `resolveSettle` (decideSweep); no desk operation now |
 * | active, resolveSettle 0    | resolved | resolve; desk 'resolve' if its ticket is open (suppression never blocks it) |
 * | active, settling           | resolved | none: already clearing |
 * | none                       | resolved | none: nothing to resolve |
 */
import { formatDuration } from '../../config/duration.js';
import type { Signal } from '../../rules/index.js';
import type { FlapTransition } from '../domain/flapTransition.js';
import type { IncidentHold, IncidentRecord, NewIncident } from '../domain/incident.js';
import type { MaintenanceRecord } from '../domain/maintenanceWindow.js';
import type { SilenceRecord } from '../domain/silence.js';
import { isFlapping, percentStateChange, recordTransition } from './flapDetector.js';
import type { Decision, GateVerdict, IncidentEffect } from './incidentEffects.js';
import type { IncidentPolicy } from './incidentPolicy.js';
import { describeInhibitor, type Inhibitor } from './inhibition.js';
import { activeMaintenance, describeMaintenance, describeSilence, matchingSilence } from './suppression.js';

export interface SignalContext {
  signal: Signal;
  nowMs: number;
  policy: IncidentPolicy;
  /** The open or acknowledged incident of the fingerprint. */
  active: IncidentRecord | undefined;
  /** The newest incident of the fingerprint, whatever its status. */
  latest: IncidentRecord | undefined;
  flapHistory: readonly FlapTransition[];
  silences: readonly SilenceRecord[];
  maintenance: readonly MaintenanceRecord[];
  /** A down parent of the signal's host, if any (see topology.ts). */
  downParent: { host: string; incident: IncidentRecord } | undefined;
  /** Another active, top-level incident on the same host (for grouping). */
  hostIncident: IncidentRecord | undefined;
  /** An active incident of a rule that inhibits the signal's rule, with the same `equal` labels (see inhibition.ts). */
  inhibitor?: Inhibitor | undefined;
}

export function decideIncident(context: SignalContext): Decision {
  const { signal, policy, nowMs } = context;
  const transitions = recordTransition(context.flapHistory, { kind: signal.kind, atMs: signal.atMs });
  const percent = percentStateChange(transitions, nowMs, policy.flap.windowMs);
  const wasFlapping = (context.active ?? context.latest)?.flapping ?? false;
  const flapping = policy.flap.enabled && isFlapping(wasFlapping, percent, policy.flap);
  const flapGate: GateVerdict = {
    gate: 'flap',
    passed: !flapping,
    reason: `${percent.toFixed(0)}% state change over the last ${transitions.length} transitions (${flapping ? 'flapping' : 'not flapping'}; high ${policy.flap.highPercent}%, low ${policy.flap.lowPercent}%)`,
  };
  const history: IncidentEffect = { kind: 'flapHistory', fingerprint: signal.fingerprint, transitions };
  const decision = signal.kind === 'firing' ? decideFiring(context, flapping, flapGate) : decideResolved(context, flapGate);
  return { ...decision, effects: [history, ...decision.effects] };
}

function decideResolved(context: SignalContext, flapGate: GateVerdict): Decision {
  const { active, signal, policy } = context;
  if (!active) return { effects: [], reason: 'no active incident to resolve', gates: [flapGate] };
  if (active.settlingSinceMs !== null) return { effects: [], reason: `already clearing since ${new Date(active.settlingSinceMs).toISOString()}`, gates: [flapGate] };
  if (policy.resolveSettleMs === 0) {
    return { effects: resolveEffects(active, signal.reason, signal.atMs, context.nowMs, { value: signal.value }), reason: signal.reason, gates: [flapGate] };
  }
  const settle = formatDuration(policy.resolveSettleMs / 1000);
  const reason = `${signal.reason}; resolves once clear for ${settle} (incidents.resolveSettle)`;
  return {
    effects: [
      { kind: 'update', incidentId: active.id, change: { settlingSinceMs: signal.atMs, updatedAtMs: context.nowMs } },
      { kind: 'event', incidentId: active.id, event: { kind: 'clearing', text: reason, data: { value: signal.value, settleMs: policy.resolveSettleMs } } },
    ],
    reason,
    gates: [flapGate],
  };
}

/** Resolves an incident; the desk hears of it whenever the incident's ticket is open, whatever holds or silences say. */
export function resolveEffects(incident: IncidentRecord, reason: string, atMs: number, nowMs: number, data: Record<string, unknown>): IncidentEffect[] {
  const effects: IncidentEffect[] = [
    { kind: 'update', incidentId: incident.id, change: { status: 'resolved', resolvedAtMs: atMs, updatedAtMs: nowMs, flapping: false, settlingSinceMs: null } },
    { kind: 'event', incidentId: incident.id, event: { kind: 'resolved', text: reason, data } },
  ];
  if (ticketIsOpen(incident)) effects.push({ kind: 'desk', incidentId: incident.id, operation: 'resolve' });
  return effects;
}

/** A ticket exists and was last told the problem is active: it was opened or re-opened and no hold came since. */
export function ticketIsOpen(incident: IncidentRecord): boolean {
  return incident.ticketed && incident.hold === null;
}

function decideFiring(context: SignalContext, flapping: boolean, flapGate: GateVerdict): Decision {
  const { active, latest, signal, policy, nowMs } = context;
  if (active) {
    if (active.settlingSinceMs === null) return { effects: [], reason: `already active as incident #${active.id}`, gates: [flapGate, { gate: 'dedup', passed: false, reason: `already active as incident #${active.id}` }] };
    return returnedWhileSettling(context, active, flapGate);
  }
  const gates: GateVerdict[] = [flapGate, { gate: 'dedup', passed: true, reason: 'no active incident for this fingerprint' }];
  const recent = latest && latest.status === 'resolved' && latest.resolvedAtMs !== null && signal.atMs - latest.resolvedAtMs <= policy.reopenWindowMs ? latest : undefined;
  gates.push(
    recent
      ? { gate: 'reopen', passed: false, reason: `re-opened within the re-open window: incident #${recent.id} resolved ${Math.round((signal.atMs - recent.resolvedAtMs!) / 1000)}s before` }
      : { gate: 'reopen', passed: true, reason: 'no incident of this problem resolved within the re-open window' },
  );
  const held = holdGates(context, gates);
  return recent ? reopen(context, recent, held, gates, flapping) : open(context, held, gates, flapping);
}

/**
 * The problem came back before its incident settled: one more occurrence, no resolve and re-open.
 * The first return marks the incident flapping and tells its ticket once (a comment with the count).
 */
function returnedWhileSettling(context: SignalContext, active: IncidentRecord, flapGate: GateVerdict): Decision {
  const { signal, policy, nowMs } = context;
  const occurrences = active.occurrences + 1;
  const clearForMs = Math.max(0, signal.atMs - active.settlingSinceMs!);
  const newlyFlapping = policy.flap.enabled && !active.flapping;
  const reason = `returned ${formatDuration(clearForMs / 1000)} after it cleared, before it stayed clear for ${formatDuration(policy.resolveSettleMs / 1000)}: occurrence ${occurrences} folded into incident #${active.id}${newlyFlapping ? '; flapping' : ''}`;
  const effects: IncidentEffect[] = [
    { kind: 'update', incidentId: active.id, change: { occurrences, settlingSinceMs: null, flapping: active.flapping || policy.flap.enabled, updatedAtMs: nowMs } },
    { kind: 'event', incidentId: active.id, event: { kind: newlyFlapping ? 'flapping' : 'returned', text: reason, data: { value: signal.value, occurrence: occurrences, clearForMs } } },
  ];
  if (newlyFlapping && ticketIsOpen(active)) {
    const note = `Flapping: the problem came back ${formatDuration(clearForMs / 1000)} after it cleared (occurrence ${occurrences}). Tripline keeps this ticket open and resolves it once the problem stays clear for ${formatDuration(policy.resolveSettleMs / 1000)}.`;
    effects.push({ kind: 'desk', incidentId: active.id, operation: 'comment', note });
  }
  return { effects, reason, gates: [flapGate, { gate: 'dedup', passed: false, reason: `folded into active incident #${active.id}` }] };
}

interface Held {
  hold: IncidentHold | null;
  parentIncidentId: number | null;
  reason: string | null;
}

/** Silence -> maintenance -> topology -> grouping -> reachability; the first that holds decides. */
function holdGates(context: SignalContext, gates: GateVerdict[]): Held {
  const { signal, nowMs, policy } = context;
  const verdict = (gate: GateVerdict['gate'], reason: string | null, passedReason: string): boolean => {
    gates.push({ gate, passed: reason === null, reason: reason ?? passedReason });
    return reason !== null;
  };
  const silence = matchingSilence(context.silences, signal.labels, nowMs);
  if (verdict('silence', silence ? `suppressed: ${describeSilence(silence)} until ${new Date(silence.expiresAtMs).toISOString()}` : null, 'no active silence matches')) {
    return { hold: 'silenced', parentIncidentId: null, reason: gates.at(-1)!.reason };
  }
  const maintenance = activeMaintenance(context.maintenance, signal.labels, nowMs, policy.timeZone);
  if (verdict('maintenance', maintenance ? `suppressed: ${describeMaintenance(maintenance.window)} since ${new Date(maintenance.startedAtMs).toISOString()}` : null, 'not in a maintenance window')) {
    return { hold: 'maintenance', parentIncidentId: null, reason: gates.at(-1)!.reason };
  }
  const parent = context.downParent;
  if (verdict('topology', parent ? `suppressed: parent ${parent.host} is down (incident #${parent.incident.id})` : null, 'no parent of this host is down')) {
    return { hold: 'symptom', parentIncidentId: parent!.incident.id, reason: gates.at(-1)!.reason };
  }
  // Only a rule that another inhibits passes this gate at all, so others' why-records are as before.
  const inhibitor = context.inhibitor;
  if (signal.inhibition && verdict('inhibition', inhibitor ? describeInhibitor(inhibitor) : null, 'no inhibiting incident is active')) {
    return { hold: 'inhibited', parentIncidentId: inhibitor!.incident.id, reason: gates.at(-1)!.reason };
  }
  const group = policy.groupByHost ? context.hostIncident : undefined;
  if (verdict('grouping', group ? `grouped under incident #${group.id} on the same host` : null, policy.groupByHost ? 'no other active incident on this host' : 'grouping by host is off')) {
    return { hold: 'grouped', parentIncidentId: group!.id, reason: gates.at(-1)!.reason };
  }
  const probe = policy.probeReachability && policy.downRules.includes(signal.ruleName);
  if (verdict('reachability', probe ? 'ticket waits for the collector to ping the host' : null, 'not a down rule, no probe needed')) {
    return { hold: 'probing', parentIncidentId: null, reason: gates.at(-1)!.reason };
  }
  return { hold: null, parentIncidentId: null, reason: null };
}

function open(context: SignalContext, held: Held, gates: GateVerdict[], flapping: boolean): Decision {
  const { signal, nowMs } = context;
  const incident: NewIncident = {
    ...draftIncident(signal, nowMs, gates),
    ticketed: held.hold === null,
    hold: held.hold,
    parentIncidentId: held.parentIncidentId,
    flapping,
  };
  const reason = held.reason ?? signal.reason;
  const effects: IncidentEffect[] = [
    { kind: 'open', incident },
    { kind: 'event', incidentId: 'new', event: { kind: 'opened', text: signal.reason, data: { value: signal.value, sinceMs: signal.sinceMs } } },
  ];
  if (held.reason) effects.push({ kind: 'event', incidentId: 'new', event: { kind: `held-${held.hold}`, text: held.reason, data: {} } });
  if (held.hold === null) effects.push({ kind: 'desk', incidentId: 'new', operation: 'open' });
  if (held.parentIncidentId !== null) {
    const what = held.hold === 'symptom' ? 'symptom' : held.hold === 'inhibited' ? 'inhibited' : 'grouped';
    effects.push({ kind: 'event', incidentId: held.parentIncidentId, event: { kind: what, text: `${what}: ${signal.summary} (${signal.ruleName} on ${signal.labels.host ?? '?'})`, data: { fingerprint: signal.fingerprint } } });
  }
  return { effects, reason, gates };
}

function reopen(context: SignalContext, incident: IncidentRecord, held: Held, gates: GateVerdict[], flapping: boolean): Decision {
  const { signal, nowMs } = context;
  const reason = `re-opened within the re-open window${held.reason ? `; ${held.reason}` : ''}`;
  const change = {
    status: 'open' as const,
    resolvedAtMs: null,
    rearmAtMs: null,
    updatedAtMs: nowMs,
    occurrences: incident.occurrences + 1,
    hold: held.hold,
    parentIncidentId: held.parentIncidentId,
    flapping,
    ticketed: incident.ticketed || held.hold === null,
  };
  const effects: IncidentEffect[] = [
    { kind: 'update', incidentId: incident.id, change },
    { kind: 'event', incidentId: incident.id, event: { kind: 'reopened', text: reason, data: { value: signal.value, occurrence: change.occurrences } } },
  ];
  if (held.hold === null) effects.push({ kind: 'desk', incidentId: incident.id, operation: incident.ticketed ? 'reopen' : 'open' });
  return { effects, reason, gates };
}

function draftIncident(signal: Signal, nowMs: number, gates: GateVerdict[]): NewIncident {
  return {
    key: `tripline-${signal.fingerprint}-${signal.sinceMs.toString(36)}`,
    fingerprint: signal.fingerprint,
    ruleName: signal.ruleName,
    ruleVersion: signal.ruleVersion,
    host: signal.labels.host ?? '',
    severity: signal.severity,
    summary: signal.summary,
    description: signal.description,
    labels: { ...signal.labels },
    status: 'open',
    openedAtMs: signal.atMs,
    resolvedAtMs: null,
    updatedAtMs: nowMs,
    why: {
      rule: signal.ruleName,
      ruleVersion: signal.ruleVersion,
      value: signal.value,
      breachingSinceMs: signal.sinceMs,
      firedAtMs: signal.atMs,
      window: { fromMs: signal.sinceMs, toMs: signal.atMs },
      reason: signal.reason,
      gates,
      ...(signal.inhibition ? { inhibitedBy: signal.inhibition.by } : {}),
      ...(signal.runbook ? { runbook: signal.runbook } : {}),
    },
  };
}
