/**
 * One Alertmanager alert turned into the Signal the rules engine would give, as a pure function,
 * so that a Prometheus alert goes through the same incident lifecycle (dedup, re-open window,
 * silences, maintenance, services, priority, SLA, tickets) as a Tripline rule's.
 *
 * Alertmanager sends the state of an alert group, again and again (each `group_interval`, each
 * `repeat_interval`, and its retries), where the rules engine sends transitions. The decision
 * turns the first into the second:
 *
 * | alert    | Tripline holds for its fingerprint                          | outcome |
 * |---|---|---|
 * | firing   | an active incident                                          | firing signal: the lifecycle dedups it ("already active") |
 * | firing   | an incident resolved by hand, its re-arm time come          | re-arm: the incident opens again (the problem persisted after the manual resolve) |
 * | firing   | an incident resolved by hand, before its re-arm time        | stale: the operator's resolve holds until `incidents.rearmAfter` has passed |
 * | firing   | any other resolved incident, resolved at or after the alert began | stale: that episode was resolved; nothing |
 * | firing   | nothing, or an incident resolved before the alert began     | firing signal: opens, or re-opens within the re-open window |
 * | resolved | an incident resolved by hand, its re-arm pending or deferred | re-arm dropped: the problem cleared after the manual resolve |
 * | resolved | anything else                                               | resolved signal: resolves an active incident, else nothing |
 *
 * Tripline cannot see whether an alert still fires between notifications, so the collector's re-arm
 * sweep leaves an alert's re-arm to the notifications (decideRearm's `'unknown'`): the first firing
 * one after the re-arm time (Alertmanager repeats a firing alert each `repeat_interval`) opens it again.
 *
 * An episode is one `startsAt`: Prometheus gives an alert that fires again a new one. The
 * fingerprint is Alertmanager's (a hash of the labels), prefixed, so it never meets a rule's.
 */
import { createHash } from 'node:crypto';
import type { Severity, Signal } from '../../rules/index.js';
import type { IncidentRecord } from '../domain/incident.js';
import type { AlertmanagerAlert } from './alertmanagerPayload.js';

/** The rule version of every incident an Alertmanager alert opened: how the rest of Tripline tells them from rule incidents. */
export const ALERTMANAGER_RULE_VERSION = 'alertmanager';

const FINGERPRINT_PREFIX = 'alertmanager-';

/** Whether an incident came from the Alertmanager intake (no Tripline rule fires or clears it). */
export function isAlertmanagerIncident(incident: Pick<IncidentRecord, 'ruleVersion'>): boolean {
  return incident.ruleVersion === ALERTMANAGER_RULE_VERSION;
}

/** What to do with one alert of a notification. */
export type AlertVerdict =
  | { kind: 'signal'; signal: Signal }
  | { kind: 'stale'; fingerprint: string; reason: string }
  /** Settle the re-arm of `incident`, resolved by hand: open it again (`stillFiring`) or drop the re-arm. */
  | { kind: 'rearm'; incident: IncidentRecord; stillFiring: boolean };

/**
 * Where the newest incident stands after a manual resolve: `due` (its re-arm time has come),
 * `pending` (not yet), `deferred` (the sweep left the re-arm to the next notification), or `none`
 * (not resolved by hand, or its re-arm was settled).
 */
export type RearmStanding = 'due' | 'pending' | 'deferred' | 'none';

export interface AlertContext {
  /** The open or acknowledged incident of the alert's fingerprint. */
  active: IncidentRecord | undefined;
  /** The newest incident of the fingerprint, whatever its status. */
  latest: IncidentRecord | undefined;
  /** The re-arm standing of `latest` (asked only when `latest` is resolved and none is active); absent: `none`. */
  rearmOf?: (latest: IncidentRecord) => RearmStanding;
  nowMs: number;
}

/** The Tripline fingerprint of an alert: Alertmanager's, or (from a sender without one) a hash of its labels. */
export function alertFingerprint(alert: Pick<AlertmanagerAlert, 'labels' | 'fingerprint'>): string {
  if (alert.fingerprint) return `${FINGERPRINT_PREFIX}${alert.fingerprint.toLowerCase()}`;
  const canonical = Object.keys(alert.labels).sort().map((name) => [name, alert.labels[name]]);
  return `${FINGERPRINT_PREFIX}${createHash('sha256').update(JSON.stringify(canonical)).digest('hex').slice(0, 16)}`;
}

