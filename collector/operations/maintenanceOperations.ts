/**
 * Recurring maintenance windows: from each occurrence of a cron expression (read in the config's
 * `timeZone`), for a duration, on one host or on a group (the `group` label). Incidents that open
 * inside one get no ticket until it ends.
 */
import { cronExpressionProblem, cronSchedule } from '../../config/cronSchedule.js';
import type { DurationMs } from '../../config/duration.js';
import type { Clock } from '../clock.js';
import type { MaintenanceRecord } from '../domain/maintenanceWindow.js';
import type { Store } from '../store/store.js';
import { OperationError, invalidField } from './operationError.js';

export interface NewMaintenance {
  cron: string;
  /** How long each window lasts (the API and the CLI parse `2h` with config's parseDurationMs). */
  durationMs: DurationMs;
  /** Exactly one of host and group. */
  host?: string;
  group?: string;
  comment?: string;
}

export interface MaintenanceOperations {
  /** Every window, with its next start. */
  listMaintenance(): MaintenanceView[];
  /** Adds a window; invalid when the cron expression is, or unless exactly one of host and group is given. */
  addMaintenance(window: NewMaintenance): MaintenanceView;
  /** Removes a window; not-found when there is none. */
  removeMaintenance(id: number): void;
}

export function createMaintenanceOperations({ store, clock, timeZone }: { store: Store; clock: Clock; timeZone: string }): MaintenanceOperations {
  const view = (window: MaintenanceRecord) => maintenanceView(window, clock.nowMs(), timeZone);
  return {
    listMaintenance: () => store.listMaintenance().map(view),
    addMaintenance(window) {
      const problem = cronExpressionProblem(window.cron);
      if (problem !== undefined) throw invalidField('cron', `is not a valid cron expression: ${problem}`);
      if ((window.host === undefined) === (window.group === undefined)) {
        throw new OperationError('invalid', 'must name exactly one of host and group', { path: 'host', subject: 'input' });
      }
      const durationSeconds = window.durationMs / 1000;
      const record = store.transaction((tx) =>
        tx.insertMaintenance({ cron: window.cron, durationSeconds, host: window.host ?? null, group: window.group ?? null, comment: window.comment ?? '', createdAtMs: clock.nowMs() }),
      );
      return view(record);
    },
    removeMaintenance(id) {
      if (!store.transaction((tx) => tx.deleteMaintenance(id))) throw new OperationError('not-found', `maintenance window ${id} does not exist`);
    },
  };
}

/** The API's view of a window, with its duration in seconds and its next start (null when it has none). */
function maintenanceView(window: MaintenanceRecord, nowMs: number, timeZone: string) {
  const next = nextStart(window.cron, nowMs, timeZone);
  return { id: window.id, cron: window.cron, duration: `${window.durationSeconds}s`, host: window.host, group: window.group, comment: window.comment, nextStart: next === undefined ? null : new Date(next).toISOString() };
}

export type MaintenanceView = ReturnType<typeof maintenanceView>;

/** The window's next start after `nowMs`; undefined when it has none or its expression cannot be read. */
function nextStart(cron: string, nowMs: number, timeZone: string): number | undefined {
  try {
    return cronSchedule(cron, timeZone).nextStartAfter(nowMs);
  } catch {
    return undefined;
  }
}
