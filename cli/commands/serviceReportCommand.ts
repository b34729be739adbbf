/** `tripline report services --month YYYY-MM [--format table|csv|json]`: each service's month, from the database. */
import type { ServiceReport } from '../../collector/services/serviceReport.js';
import { formatTable } from '../formatTable.js';
import { reworded, withOperations } from './withOperations.js';

export type ReportFormat = 'table' | 'csv' | 'json';

const COLUMNS: ReadonlyArray<[header: string, cell: (r: ServiceReport) => string]> = [
  ['service', (r) => r.service],
  ['month', (r) => r.month],
  ['availability_percent', (r) => r.availabilityPercent.toFixed(3)],
  ['outage_minutes', (r) => round(r.outageMinutes)],
  ['degraded_minutes', (r) => round(r.degradedMinutes)],
  ['incidents', (r) => String(r.incidents)],
  ['mtta_minutes', (r) => (r.mttaMinutes === null ? '' : round(r.mttaMinutes))],
  ['mttr_minutes', (r) => (r.mttrMinutes === null ? '' : round(r.mttrMinutes))],
  ['sla_breaches', (r) => String(r.slaBreaches)],
];

export function serviceReportCommand(options: { config?: string; month: string; format: ReportFormat }): number {
  return withOperations(options.config, true, (operations) => {
    const report = reworded(() => operations.serviceReports(options.month), (error) => `--month ${error.message}`);
    process.stdout.write(renderServiceReport(report.services, options.format));
    return 0;
  });
}

/** The reports as a table (people), CSV (RFC 4180, for spreadsheets) or JSON (every field, unrounded). */
export function renderServiceReport(reports: readonly ServiceReport[], format: ReportFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(reports, null, 2)}\n`;
    case 'csv':
      return [COLUMNS.map(([header]) => header), ...reports.map((r) => COLUMNS.map(([, cell]) => cell(r)))].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
    case 'table':
      return formatTable(
        COLUMNS.map(([header]) => header.toUpperCase().replace(/_/g, ' ')),
        reports.map((r) => COLUMNS.map(([, cell]) => cell(r) || '-')),
      );
    default:
      return format satisfies never;
  }
}

function round(value: number): string {
  return String(Math.round(value * 100) / 100);
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
