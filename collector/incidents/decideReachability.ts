/**
 * What the collector's ping of a silent host means for its incident: no reply is "host down", a
 * reply is "agent down" (the host runs, its agent does not). The verdict goes into the why-record
 * and the summary; a ticket held for the probe opens now.
 *
 * | verdict     | summary prefix      | parent-down for children? |
 * |---|---|---|
 * | host-down   | "Host down: "       | yes |
 * | agent-down  | "Agent down: "      | no  |
 * | unknown     | unchanged           | yes (no address to ping, or ping failed to run) |
 *
 * Whatever the verdict, an incident still waiting for it whose parent is down by now becomes that
 * parent's symptom (no ticket).
 */
import type { IncidentRecord } from '../domain/incident.js';
import type { IncidentEffect } from './incidentEffects.js';
import type { GateVerdict } from './incidentGates.js';

export type ReachabilityVerdict = 'host-down' | 'agent-down' | 'unknown';

export interface ReachabilityResult {
  verdict: ReachabilityVerdict;
  address: string | null;
  /** e.g. "no reply from 10.0.0.5 within 2s" or "reply from 10.0.0.5 in 0.4ms". */
  detail: string;
}

/**
 * `downParent` is a parent of the host that is down by now: then the incident, still waiting for
 * its probe, becomes that parent's symptom instead of opening a ticket.
 */
export function decideReachability(
  incident: IncidentRecord,
  result: ReachabilityResult,
  nowMs: number,
  downParent?: { host: string; incident: IncidentRecord },
): IncidentEffect[] {
  if (incident.status !== 'open' && incident.status !== 'acknowledged') return [];
  if (incident.hold === 'probing' && downParent && downParent.incident.id !== incident.id) {
    const reason = `suppressed: parent ${downParent.host} is down (incident #${downParent.incident.id}); ${describeVerdict(result.verdict)}: ${result.detail}`;
    return [
      { kind: 'update', incidentId: incident.id, change: { hold: 'symptom', parentIncidentId: downParent.incident.id, why: { ...incident.why, reachability: { ...result, atMs: nowMs } }, updatedAtMs: nowMs } },
      {
        kind: 'event',
        incidentId: incident.id,
        event: {
          kind: 'held-symptom',
          text: reason,
          data: { ...result, gates: [{ gate: 'topology', passed: false, code: 'parent-down', reason: `suppressed: parent ${downParent.host} is down (incident #${downParent.incident.id})`, hold: 'symptom', parentIncidentId: downParent.incident.id }] satisfies GateVerdict[] },
        },
      },
      { kind: 'event', incidentId: downParent.incident.id, event: { kind: 'symptom', text: `symptom: ${incident.summary} (${incident.ruleName} on ${incident.host})`, data: { fingerprint: incident.fingerprint } } },
    ];
  }
  const prefix = result.verdict === 'host-down' ? 'Host down: ' : result.verdict === 'agent-down' ? 'Agent down: ' : '';
  const text = `${describeVerdict(result.verdict)}: ${result.detail}`;
  const releases = incident.hold === 'probing';
  const effects: IncidentEffect[] = [
    {
      kind: 'update',
      incidentId: incident.id,
      change: {
        summary: incident.summary.startsWith(prefix) ? incident.summary : `${prefix}${incident.summary}`,
        why: { ...incident.why, reachability: { ...result, atMs: nowMs } },
        updatedAtMs: nowMs,
        ...(releases ? { hold: null, ticketed: true } : {}),
      },
    },
    { kind: 'event', incidentId: incident.id, event: { kind: 'reachability', text, data: { ...result, gates: [{ gate: 'reachability', passed: true, code: 'clear', reason: text }] satisfies GateVerdict[] } } },
  ];
  if (releases) effects.push({ kind: 'desk', incidentId: incident.id, operation: incident.ticketed ? 'reopen' : 'open' });
  return effects;
}

function describeVerdict(verdict: ReachabilityVerdict): string {
  switch (verdict) {
    case 'host-down':
      return 'host down (the host does not answer ping)';
    case 'agent-down':
      return 'agent down (the host answers ping)';
    case 'unknown':
      return 'reachability unknown';
    default:
      return verdict satisfies never;
  }
}
