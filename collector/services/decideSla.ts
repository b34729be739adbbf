/**
 * SLA clocks, as a pure function: per priority, a time to acknowledge and a time to resolve
 * (`priority.sla`), both counted from when the incident opened, by the priority it opened with (an
 * escalation does not shorten the clocks that caused it).
 *
 * | clock       | met when                                  | breached when                                   |
 * |---|---|---|
 * | acknowledge | acknowledged (or resolved) by its due time | still open (not acknowledged) past its due time |
 * | resolve     | resolved by its due time                  | still open or acknowledged past its due time    |
 *
 * Either clock may count in business hours (`businessHours: true` on the priority, the calendar of
 * `priority.businessHours`): then it is due when that much open time has passed (businessCalendar.ts).
 *
 * The first breach escalates the incident exactly once: its priority goes one step up (P1 stays
 * P1), its ticket gets an update, and the timeline says which clock ran out. A later breach (the
 * other clock) is shown in the SLA state but escalates nothing more.
 */
import type { PriorityConfig } from '../../config/servicesConfigSchema.js';
import type { IncidentRecord } from '../domain/incident.js';
import type { IncidentPriorityRecord, SlaClock } from '../domain/incidentPriority.js';
import type { BusinessCalendar } from './businessCalendar.js';
import { raisePriority } from './priorityMatrix.js';

export type SlaClockState = 'running' | 'met' | 'breached';

export interface SlaClockView {
  dueAt: string;
  state: SlaClockState;
}

/** The SLA state of an incident; null clocks where its priority has no SLA. */
export interface SlaView {
  acknowledge: SlaClockView | null;
  resolve: SlaClockView | null;
}

/** What an SLA check asks for: nothing, or one escalation. */
export type SlaDecision = { escalate: false } | { escalate: true; clock: SlaClock; record: IncidentPriorityRecord; text: string };

/**
 * The SLA state of an incident now. A priority whose clocks count in business hours
 * (`businessHours: true`) is due when that much open time of `calendar` has passed since it opened.
 */
export function slaState(incident: IncidentRecord, record: IncidentPriorityRecord, acknowledgedAtMs: number | undefined, sla: PriorityConfig['sla'], nowMs: number, calendar?: BusinessCalendar): SlaView {
  const targets = sla[record.initialPriority];
  if (!targets) return { acknowledge: null, resolve: null };
  const dueAfter = (durationMs: number) => (targets.businessHours && calendar ? calendar.addBusinessTime(incident.openedAtMs, durationMs) : incident.openedAtMs + durationMs);
  const ackDue = dueAfter(targets.acknowledge);
  const resolveDue = dueAfter(targets.resolve);
  const ackedAt = acknowledgedAtMs ?? incident.resolvedAtMs ?? undefined;
  const clock = (due: number, doneAtMs: number | undefined): SlaClockView => ({
    dueAt: new Date(due).toISOString(),
    state: doneAtMs !== undefined ? (doneAtMs <= due ? 'met' : 'breached') : nowMs > due ? 'breached' : 'running',
  });
  return { acknowledge: clock(ackDue, ackedAt), resolve: clock(resolveDue, incident.resolvedAtMs ?? undefined) };
}

export function decideSla(incident: IncidentRecord, record: IncidentPriorityRecord, acknowledgedAtMs: number | undefined, sla: PriorityConfig['sla'], nowMs: number, calendar?: BusinessCalendar): SlaDecision {
  if (record.slaBreach !== null) return { escalate: false };
  if (incident.status !== 'open' && incident.status !== 'acknowledged') return { escalate: false };
  const state = slaState(incident, record, acknowledgedAtMs, sla, nowMs, calendar);
  const clock: SlaClock | undefined = state.acknowledge?.state === 'breached' && incident.status === 'open' ? 'acknowledge' : state.resolve?.state === 'breached' ? 'resolve' : undefined;
  if (clock === undefined) return { escalate: false };
  const targets = sla[record.initialPriority]!;
  const priority = raisePriority(record.priority);
  const due = clock === 'acknowledge' ? state.acknowledge!.dueAt : state.resolve!.dueAt;
  const limit = `${formatDuration(clock === 'acknowledge' ? targets.acknowledge : targets.resolve)}${targets.businessHours && calendar ? ' of business hours' : ''}`;
  const raised = priority === record.priority ? `priority stays ${priority}` : `priority raised from ${record.priority} to ${priority}`;
  return {
    escalate: true,
    clock,
    record: { ...record, priority, slaBreach: { clock, atMs: nowMs } },
    text: `SLA breached: time to ${clock} (${limit} for ${record.initialPriority}) ran out at ${due}; ${raised}`,
  };
}

function formatDuration(ms: number): string {
  const units: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  let rest = ms;
  const parts: string[] = [];
  for (const [unit, size] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('') || `${ms}ms`;
}
