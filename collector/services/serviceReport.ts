/**
 * Service reports, as pure functions over stored history: per service per calendar month (UTC),
 * its availability, incidents, mean time to acknowledge, mean time to resolve and SLA breaches.
 *
 * - The period is the month, cut at `now` for the month in progress (a month not begun is refused).
 * - Availability % = 100 x (period minutes - outage minutes) / period minutes. Outage time is
 *   unavailable; degraded time counts as available (the service works, with reduced capacity or a
 *   failing member) and is reported beside it as `degradedMinutes`. The state at each moment is
 *   the one the service watcher recorded (service_state_changes), the one in force when the month
 *   began included; before the first record a service counts as operational.
 * - Incidents: the host incidents of the service (its recorded services include it) opened in the
 *   period; service incidents themselves are not counted (they are the same problems).
 * - MTTA: the mean, over those incidents a person acknowledged, of first acknowledgement minus
 *   opening; MTTR: the mean, over those resolved (by now, even after the month: an incident's
 *   time to resolve belongs to the month it opened), of resolution minus opening; null when none.
 * - SLA breaches: how many of those incidents had an SLA clock run out (each escalates once).
 */
import type { ServiceStateChange } from '../domain/serviceIncident.js';

/** A host incident of the service, as the report needs it. */
export interface ReportIncident {
  openedAtMs: number;
  acknowledgedAtMs: number | undefined;
  resolvedAtMs: number | null;
  slaBreached: boolean;
}

export interface ServiceReport {
  service: string;
  /** YYYY-MM */
  month: string;
  from: string;
  to: string;
  periodMinutes: number;
  outageMinutes: number;
  degradedMinutes: number;
  availabilityPercent: number;
  incidents: number;
  acknowledged: number;
  resolved: number;
  mttaMinutes: number | null;
  mttrMinutes: number | null;
  slaBreaches: number;
}

/** The month's bounds in UTC; `{ error }` (continuing the month field's name) for a month that is not YYYY-MM or has not begun at `nowMs`. */
export function reportPeriod(month: string, nowMs: number): { fromMs: number; toMs: number } | { error: string } {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  const monthIndex = match ? Number(match[2]) - 1 : -1;
  if (!match || monthIndex < 0 || monthIndex > 11) return { error: `must be YYYY-MM (such as 2026-11), not "${month}"` };
  const fromMs = Date.UTC(Number(match[1]), monthIndex, 1);
  if (fromMs >= nowMs) return { error: `is ${month}, which has not begun yet` };
  return { fromMs, toMs: Math.min(Date.UTC(Number(match[1]), monthIndex + 1, 1), nowMs) };
}

export function serviceReport(service: string, month: string, period: { fromMs: number; toMs: number }, changes: readonly ServiceStateChange[], incidents: readonly ReportIncident[]): ServiceReport {
  const minutes = (ms: number) => ms / 60_000;
  const spent = { operational: 0, degraded: 0, outage: 0 };
  const sorted = [...changes].sort((a, b) => a.atMs - b.atMs);
  for (const [index, change] of sorted.entries()) {
    const start = Math.max(change.atMs, period.fromMs);
    const end = Math.min(sorted[index + 1]?.atMs ?? period.toMs, period.toMs);
    if (end > start) spent[change.state] += end - start;
  }
  const periodMs = period.toMs - period.fromMs;
  const acknowledged = incidents.filter((i) => i.acknowledgedAtMs !== undefined);
  const resolved = incidents.filter((i) => i.resolvedAtMs !== null);
  const mean = (values: number[]) => (values.length === 0 ? null : values.reduce((sum, v) => sum + v, 0) / values.length);
  return {
    service,
    month,
    from: new Date(period.fromMs).toISOString(),
    to: new Date(period.toMs).toISOString(),
    periodMinutes: minutes(periodMs),
    outageMinutes: minutes(spent.outage),
    degradedMinutes: minutes(spent.degraded),
    availabilityPercent: periodMs === 0 ? 100 : (100 * (periodMs - spent.outage)) / periodMs,
    incidents: incidents.length,
    acknowledged: acknowledged.length,
    resolved: resolved.length,
    mttaMinutes: mean(acknowledged.map((i) => minutes(i.acknowledgedAtMs! - i.openedAtMs))),
    mttrMinutes: mean(resolved.map((i) => minutes(i.resolvedAtMs! - i.openedAtMs))),
    slaBreaches: incidents.filter((i) => i.slaBreached).length,
  };
}
