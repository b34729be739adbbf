/**
 * Incidents as an operator sees them: list, one with its timeline, tickets and deliveries, its
 * why-record explained, and the two hand actions, acknowledge and resolve. An action runs in one
 * store transaction and enqueues its desk operations there.
 */
import type { Clock } from '../clock.js';
import type { IncidentRecord } from '../domain/incident.js';
import type { GateVerdict } from '../incidents/incidentGates.js';
import type { IncidentService } from '../incidents/incidentService.js';
import type { Classification } from '../services/priorityMatrix.js';
import { priorityViewOf } from '../services/priorityView.js';
import type { SlaView } from '../services/decideSla.js';
import type { IncidentFilter, Store } from '../store/store.js';
import { deliveryView } from './deliveryOperations.js';
import { measuredValue } from './measuredValue.js';
import { OperationError } from './operationError.js';

/** Who acts, and what they say; both are recorded in the incident's timeline. */
export interface OperatorNote {
  by: string;
  comment: string;
}

export interface IncidentOperations {
  /** Incidents, newest first. */
  listIncidents(filter?: IncidentFilter): IncidentView[];
  /** One incident with its timeline, tickets and desk deliveries; not-found when there is none. */
  incidentDetail(id: number): IncidentDetail;
  /** The why-record with timeline, what it holds under it and its desk operations; not-found when there is none. */
  explainIncident(id: number): IncidentExplanation;
  /** Acknowledges an open incident; conflict (with the reason) when its state forbids it. */
  acknowledge(id: number, note: OperatorNote): ActionResult;
  /** Resolves an incident by hand; conflict (with the reason) when its state forbids it. */
  resolve(id: number, note: OperatorNote): ActionResult;
}

/** The incident after an action, and the action's reason as recorded in the timeline. */
export interface ActionResult {
  incident: IncidentView;
  reason: string;
}

/** An incident's classification by the matrix now, for incidents recorded before priorities were. */
export type ClassifyIncident = (incident: IncidentRecord) => Classification;

/** An incident's SLA clocks now; null when it has no recorded priority or its priority has no SLA. */
export type SlaOfIncident = (incident: IncidentRecord) => SlaView | null;

export function createIncidentOperations({ store, incidents, clock, classify, slaOf }: { store: Store; incidents: IncidentService; clock: Clock; classify: ClassifyIncident; slaOf: SlaOfIncident }): IncidentOperations {
  const incidentView = (incident: IncidentRecord) => viewOf(store, classify, slaOf, incident);
  const detailOf = (incident: IncidentRecord) => detailWith(store, incidentView, incident);
  const explanationOf = (incident: IncidentRecord) => explanationWith(store, incidentView, incident);
  const existing = (id: number): IncidentRecord => {
    const incident = store.getIncident(id);
    if (!incident) throw notFound(id);
    return incident;
  };
  const act = (kind: 'acknowledge' | 'resolve', id: number, note: OperatorNote): ActionResult => {
    const decision = store.transaction((tx) => {
      const incident = tx.getIncident(id);
      if (!incident) throw notFound(id);
      return incidents.operatorAction(tx, incident, { kind, by: note.by, comment: note.comment }, clock.nowMs());
    });
    if (!decision.ok) throw new OperationError('conflict', decision.reason);
    return { incident: incidentView(existing(id)), reason: decision.reason };
  };
  return {
    listIncidents: (filter) => store.listIncidents(filter).map(incidentView),
    incidentDetail: (id) => detailOf(existing(id)),
    explainIncident: (id) => explanationOf(existing(id)),
    acknowledge: (id, note) => act('acknowledge', id, note),
    resolve: (id, note) => act('resolve', id, note),
  };
}

const notFound = (id: number) => new OperationError('not-found', `incident ${id} does not exist`);

function detailWith(store: Store, incidentView: (incident: IncidentRecord) => IncidentView, incident: IncidentRecord) {
  const id = incident.id;
  return {
    incident: incidentView(incident),
    timeline: store.incidentEvents(id).map((e) => ({ at: iso(e.atMs), kind: e.kind, text: e.text, data: e.data })),
    tickets: store.desksForIncident(id).flatMap((desk) => {
      const t = store.getTicket(id, desk);
      return t ? [{ desk, externalId: t.externalId, url: t.url, state: t.state, deskStatus: t.deskStatus ?? null, checkedAt: t.checkedAtMs ? iso(t.checkedAtMs) : null }] : [];
    }),
    deliveries: store.outboxForIncident(id).map(deliveryView),
  };
}

export type IncidentDetail = ReturnType<typeof detailWith>;

/**
 * The why-record as a timeline: the current state at the top, the current occurrence (its own window
 * and value) and the earlier ones, then every decision in order with the gates it was taken on.
 * Values are rounded, in their metric's unit.
 */
