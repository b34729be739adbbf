/**
 * Gives every incident its priority as it opens: wraps the incident service so that each incident
 * it inserts is classified (services, impact, urgency, priority; see priorityMatrix.ts) and the
 * classification recorded in the same transaction (its reason is shown with the incident). The lifecycle
 * decisions stay as they are: this sits between them and the ledger.
 *
 * It also copies the rule's metric, threshold and runbook into the why-record, so that a ticket
 * written later carries what the rule was when the incident opened.
 */
import type { Rule } from '../../rules/index.js';
import type { IncidentRecord, NewIncident } from '../domain/incident.js';
import type { IncidentPriorityRecord } from '../domain/incidentPriority.js';
import type { IncidentLedger } from '../incidents/incidentEffects.js';
import type { IncidentService } from '../incidents/incidentService.js';
import { isAlertmanagerIncident } from '../intake/alertmanagerAlert.js';
import type { Classification } from './priorityMatrix.js';

/** A ledger that can record priorities: the store's transaction (a backtest's memory ledger cannot). */
export interface PriorityWriter {
  saveIncidentPriority(record: IncidentPriorityRecord): void;
}

/** What a ticket needs to know of the rule that opened an incident, copied into its why-record. */
export interface RuleTicketFacts {
  metric: string;
  threshold: { op: 'above' | 'below'; value: number };
  runbook?: string | undefined;
}

/** The ticket facts of a rule in force, by name; undefined for a rule not in the set (an intake's alert). */
export type RuleFacts = (ruleName: string) => RuleTicketFacts | undefined;

export function withPriorities(service: IncidentService, classify: (incident: IncidentRecord) => Classification, ruleFacts: RuleFacts): IncidentService {
  // A store hands out one transaction object for all its transactions: its wrapper is made once, not
  // with every batch (Object.create over the transaction's sixty methods cost about 50 µs a batch).
  const wrapped = new WeakMap<IncidentLedger, IncidentLedger>();
  const wrap = (ledger: IncidentLedger): IncidentLedger => {
    let made = wrapped.get(ledger);
    if (made === undefined) wrapped.set(ledger, (made = wrapLedger(ledger)));
    return made;
  };
  const wrapLedger = (ledger: IncidentLedger): IncidentLedger => {
    const writer = ledger as IncidentLedger & Partial<PriorityWriter>;
    if (typeof writer.saveIncidentPriority !== 'function') return ledger;
    const save = writer.saveIncidentPriority.bind(writer);
    const insertIncident = (draft: NewIncident): IncidentRecord => {
      // An Alertmanager alert is no Tripline rule, even when a rule has its name.
      const facts = isAlertmanagerIncident(draft) ? undefined : ruleFacts(draft.ruleName);
      const incident = ledger.insertIncident(facts === undefined ? draft : { ...draft, why: { ...draft.why, ...facts } });
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
    applyReachability: (ledger, verdicts, nowMs) => service.applyReachability(wrap(ledger), verdicts, nowMs),
    operatorAction: (ledger, incident, action, nowMs) => service.operatorAction(wrap(ledger), incident, action, nowMs),
  };
}

/** The stored form of a fresh classification: no SLA breach yet. */
export function priorityRecord(incidentId: number, classification: Classification): IncidentPriorityRecord {
  const { services, impact, urgency, priority, reason } = classification;
  return { incidentId, services, impact, urgency, priority, initialPriority: priority, reason, slaBreach: null };
}

/** The ticket facts of a rule: its metric, fire threshold and runbook. */
export function ruleTicketFacts(rule: Pick<Rule, 'metric' | 'fire' | 'runbook'> | undefined): RuleTicketFacts | undefined {
  if (!rule) return undefined;
  return { metric: rule.metric, threshold: { op: rule.fire.op, value: rule.fire.threshold }, ...(rule.runbook ? { runbook: rule.runbook } : {}) };
}
