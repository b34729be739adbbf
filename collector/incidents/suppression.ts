/**
 * Silences and maintenance windows as pure predicates over a signal's labels and a time. Both only
 * ever hold back the creation of a ticket, never a resolve.
 */
import { CronExpressionParser } from 'cron-parser';
import { compileLabelMatchers, formatLabelMatcher } from '../../rules/index.js';
import type { MaintenanceRecord, SilenceRecord } from '../store/store.js';

/** The first silence active at `nowMs` whose matchers all match `labels`. */
export function matchingSilence(silences: readonly SilenceRecord[], labels: Readonly<Record<string, string>>, nowMs: number): SilenceRecord | undefined {
  return silences.find((s) => s.startsAtMs <= nowMs && nowMs < s.expiresAtMs && compileLabelMatchers(s.matchers)(labels));
}

export function describeSilence(silence: SilenceRecord): string {
  return `silence #${silence.id} {${silence.matchers.map(formatLabelMatcher).join(', ')}}`;
}

/** When the window's current occurrence started, if `nowMs` is inside one; cron times are UTC. */
export function maintenanceStartedAt(window: MaintenanceRecord, nowMs: number): number | undefined {
  const expression = CronExpressionParser.parse(window.cron, { currentDate: new Date(nowMs + 1), tz: 'UTC' });
  const start = expression.prev().getTime();
  return nowMs < start + window.durationSeconds * 1000 ? start : undefined;
}

/** The first maintenance window covering the signal's host (or its `group` label) at `nowMs`. */
export function activeMaintenance(
  windows: readonly MaintenanceRecord[],
  labels: Readonly<Record<string, string>>,
  nowMs: number,
): { window: MaintenanceRecord; startedAtMs: number } | undefined {
  for (const window of windows) {
    const applies = window.host !== null ? labels.host === window.host : labels.group === window.group;
    if (!applies) continue;
    const startedAtMs = maintenanceStartedAt(window, nowMs);
    if (startedAtMs !== undefined) return { window, startedAtMs };
  }
  return undefined;
}

export function describeMaintenance(window: MaintenanceRecord): string {
  const target = window.host !== null ? `host ${window.host}` : `group ${window.group}`;
  return `maintenance window #${window.id} (${window.cron}, ${window.durationSeconds}s) for ${target}`;
}

/** Throws a readable error when `cron` is not a valid 5- or 6-field expression. */
export function validateCron(cron: string): void {
  CronExpressionParser.parse(cron, { tz: 'UTC' });
}
