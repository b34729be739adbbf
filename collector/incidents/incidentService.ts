/**
 * Applies rule signals to incidents inside the caller's transaction: decides (pure), then writes
 * the incident, its timeline event and one outbox row per routed desk, all in the same commit.
 */
import type { Logger } from 'pino';
import type { Signal } from '../../rules/ruleTypes.js';
import type { IncidentRecord, StoreTransaction } from '../store/store.js';
import { decideIncident } from './decideIncident.js';

export interface IncidentServiceOptions {
  /** Which desks receive a new incident, and why (see routeIncident). Later operations follow the open. */
  route: (incident: IncidentRecord) => { desks: string[]; reason: string };
  log: Logger;
}

/** What changed in one call, for metrics and logs after the commit. */
export interface IncidentChanges {
  opened: IncidentRecord[];
  resolved: number[];
}

export interface IncidentService {
  applySignals(tx: StoreTransaction, signals: readonly Signal[], nowMs: number): IncidentChanges;
}

export function createIncidentService(options: IncidentServiceOptions): IncidentService {
  const enqueueOpen = (tx: StoreTransaction, incident: IncidentRecord, nowMs: number) => {
    const route = options.route(incident);
    tx.addIncidentEvent({ incidentId: incident.id, atMs: nowMs, kind: 'routed', text: route.reason, data: { desks: route.desks } });
    for (const desk of route.desks) tx.enqueueOutbox({ incidentId: incident.id, desk, operation: 'open', createdAtMs: nowMs });
  };
  /** A resolve goes wherever the open went. */
  const enqueueFollowUp = (tx: StoreTransaction, incidentId: number, operation: 'resolve', nowMs: number) => {
    for (const desk of tx.desksForIncident(incidentId)) tx.enqueueOutbox({ incidentId, desk, operation, createdAtMs: nowMs });
  };
  return {
    applySignals(tx, signals, nowMs) {
      const changes: IncidentChanges = { opened: [], resolved: [] };
      for (const signal of signals) {
        const active = tx.findActiveIncident(signal.fingerprint);
        const decision = decideIncident(signal, active);
        switch (decision.kind) {
          case 'open': {
            const incident = tx.insertIncident(draftIncident(signal, nowMs));
            tx.addIncidentEvent({ incidentId: incident.id, atMs: nowMs, kind: 'opened', text: decision.reason, data: { value: signal.value, sinceMs: signal.sinceMs } });
            enqueueOpen(tx, incident, nowMs);
            changes.opened.push(incident);
            break;
          }
          case 'resolve':
            tx.updateIncident(decision.incidentId, { status: 'resolved', resolvedAtMs: signal.atMs, updatedAtMs: nowMs });
            tx.addIncidentEvent({ incidentId: decision.incidentId, atMs: nowMs, kind: 'resolved', text: decision.reason, data: { value: signal.value } });
            enqueueFollowUp(tx, decision.incidentId, 'resolve', nowMs);
            changes.resolved.push(decision.incidentId);
            break;
          case 'none':
            if (active) tx.addIncidentEvent({ incidentId: active.id, atMs: nowMs, kind: 'ignored-signal', text: decision.reason, data: { signal: signal.kind } });
            else options.log.debug({ fingerprint: signal.fingerprint, reason: decision.reason }, 'signal needs no incident change');
            break;
          default:
            decision satisfies never;
        }
      }
      return changes;
    },
  };
}

function draftIncident(signal: Signal, nowMs: number): Omit<IncidentRecord, 'id'> {
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
      reason: signal.reason,
    },
  };
}
