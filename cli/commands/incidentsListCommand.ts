/** `tripline incidents list [--json]`: reads incidents straight from the database, collector running or not. */
import type { IncidentStatus } from '../../collector/domain/incident.js';
import { formatTable } from '../formatTable.js';
import { withOperations } from './withOperations.js';

export function incidentsListCommand(options: { config?: string; json?: boolean; status?: IncidentStatus | 'active' }): number {
  return withOperations(options.config, true, (operations) => {
    const incidents = operations.listIncidents({ status: options.status });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(incidents, null, 2)}\n`);
      return 0;
    }
    if (incidents.length === 0) {
      process.stdout.write('no incidents\n');
      return 0;
    }
    const rows = incidents.map((i) => [String(i.id), i.status, i.priority, i.severity, i.host, i.ruleName, i.openedAt, i.resolvedAt ?? '-', i.summary]);
    process.stdout.write(formatTable(['ID', 'STATUS', 'PRIORITY', 'SEVERITY', 'HOST', 'RULE', 'OPENED', 'RESOLVED', 'SUMMARY'], rows));
    return 0;
  });
}
