/**
 * Applies rule signals, time and operator actions to incidents inside the caller's transaction:
 * gathers the context, decides (pure functions in decide*.ts), then applies the effects (incident,
 * timeline events and one outbox row per desk) in the same commit.
 */
import type { Logger } from 'pino';
import type { Signal } from '../../rules/index.js';
import type { IncidentRecord } from '../domain/incident.js';
import type { MaintenanceRecord } from '../domain/maintenanceWindow.js';
import type { SilenceRecord } from '../domain/silence.js';
import { isServiceIncident } from '../domain/serviceIncident.js';
import { decideIncident } from './decideIncident.js';
import { decideOperatorAction, type OperatorAction, type OperatorDecision } from './decideOperatorAction.js';
import { decideReachability, type ReachabilityResult } from './decideReachability.js';
import { decideRearm } from './decideRearm.js';
import { decideRetire, type RetireReason } from './decideRetire.js';
import { decideSweep } from './decideSweep.js';
import { applyEffects, type DeskRoute, type IncidentLedger } from './incidentEffects.js';
import type { IncidentPolicy } from './incidentPolicy.js';
import { evaluateGates, HOLD_GATES } from './incidentGates.js';
import { findInhibitor, inhibitingRulesOf } from './inhibition.js';
import { findDownParent, type Topology } from './topology.js';
import { createActiveIncidentIndex, type ActiveIncidentIndex } from './activeIncidentIndex.js';

/** Where the service reads silences, maintenance windows and the topology (the store and config in the collector). */
export interface IncidentEnvironment {
  silences(nowMs: number): readonly SilenceRecord[];
  maintenance(): readonly MaintenanceRecord[];
  topology(): Topology;
}

export interface IncidentServiceOptions {
  /** Which desks receive a new incident's ticket, and why (see routeIncident). Later operations follow the open. */
  route: DeskRoute;
  policy: IncidentPolicy;
  environment: IncidentEnvironment;
  log: Logger;
}

/** One probe's answer about the host of an incident held for it. */
export interface ReachabilityVerdict {
  incidentId: number;
  result: ReachabilityResult;
}

/** What changed in one call, for metrics and logs after the commit. */
export interface IncidentChanges {
  opened: IncidentRecord[];
  resolved: number[];
}

export interface IncidentService {
  /** Decides every signal (parents before children) and then sweeps time-driven changes. */
  applySignals(ledger: IncidentLedger, signals: readonly Signal[], nowMs: number): IncidentChanges;
  /** Time-driven changes only: flaps calming, holds releasing, escalation. */
  sweep(ledger: IncidentLedger, nowMs: number): void;
  /**
   * Records the probes' verdicts, in order; a pass's verdicts share one transaction, and the active
   * incidents are read at most once for them (a storm of silent agents probes thousands at once).
   */
  applyReachability(ledger: IncidentLedger, verdicts: readonly ReachabilityVerdict[], nowMs: number): void;
  /**
   * Re-opens incidents resolved by hand whose re-arm time has come while `isFiring` says their rule
   * still fires (decideRearm); at most once a second. `elsewhere`: this collector cannot tell, the
   * one that judges the incident's rule for all does (aggregates on a shared store); it is left due.
   */
  rearm(ledger: IncidentLedger, isFiring: (incident: IncidentRecord) => boolean | 'unknown' | 'elsewhere', nowMs: number): void;
  /**
   * Re-arms one incident resolved by hand now, as its source says (the Alertmanager intake, when a
   * notification about the alert arrives): re-opens it while `stillFiring`, else drops the re-arm.
   */
  rearmIncident(ledger: IncidentLedger, incident: IncidentRecord, stillFiring: boolean, nowMs: number): void;
  /** Resolves the active incidents `select` picks, because their source is gone (decideRetire); returns their ids. */
  retire(ledger: IncidentLedger, select: (incident: IncidentRecord) => RetireReason | undefined, nowMs: number): number[];
  /** Applies an operator action; returns the refusal instead when the incident's state forbids it. */
  operatorAction(ledger: IncidentLedger, incident: IncidentRecord, action: OperatorAction, nowMs: number): OperatorDecision;
}

