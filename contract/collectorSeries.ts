/**
 * The series the collector derives itself, beside the ones agents send (metricCatalogue.ts): each
 * check result of a report becomes a `check_status` sample, and agent silence becomes
 * `agent_missed_reports`. Rules watch them like any metric, so the rule loader checks rules against
 * this table as well as the agent's catalogue.
 */
import type { CheckStatus } from './report.js';
import type { MetricDefinition } from './metricCatalogue.js';

/** Every series the collector derives, keyed by name. */
export const COLLECTOR_SERIES = {
  check_status: {
    kind: 'gauge',
    unit: 'status',
    labels: ['kind', 'check'],
    text: true,
    help:
      'State of one check result of a report (plugin:raid has kind="plugin", check="raid"): 0 ok, 1 warning, 2 critical, 3 unknown, the Nagios codes; ' +
      "its sample carries the check output's first line, `{{ output }}` in rule templates",
  },
  agent_missed_reports: {
    kind: 'gauge',
    unit: 'count',
    labels: [],
    help: "Per host, the time since its last report divided by its agent's report interval once a report is due (3 = three reports missing); 0 while reports arrive on time",
  },
} as const satisfies Record<string, MetricDefinition>;

/** The Nagios code of each check state: the value of a `check_status` sample. */
export const CHECK_STATUS_CODES: Readonly<Record<CheckStatus, number>> = { ok: 0, warning: 1, critical: 2, unknown: 3 };

/** The check states, in the order of their codes. */
export const CHECK_STATUSES: readonly CheckStatus[] = ['ok', 'warning', 'critical', 'unknown'];

/**
 * The labels of a check's `check_status` series: `plugin:raid` is kind "plugin", check "raid"
 * (the same `check` value as the plugin's perfdata series); a name without a colon has kind "".
 */
export function checkSeriesLabels(name: string): { kind: string; check: string } {
  const colon = name.indexOf(':');
  return colon < 0 ? { kind: '', check: name } : { kind: name.slice(0, colon), check: name.slice(colon + 1) };
}

/** The first line of a check's output: what becomes an incident's text. */
export function checkOutputLine(output: string): string {
  const newline = output.indexOf('\n');
  return (newline < 0 ? output : output.slice(0, newline)).trim();
}
