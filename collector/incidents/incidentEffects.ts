/**
 * What a lifecycle decision asks for, as data. `'new'` refers to the incident the same decision
 * opens. `applyEffects` performs them against an `IncidentLedger` (the store transaction in the
 * collector, an in-memory ledger in backtests).
 */
import type { NewDelivery, OutboxOperation } from '../domain/delivery.js';
import type { FlapTransition } from '../domain/flapTransition.js';
import type { IncidentChange, IncidentEvent, IncidentRecord, NewIncident } from '../domain/incident.js';
import type { GateVerdict } from './incidentGates.js';

export type IncidentRef = number | 'new';

export type IncidentEffect =
  | { kind: 'open'; incident: NewIncident }
  | { kind: 'update'; incidentId: IncidentRef; change: IncidentChange }
  | { kind: 'event'; incidentId: IncidentRef; event: { kind: string; text: string; data: Record<string, unknown> } }
  | { kind: 'desk'; incidentId: IncidentRef; operation: OutboxOperation; note?: string }
  | { kind: 'flapHistory'; fingerprint: string; transitions: FlapTransition[] };

export interface Decision {
  effects: IncidentEffect[];
  /** One line for logs and the timeline. */
  reason: string;
  gates: GateVerdict[];
}

/** The reads and writes the lifecycle needs; the store's transaction satisfies it. */
export interface IncidentLedger {
  findActiveIncident(fingerprint: string): IncidentRecord | undefined;
  findLatestIncident(fingerprint: string): IncidentRecord | undefined;
  getIncident(id: number): IncidentRecord | undefined;
  activeIncidents(): IncidentRecord[];
  /** Incidents resolved by hand whose re-arm time has come (`rearmAtMs` <= nowMs). */
  rearmDueIncidents(nowMs: number): IncidentRecord[];
  insertIncident(incident: NewIncident): IncidentRecord;
  updateIncident(id: number, change: IncidentChange): void;
  addIncidentEvent(event: Omit<IncidentEvent, 'id'>): void;
  loadFlapHistory(fingerprint: string): FlapTransition[];
  saveFlapHistory(fingerprint: string, transitions: readonly FlapTransition[]): void;
  enqueueOutbox(row: NewDelivery): void;
  /** Desks that were sent this incident's open: later operations follow it there. */
  desksForIncident(incidentId: number): string[];
}

/** Which desks get a new ticket for an incident, and why (recorded on its timeline). */
export type DeskRoute = (incident: IncidentRecord) => { desks: string[]; reason: string };

export interface AppliedEffects {
  opened?: IncidentRecord;
  touched: number[];
  deskOperations: Array<{ incidentId: number; operation: OutboxOperation }>;
}

/**
 * Performs `effects` in order. An `open` desk operation is routed (see routeIncident); every
 * later operation goes to the desks that got the open, so a resolve always follows its ticket.
 */
export function applyEffects(ledger: IncidentLedger, effects: readonly IncidentEffect[], route: DeskRoute, nowMs: number): AppliedEffects {
  const applied: AppliedEffects = { touched: [], deskOperations: [] };
  const resolve = (ref: IncidentRef): number => {
    if (ref !== 'new') return ref;
    if (!applied.opened) throw new Error('effect refers to a new incident before it was opened');
    return applied.opened.id;
  };
  for (const effect of effects) {
    switch (effect.kind) {
      case 'open':
        applied.opened = ledger.insertIncident(effect.incident);
        applied.touched.push(applied.opened.id);
        break;
      case 'update':
        ledger.updateIncident(resolve(effect.incidentId), effect.change);
        applied.touched.push(resolve(effect.incidentId));
        break;
      case 'event':
        ledger.addIncidentEvent({ incidentId: resolve(effect.incidentId), atMs: nowMs, ...effect.event });
        break;
      case 'desk': {
        const incidentId = resolve(effect.incidentId);
        for (const desk of desksFor(ledger, incidentId, effect.operation, route, nowMs)) ledger.enqueueOutbox({ incidentId, desk, operation: effect.operation, createdAtMs: nowMs, ...(effect.note === undefined ? {} : { note: effect.note }) });
        applied.deskOperations.push({ incidentId, operation: effect.operation });
        break;
      }
      case 'flapHistory':
        ledger.saveFlapHistory(effect.fingerprint, effect.transitions);
        break;
      default:
        effect satisfies never;
    }
  }
  return applied;
}

function desksFor(ledger: IncidentLedger, incidentId: number, operation: OutboxOperation, route: DeskRoute, nowMs: number): string[] {
  const already = ledger.desksForIncident(incidentId);
  if (operation !== 'open' || already.length > 0) return already;
  const incident = ledger.getIncident(incidentId);
  if (!incident) return [];
  const decision = route(incident);
  ledger.addIncidentEvent({ incidentId, atMs: nowMs, kind: 'routed', text: decision.reason, data: { desks: decision.desks } });
  return decision.desks;
}
