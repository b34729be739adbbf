/** A recurring maintenance window: from each cron occurrence, for `durationSeconds`, on one host or a group. */
export interface MaintenanceRecord {
  id: number;
  /** When each window starts: a cron expression, read in the configured `timeZone`. */
  cron: string;
  durationSeconds: number;
  /** Exactly one of host and group is set; group matches the `group` label of a signal. */
  host: string | null;
  group: string | null;
  comment: string;
  createdAtMs: number;
}