export function decideAlert(alert: AlertmanagerAlert, context: AlertContext): AlertVerdict {
  const fingerprint = alertFingerprint(alert);
  const startsAtMs = Math.min(Date.parse(alert.startsAt), context.nowMs);
  const { active, latest } = context;
  const rearm = !active && latest?.status === 'resolved' ? (context.rearmOf?.(latest) ?? 'none') : 'none';
  if (alert.status === 'firing') {
    if (latest && (rearm === 'due' || rearm === 'deferred')) return { kind: 'rearm', incident: latest, stillFiring: true };
    if (!active && latest && latest.resolvedAtMs !== null && latest.resolvedAtMs >= startsAtMs) {
      const held = rearm === 'pending' ? `, resolved by hand; it re-arms at ${iso(latest.rearmAtMs!)}` : '';
      return { kind: 'stale', fingerprint, reason: `firing since ${iso(startsAtMs)}, an episode incident #${latest.id} already resolved at ${iso(latest.resolvedAtMs)}${held}` };
    }
    return { kind: 'signal', signal: signalOf(alert, fingerprint, 'firing', startsAtMs, startsAtMs) };
  }
  if (latest && rearm !== 'none') return { kind: 'rearm', incident: latest, stillFiring: false };
  const endsAtMs = alert.endsAt === undefined ? Number.NaN : Date.parse(alert.endsAt);
  // Go's zero time (year 1) and an end before the start both mean "not set": resolved now.
  const atMs = Number.isFinite(endsAtMs) && endsAtMs >= startsAtMs ? Math.min(endsAtMs, context.nowMs) : context.nowMs;
  return { kind: 'signal', signal: signalOf(alert, fingerprint, 'resolved', atMs, atMs) };
}

function signalOf(alert: AlertmanagerAlert, fingerprint: string, kind: Signal['kind'], atMs: number, sinceMs: number): Signal {
  const annotations = alert.annotations ?? {};
  const alertname = alert.labels.alertname;
  const host = alert.labels.host ?? hostOfInstance(alert.labels.instance);
  const labels: Record<string, string> = host === undefined ? { ...alert.labels } : { ...alert.labels, host };
  const source = alert.generatorURL ? ` (${alert.generatorURL})` : '';
  const runbook = annotations.runbook_url ?? annotations.runbook;
  return {
    kind,
    ruleName: alertname,
    ruleVersion: ALERTMANAGER_RULE_VERSION,
    fingerprint,
    labels,
    severity: severityOf(alert.labels.severity),
    summary: annotations.summary ?? annotations.message ?? `${alertname}${host === undefined ? '' : ` on ${host}`}`,
    description: annotations.description ?? '',
    value: Number.NaN,
    atMs,
    sinceMs,
    reason: `Alertmanager: ${alertname} ${kind === 'firing' ? 'firing' : 'resolved'} since ${iso(sinceMs)}${source}`,
    ...(runbook !== undefined && /^https?:\/\//.test(runbook) ? { runbook } : {}),
  };
}

/**
 * The host an alert is about: its `host` label, else the host part of `instance` (Prometheus's
 * scrape target: `web-1:9100`, `[::1]:9100`, `https://web-1/health`).
 */
export function hostOfInstance(instance: string | undefined): string | undefined {
  if (instance === undefined || instance === '') return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(instance)) {
    try {
      return new URL(instance).hostname.replace(/^\[(.*)\]$/, '$1') || undefined;
    } catch {
      return instance;
    }
  }
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(instance);
  if (bracketed) return bracketed[1];
  const colons = instance.split(':').length - 1;
  // One colon is host:port; more is a bare IPv6 address.
  return colons === 1 ? instance.slice(0, instance.lastIndexOf(':')) : instance;
}

/** Alertmanager's `severity` label in Tripline's three levels; warning when it is absent or unknown. */
export function severityOf(label: string | undefined): Severity {
  switch ((label ?? '').toLowerCase()) {
    case 'critical':
    case 'page':
    case 'error':
    case 'high':
      return 'critical';
    case 'info':
    case 'informational':
    case 'low':
    case 'none':
      return 'info';
    default:
      return 'warning';
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