const SWEEP_INTERVAL_MS = 1000;

/**
 * The active incidents the lifecycle decides over: every one but service incidents, which the
 * service watcher keeps (they must never group, inhibit, hold or be swept as a host's problem).
 */
function hostIncidents(ledger: IncidentLedger): IncidentRecord[] {
  return ledger.activeIncidents().filter((incident) => !isServiceIncident(incident));
}

export function createIncidentService(options: IncidentServiceOptions): IncidentService {
  const { policy, environment, log } = options;
  let lastSweepMs = Number.NEGATIVE_INFINITY;
  let lastRearmMs = Number.NEGATIVE_INFINITY;
  const sweep = (ledger: IncidentLedger, nowMs: number): void => {
    const active = hostIncidents(ledger);
    // Only incidents settling, held or under escalation steps change with time: the environment and
    // the index are read when there is one (most sweeps of a replay, one a step, have none).
    const due = policy.escalation.length > 0 ? active : active.filter((incident) => incident.settlingSinceMs !== null || incident.hold !== null);
    if (due.length === 0) return;
    const topology = environment.topology();
    const silences = environment.silences(nowMs);
    const maintenance = environment.maintenance();
    const down = createActiveIncidentIndex(active, policy).downHosts;
    for (const incident of due) {
      const current = ledger.getIncident(incident.id);
      if (!current || (current.status !== 'open' && current.status !== 'acknowledged')) continue;
      const effects = decideSweep(current, {
        nowMs,
        policy,
        silences,
        maintenance,
        downParent: findDownParent(current.host, topology, down),
        parentIncident: current.parentIncidentId === null ? undefined : ledger.getIncident(current.parentIncidentId),
        inhibitor: current.hold === null ? undefined : findInhibitor(inhibitingRulesOf(current), current.labels, active, current.id),
      });
      if (effects.length > 0) applyEffects(ledger, effects, options.route, nowMs);
    }
  };

  /** Settles one incident's re-arm; one that opens again passes the hold gates of now, as a re-opened problem does. */
  const rearmOne = (ledger: IncidentLedger, incident: IncidentRecord, stillFiring: boolean | 'unknown', nowMs: number): void => {
    let gates: ReturnType<typeof evaluateGates> | undefined;
    if (stillFiring === true && incident.status === 'resolved') {
      const active = createActiveIncidentIndex(hostIncidents(ledger), policy);
      const inhibitedBy = inhibitingRulesOf(incident);
      gates = evaluateGates(HOLD_GATES, {
        nowMs,
        policy,
        ruleName: incident.ruleName,
        labels: incident.labels,
        inhibitable: (inhibitedBy?.length ?? 0) > 0,
        silences: environment.silences(nowMs),
        maintenance: environment.maintenance(),
        downParent: findDownParent(incident.host, environment.topology(), active.downHosts),
        inhibitor: findInhibitor(inhibitedBy, incident.labels, active.values(), incident.id),
        hostIncident: active.hostIncident(incident.host, incident.fingerprint),
      });
    }
    applyEffects(ledger, decideRearm(incident, stillFiring, policy.rearmAfterMs, nowMs, gates), options.route, nowMs);
  };

  return {
    applySignals(ledger, signals, nowMs) {
      const changes: IncidentChanges = { opened: [], resolved: [] };
      if (signals.length > 0) {
        const topology = environment.topology();
        const silences = environment.silences(nowMs);
        const maintenance = environment.maintenance();
        // Parents before children, then inhibiting rules before the rules they inhibit.
        const ordered = [...signals].sort(
          (a, b) => topology.depthOf(a.labels.host ?? '') - topology.depthOf(b.labels.host ?? '') || (a.inhibition?.depth ?? 0) - (b.inhibition?.depth ?? 0),
        );
        // The active set is read once and kept current from each decision's touched incidents.
        const active = createActiveIncidentIndex(hostIncidents(ledger), policy);
        for (const signal of ordered) {
          const host = signal.labels.host ?? '';
          const decision = decideIncident({
            signal,
            nowMs,
            policy,
            active: ledger.findActiveIncident(signal.fingerprint),
            latest: ledger.findLatestIncident(signal.fingerprint),
            flapHistory: ledger.loadFlapHistory(signal.fingerprint),
            silences,
            maintenance,
            downParent: findDownParent(host, topology, active.downHosts),
            hostIncident: active.hostIncident(host, signal.fingerprint),
            inhibitor: signal.kind === 'firing' ? findInhibitor(signal.inhibition?.by, signal.labels, active.values()) : undefined,
          });
          const applied = applyEffects(ledger, decision.effects, options.route, nowMs);
          if (applied.opened) changes.opened.push(applied.opened);
          if (decision.effects.some((e) => e.kind === 'update' && e.change.status === 'resolved')) changes.resolved.push(...applied.touched);
          if (applied.touched.length > 0) {
            for (const id of new Set(applied.touched)) {
              const current = ledger.getIncident(id);
              if (current) active.update(current);
              else active.delete(id);
            }
          }
          log.debug({ fingerprint: signal.fingerprint, signal: signal.kind, reason: decision.reason }, 'incident decision');
        }
      }
      // Time-driven changes need no finer grain than a second; ingest batches come far more often.
      if (signals.length > 0 || nowMs - lastSweepMs >= SWEEP_INTERVAL_MS) {
        lastSweepMs = nowMs;
        sweep(ledger, nowMs);
      }
      return changes;
    },
    sweep,
    applyReachability(ledger, verdicts, nowMs) {
      const topology = environment.topology();
      // Read only when some host has parents to be suppressed under; kept current verdict by verdict.
      let active: ActiveIncidentIndex | undefined;
      for (const { incidentId, result } of verdicts) {
        const incident = ledger.getIncident(incidentId);
        if (!incident) continue;
        let downParent: ReturnType<typeof findDownParent>;
        if (topology.parentsOf(incident.host).length > 0) {
          active ??= createActiveIncidentIndex(hostIncidents(ledger), policy);
          active.delete(incidentId);
          downParent = findDownParent(incident.host, topology, active.downHosts);
        }
        applyEffects(ledger, decideReachability(incident, result, nowMs, downParent), options.route, nowMs);
        const current = active === undefined ? undefined : ledger.getIncident(incidentId);
        if (current !== undefined) active!.update(current);
      }
    },
    rearm(ledger, isFiring, nowMs) {
      if (nowMs - lastRearmMs < SWEEP_INTERVAL_MS) return;
      lastRearmMs = nowMs;
      for (const incident of ledger.rearmDueIncidents(nowMs)) {
        const firing = isFiring(incident);
        if (firing !== 'elsewhere') rearmOne(ledger, incident, firing, nowMs);
      }
    },
    rearmIncident(ledger, incident, stillFiring, nowMs) {
      rearmOne(ledger, incident, stillFiring, nowMs);
    },
    retire(ledger, select, nowMs) {
      const retired: number[] = [];
      for (const incident of hostIncidents(ledger)) {
        const reason = select(incident);
        if (!reason) continue;
        applyEffects(ledger, decideRetire(incident, reason, nowMs), options.route, nowMs);
        retired.push(incident.id);
        log.info({ incident: incident.id, reason: reason.kind }, 'incident retired');
      }
      return retired;
    },
    operatorAction(ledger, incident, action, nowMs) {
      const decision = decideOperatorAction(incident, action, nowMs, policy.rearmAfterMs);
      if (decision.ok) applyEffects(ledger, decision.effects, options.route, nowMs);
      return decision;
    },
  };
}