function explanationWith(store: Store, incidentView: (incident: IncidentRecord) => IncidentView, incident: IncidentRecord) {
  const id = incident.id;
  const why = incident.why;
  const earlier = Array.isArray(why.earlier) ? (why.earlier as Array<Record<string, unknown>>) : [];
  return {
    incident: incidentView(incident),
    now: stateNow(incident),
    lifecycle: {
      occurrences: incident.occurrences,
      flapping: incident.flapping,
      ticketed: incident.ticketed,
      hold: incident.hold,
      parentIncidentId: incident.parentIncidentId,
    },
    why,
    occurrence: occurrenceView(why, why.metric),
    earlier: earlier.map((entry) => occurrenceView(entry, why.metric)),
    suppressed: store.childIncidents(id).map((c) => ({ id: c.id, host: c.host, ruleName: c.ruleName, status: c.status, hold: c.hold, summary: c.summary })),
    timeline: store.incidentEvents(id).map((e) => ({
      at: iso(e.atMs),
      kind: e.kind,
      text: e.text,
      value: measuredValue(e.data.value, why.metric),
      gates: Array.isArray(e.data.gates) ? (e.data.gates as GateVerdict[]) : [],
    })),
    deliveries: store.outboxForIncident(id).map((o) => ({ desk: o.desk, operation: o.operation, state: o.state, attempts: o.attempts })),
  };
}

/** One occurrence of the problem as the why-record keeps it: its number, window, value and reason. */
function occurrenceView(entry: Record<string, unknown>, metric: unknown) {
  const window = entry.window as { fromMs?: unknown; toMs?: unknown } | undefined;
  const at = (ms: unknown) => (typeof ms === 'number' ? iso(ms) : null);
  return {
    occurrence: typeof entry.occurrence === 'number' ? entry.occurrence : 1,
    value: typeof entry.value === 'number' ? entry.value : null,
    valueText: measuredValue(entry.value, metric),
    window: window ? { from: at(window.fromMs), to: at(window.toMs) } : null,
    firedAt: at(entry.firedAtMs),
    reason: typeof entry.reason === 'string' ? entry.reason : '',
  };
}

/** Where the incident stands now, in one line and as fields. */
function stateNow(incident: IncidentRecord) {
  const ticket = !incident.ticketed && incident.hold === null ? 'no ticket' : incident.hold !== null ? `ticket held: ${incident.hold}${incident.parentIncidentId !== null ? ` (under incident #${incident.parentIncidentId})` : ''}` : 'ticket open';
  const parts = [
    incident.status === 'resolved' || incident.status === 'closed' ? `${incident.status} at ${iso(incident.resolvedAtMs ?? incident.updatedAtMs)}` : incident.status,
    ...(incident.status === 'open' || incident.status === 'acknowledged' ? [ticket] : []),
    `${incident.occurrences} occurrence(s)`,
    ...(incident.flapping ? ['flapping'] : []),
    ...(incident.settlingSinceMs !== null ? [`clear since ${iso(incident.settlingSinceMs)}, resolves once it stays clear (incidents.resolveSettle)`] : []),
    ...(incident.rearmAtMs !== null ? [`re-arms at ${iso(incident.rearmAtMs)} if the problem persists (incidents.rearmAfter)`] : []),
  ];
  return {
    text: parts.join('; '),
    status: incident.status,
    hold: incident.hold,
    parentIncidentId: incident.parentIncidentId,
    flapping: incident.flapping,
    clearSince: incident.settlingSinceMs === null ? null : iso(incident.settlingSinceMs),
    rearmAt: incident.rearmAtMs === null ? null : iso(incident.rearmAtMs),
  };
}

export type IncidentExplanation = ReturnType<typeof explanationWith>;

/** The API's view of an incident, with ISO times, its services and its priority. */
function viewOf(store: Store, classify: ClassifyIncident, slaOf: SlaOfIncident, incident: IncidentRecord) {
  return {
    id: incident.id,
    key: incident.key,
    status: incident.status,
    severity: incident.severity,
    ruleName: incident.ruleName,
    ruleVersion: incident.ruleVersion,
    host: incident.host,
    summary: incident.summary,
    description: incident.description,
    labels: incident.labels,
    openedAt: iso(incident.openedAtMs),
    resolvedAt: incident.resolvedAtMs === null ? null : iso(incident.resolvedAtMs),
    updatedAt: iso(incident.updatedAtMs),
    occurrences: incident.occurrences,
    flapping: incident.flapping,
    ticketed: incident.ticketed,
    hold: incident.hold,
    parentIncidentId: incident.parentIncidentId,
    why: incident.why,
    ...priorityViewOf(store.incidentPriority(incident.id), () => classify(incident)),
    sla: slaOf(incident),
  };
}

export type IncidentView = ReturnType<typeof viewOf>;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
