/**
 * The incident lifecycle decision for one signal: a pure function of the signal, what the ledger
 * holds for its fingerprint and the suppression context, returning effects and readable reasons.
 *
 * Gates, in order, each leaving a verdict in the decision's timeline entry (and the why-record):
 * flap (update the last-21 history) -> dedup (active incident?) -> re-open window -> then the gates
 * that can hold a ticket (incidentGates.ts): silence -> maintenance -> topology -> inhibition ->
 * grouping -> reachability. A new occurrence (re-open, or a return before the settle) makes its
 * window, value and reason the why-record's current ones and keeps the earlier ones under `earlier`.
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
import type { Decision, IncidentEffect } from './incidentEffects.js';
import { evaluateGates, HOLD_GATES, type GateVerdict } from './incidentGates.js';
import type { IncidentPolicy } from './incidentPolicy.js';
import type { Inhibitor } from './inhibition.js';

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
  // An active incident marked flapping (it returned before it settled) stays so until it resolves, whatever the percentage.
  const flappingByReturn = policy.flap.enabled && (context.active?.flapping ?? false);
  const flapping = (policy.flap.enabled && isFlapping(wasFlapping, percent, policy.flap)) || flappingByReturn;
  const flapGate = flapVerdict(
    flapping,
    `${flappingByReturn ? 'flapping: it returned before it stayed clear; ' : ''}${percent.toFixed(0)}% state change over the last ${transitions.length} transitions (${flapping ? 'flapping' : 'not flapping'}; high ${policy.flap.highPercent}%, low ${policy.flap.lowPercent}%)`,
  );
  const history: IncidentEffect = { kind: 'flapHistory', fingerprint: signal.fingerprint, transitions };
  const decision = signal.kind === 'firing' ? decideFiring(context, flapping, flapGate, percent) : decideResolved(context, flapGate);
  return { ...decision, effects: [history, ...decision.effects] };
}

function flapVerdict(flapping: boolean, reason: string): GateVerdict {
  return { gate: 'flap', passed: !flapping, code: flapping ? 'flapping' : 'clear', reason };
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
      { kind: 'event', incidentId: active.id, event: { kind: 'clearing', text: reason, data: { value: signal.value, settleMs: policy.resolveSettleMs, gates: [flapGate] } } },
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

function decideFiring(context: SignalContext, flapping: boolean, flapGate: GateVerdict, percent: number): Decision {
  const { active, latest, signal, policy } = context;
  if (active) {
    if (active.settlingSinceMs === null) return { effects: [], reason: `already active as incident #${active.id}`, gates: [flapGate, { gate: 'dedup', passed: false, code: 'duplicate', reason: `already active as incident #${active.id}` }] };
    return returnedWhileSettling(context, active, flapGate, percent);
  }
  const gates: GateVerdict[] = [flapGate, { gate: 'dedup', passed: true, code: 'clear', reason: 'no active incident for this fingerprint' }];
  const recent = latest && latest.status === 'resolved' && latest.resolvedAtMs !== null && signal.atMs - latest.resolvedAtMs <= policy.reopenWindowMs ? latest : undefined;
  gates.push(
    recent
      ? { gate: 'reopen', passed: false, code: 'reopened', reason: `re-opened within the re-open window (${formatDuration(policy.reopenWindowMs / 1000)}): incident #${recent.id} resolved ${formatDuration(Math.max(0, signal.atMs - recent.resolvedAtMs!) / 1000)} before` }
      : { gate: 'reopen', passed: true, code: 'clear', reason: 'no incident of this problem resolved within the re-open window' },
  );
  const { verdicts, holding } = evaluateGates(HOLD_GATES, {
    nowMs: context.nowMs,
    policy,
    ruleName: signal.ruleName,
    labels: signal.labels,
    inhibitable: signal.inhibition !== undefined,
    silences: context.silences,
    maintenance: context.maintenance,
    downParent: context.downParent,
    inhibitor: context.inhibitor,
    hostIncident: context.hostIncident,
  });
  gates.push(...verdicts);
  const held: Held = holding ? { hold: holding.hold!, parentIncidentId: holding.parentIncidentId ?? null, reason: holding.reason } : { hold: null, parentIncidentId: null, reason: null };
  return recent ? reopen(context, recent, held, gates, flapping) : open(context, held, gates, flapping);
}

/**
 * The problem came back before its incident settled: one more occurrence, no resolve and re-open.
 * The first return marks the incident flapping and tells its ticket once (a comment with the count).
 */
