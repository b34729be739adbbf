/**
 * Gives every incident its priority as it opens: wraps the incident service so that each incident
 * it inserts is classified (services, impact, urgency, priority; see priorityMatrix.ts) and the
 * classification recorded in the same transaction (its reason is shown with the incident). The lifecycle
 * decisions stay as they are: this sits between them and the ledger.
 *
 * It also copies the rule's runbook into the why-record, so that a ticket written later carries the
 * runbook the rule had when the incident opened.
 */
import type { IncidentRecord, NewIncident } from '../domain/incident.js';
import type { IncidentPriorityRecord } from '../domain/incidentPriority.js';
import type { IncidentLedger } from '../incidents/incidentEffects.js';
import type { IncidentService } from '../incidents/incidentService.js';
import type { Classification } from './priorityMatrix.js';

/** A ledger that can record priorities: the store's transaction (a backtest's memory ledger cannot). */
export interface PriorityWriter {
  saveIncidentPriority(record: IncidentPriorityRecord): void;
}

/** What the recorder needs to know of the rules in force: the runbook of a rule, by name. */
export type RuleRunbook = (ruleName: string) => string | undefined;

export function withPriorities(service: IncidentService, classify: (incident: IncidentRecord) => Classification, runbookOf: RuleRunbook): IncidentService {
  const wrap = (ledger: IncidentLedger): IncidentLedger => {
    const writer = ledger as IncidentLedger & Partial<PriorityWriter>;
    if (typeof writer.saveIncidentPriority !== 'function') return ledger;
    const save = writer.saveIncidentPriority.bind(writer);
    const insertIncident = (draft: NewIncident): IncidentRecord => {
      const runbook = runbookOf(draft.ruleName);
      const incident = ledger.insertIncident(runbook === undefined ? draft : { ...draft, why: { ...draft.why, runbook } });
      const classification = classify(incident);
      save(priorityRecord(incident.id, classification));
      return incident;
    };
    return Object.assign(Object.create(ledger) as IncidentLedger, { insertIncident });
  };
  return {
    ...service,
    applySignals: (ledger, signals, nowMs) => service.applySignals(wrap(ledger), signals, nowMs),
    sweep: (ledger, nowMs) => service.sweep(wrap(ledger), nowMs),
    applyReachability: (ledger, incidentId, result, nowMs) => service.applyReachability(wrap(ledger), incidentId, result, nowMs),
    operatorAction: (ledger, incident, action, nowMs) => service.operatorAction(wrap(ledger), incident, action, nowMs),
  };
}

/** The stored form of a fresh classification: no SLA breach yet. */
export function priorityRecord(incidentId: number, classification: Classification): IncidentPriorityRecord {
  const { services, impact, urgency, priority, reason } = classification;
  return { incidentId, services, impact, urgency, priority, initialPriority: priority, reason, slaBreach: null };
}
