/**
 * Silences and maintenance windows as pure predicates over a signal's labels and a time. Both only
 * ever hold back the creation of a ticket, never a resolve.
 */
import { compileLabelMatchers, formatLabelMatcher } from '../../rules/index.js';
import { cronSchedule } from '../../config/cronSchedule.js';
import type { MaintenanceRecord } from '../domain/maintenanceWindow.js';
import type { SilenceRecord } from '../domain/silence.js';

/** The first silence active at `nowMs` whose matchers all match `labels`. */
export function matchingSilence(silences: readonly SilenceRecord[], labels: Readonly<Record<string, string>>, nowMs: number): SilenceRecord | undefined {
  return silences.find((s) => s.startsAtMs <= nowMs && nowMs < s.expiresAtMs && compileLabelMatchers(s.matchers)(labels));
}

export function describeSilence(silence: SilenceRecord): string {
  return `silence #${silence.id} {${silence.matchers.map(formatLabelMatcher).join(', ')}}`;
}

/**
 * When the window's current occurrence started, if `nowMs` is inside one; its cron expression is
 * read in `timeZone`. A window whose expression cannot be read (stored before a stricter check) is
 * never open: it cannot hold back a ticket.
 */
function maintenanceStartedAt(window: MaintenanceRecord, nowMs: number, timeZone: string): number | undefined {
  let schedule;
  try {
    schedule = cronSchedule(window.cron, timeZone);
  } catch {
    return undefined;
  }
  return schedule.lastStartWithin(nowMs, window.durationSeconds * 1000);
}

/** The first maintenance window covering the signal's host (or its `group` label) at `nowMs`. */
export function activeMaintenance(
  windows: readonly MaintenanceRecord[],
  labels: Readonly<Record<string, string>>,
  nowMs: number,
  timeZone: string,
): { window: MaintenanceRecord; startedAtMs: number } | undefined {
  for (const window of windows) {
    const applies = window.host !== null ? labels.host === window.host : labels.group === window.group;
    if (!applies) continue;
    const startedAtMs = maintenanceStartedAt(window, nowMs, timeZone);
    if (startedAtMs !== undefined) return { window, startedAtMs };
  }
  return undefined;
}

export function describeMaintenance(window: MaintenanceRecord): string {
  const target = window.host !== null ? `host ${window.host}` : `group ${window.group}`;
  return `maintenance window #${window.id} (${window.cron}, ${window.durationSeconds}s) for ${target}`;
}
