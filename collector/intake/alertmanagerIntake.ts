/**
 * The Alertmanager intake: applies one webhook notification's alerts (decideAlert) to incidents in
 * one store transaction, so the answer Alertmanager gets means every alert of it is committed, and
 * a notification it sends again (a retry after a lost answer, the next `group_interval`) changes
 * nothing twice.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { IncidentService } from '../incidents/incidentService.js';
import type { Store } from '../store/store.js';
import type { IncidentRecord } from '../domain/incident.js';
import { REARM_DEFERRED } from '../incidents/decideRearm.js';
import { alertFingerprint, decideAlert, type RearmStanding } from './alertmanagerAlert.js';
import type { AlertmanagerAck, AlertmanagerPayload } from './alertmanagerPayload.js';

export interface AlertmanagerIntake {
  /** Applies a validated notification; `sender` names the token it came with, for the log. */
  receive(payload: AlertmanagerPayload, sender: string): AlertmanagerAck;
}

export function createAlertmanagerIntake(options: { store: Store; incidents: IncidentService; clock: Clock; log: Logger }): AlertmanagerIntake {
  const { store, incidents, clock, log } = options;
  const rearmOf = (latest: IncidentRecord): RearmStanding => {
    if (latest.rearmAtMs !== null) return latest.rearmAtMs <= clock.nowMs() ? 'due' : 'pending';
    // Read only for a resolved incident with no re-arm time: was its re-arm left to this notification?
    const events = store.incidentEvents(latest.id);
    return events.at(-1)?.kind === REARM_DEFERRED ? 'deferred' : 'none';
  };
  return {
    receive(payload, sender) {
      const nowMs = clock.nowMs();
      const ack: AlertmanagerAck = { alerts: payload.alerts.length, opened: 0, resolved: 0, unchanged: 0 };
      store.transaction((tx) => {
        for (const alert of payload.alerts) {
          const fingerprint = alertFingerprint(alert);
          const before = tx.findActiveIncident(fingerprint);
          const decided = decideAlert(alert, { active: before, latest: tx.findLatestIncident(fingerprint), rearmOf, nowMs });
          if (decided.kind === 'stale') {
            ack.unchanged++;
            log.debug({ fingerprint, reason: decided.reason }, 'alertmanager alert ignored');
            continue;
          }
          if (decided.kind === 'rearm') {
            incidents.rearmIncident(tx, decided.incident, decided.stillFiring, nowMs);
            if (decided.stillFiring) ack.opened++;
            else ack.unchanged++;
            continue;
          }
          incidents.applySignals(tx, [decided.signal], nowMs);
          const after = tx.findActiveIncident(fingerprint);
          if (!before && after) ack.opened++;
          else if (before && (!after || (before.settlingSinceMs === null && after.settlingSinceMs !== null))) ack.resolved++;
          else ack.unchanged++;
        }
      });
      log.info({ sender, receiver: payload.receiver, groupKey: payload.groupKey, ...ack }, 'alertmanager notification applied');
      return ack;
    },
  };
}
