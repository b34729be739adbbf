/**
 * Recurring maintenance windows: from each occurrence of a cron expression, for a duration, on one
 * host or on a group (the `group` label). Incidents that open inside one get no ticket until it ends.
 */
import { CronExpressionParser } from 'cron-parser';
import { parseDurationSeconds } from '../../config/duration.js';
import type { Clock } from '../clock.js';
import type { MaintenanceRecord } from '../domain/maintenanceWindow.js';
import { validateCron } from '../incidents/suppression.js';
import type { Store } from '../store/store.js';
import { OperationError, invalidField } from './operationError.js';

export interface NewMaintenance {
  cron: string;
  /** A duration such as 2h. */
  duration: string;
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

export function createMaintenanceOperations({ store, clock }: { store: Store; clock: Clock }): MaintenanceOperations {
  return {
    listMaintenance: () => store.listMaintenance().map((w) => maintenanceView(w, clock.nowMs())),
    addMaintenance(window) {
      checkCron(window.cron);
      if ((window.host === undefined) === (window.group === undefined)) {
        throw new OperationError('invalid', 'must name exactly one of host and group', { path: 'host', subject: 'input' });
      }
      const durationSeconds = parseDurationSeconds(window.duration);
      const record = store.transaction((tx) =>
        tx.insertMaintenance({ cron: window.cron, durationSeconds, host: window.host ?? null, group: window.group ?? null, comment: window.comment ?? '', createdAtMs: clock.nowMs() }),
      );
      return maintenanceView(record, clock.nowMs());
    },
    removeMaintenance(id) {
      if (!store.transaction((tx) => tx.deleteMaintenance(id))) throw new OperationError('not-found', `maintenance window ${id} does not exist`);
    },
  };
}

function checkCron(cron: string): void {
  try {
    validateCron(cron);
  } catch (error) {
    throw invalidField('cron', `is not a valid cron expression: ${(error as Error).message}`);
  }
}

/** The API's view of a window, with its duration in seconds and its next start (null when it has none). */
function maintenanceView(window: MaintenanceRecord, nowMs: number) {
  let next: string | null = null;
  try {
    next = new Date(nextOccurrence(window.cron, nowMs)).toISOString();
  } catch {
    next = null;
  }
  return { id: window.id, cron: window.cron, duration: `${window.durationSeconds}s`, host: window.host, group: window.group, comment: window.comment, nextStart: next };
}

export type MaintenanceView = ReturnType<typeof maintenanceView>;

function nextOccurrence(cron: string, nowMs: number): number {
  return CronExpressionParser.parse(cron, { currentDate: new Date(nowMs), tz: 'UTC' }).next().getTime();
}