function returnedWhileSettling(context: SignalContext, active: IncidentRecord, flapGate: GateVerdict, percent: number): Decision {
  const { signal, policy, nowMs } = context;
  const occurrences = active.occurrences + 1;
  const clearForMs = Math.max(0, signal.atMs - active.settlingSinceMs!);
  const newlyFlapping = policy.flap.enabled && !active.flapping;
  const reason = `returned ${formatDuration(clearForMs / 1000)} after it cleared, before it stayed clear for ${formatDuration(policy.resolveSettleMs / 1000)}: occurrence ${occurrences} folded into incident #${active.id}${newlyFlapping ? '; flapping' : ''}`;
  const gates: GateVerdict[] = [
    policy.flap.enabled ? flapVerdict(true, `flapping: returned ${formatDuration(clearForMs / 1000)} after it cleared, within incidents.resolveSettle; ${percent.toFixed(0)}% state change`) : flapGate,
    { gate: 'dedup', passed: false, code: 'folded', reason: `folded into active incident #${active.id} as occurrence ${occurrences}` },
  ];
  const effects: IncidentEffect[] = [
    { kind: 'update', incidentId: active.id, change: { occurrences, settlingSinceMs: null, flapping: active.flapping || policy.flap.enabled, updatedAtMs: nowMs, why: nextOccurrence(active, signal, gates, occurrences) } },
    { kind: 'event', incidentId: active.id, event: { kind: newlyFlapping ? 'flapping' : 'returned', text: reason, data: { value: signal.value, occurrence: occurrences, clearForMs, gates } } },
  ];
  if (newlyFlapping && ticketIsOpen(active)) {
    const note = `Flapping: the problem came back ${formatDuration(clearForMs / 1000)} after it cleared (occurrence ${occurrences}). Tripline keeps this ticket open and resolves it once the problem stays clear for ${formatDuration(policy.resolveSettleMs / 1000)}.`;
    effects.push({ kind: 'desk', incidentId: active.id, operation: 'comment', note });
  }
  return { effects, reason, gates };
}

/** How many earlier occurrences a why-record keeps (the newest); the count says how many there were. */
const EARLIER_KEPT = 20;

/**
 * The why-record of a new occurrence: its own window, value, reason and gates; the one before it
 * moves to `earlier` (newest last, at most EARLIER_KEPT).
 */
export function nextOccurrence(incident: IncidentRecord, signal: Signal, gates: GateVerdict[], occurrence: number): Record<string, unknown> {
  const why = incident.why;
  const earlier = Array.isArray(why.earlier) ? (why.earlier as unknown[]) : [];
  const previous = { occurrence: typeof why.occurrence === 'number' ? why.occurrence : 1, value: why.value, window: why.window, reason: why.reason, firedAtMs: why.firedAtMs };
  return { ...why, ...occurrenceWhy(signal, gates, occurrence), earlier: [...earlier, previous].slice(-EARLIER_KEPT) };
}

/** The fields of the why-record that belong to one occurrence. */
function occurrenceWhy(signal: Signal, gates: GateVerdict[], occurrence: number) {
  return { occurrence, value: signal.value, breachingSinceMs: signal.sinceMs, firedAtMs: signal.atMs, window: { fromMs: signal.sinceMs, toMs: signal.atMs }, reason: signal.reason, gates };
}

interface Held {
  hold: IncidentHold | null;
  parentIncidentId: number | null;
  reason: string | null;
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
    { kind: 'event', incidentId: 'new', event: { kind: 'opened', text: signal.reason, data: { value: signal.value, sinceMs: signal.sinceMs, occurrence: 1, gates } } },
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
    why: nextOccurrence(incident, signal, gates, incident.occurrences + 1),
  };
  const effects: IncidentEffect[] = [
    { kind: 'update', incidentId: incident.id, change },
    { kind: 'event', incidentId: incident.id, event: { kind: 'reopened', text: `${reason}: occurrence ${change.occurrences}`, data: { value: signal.value, occurrence: change.occurrences, sinceMs: signal.sinceMs, gates } } },
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
      ...occurrenceWhy(signal, gates, 1),
      ...(signal.inhibition ? { inhibitedBy: signal.inhibition.by } : {}),
      ...(signal.runbook ? { runbook: signal.runbook } : {}),
    },
  };
}
