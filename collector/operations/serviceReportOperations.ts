/**
 * Service reports as an operator asks for them (`tripline report services --month`, GET
 * /api/v1/reports/services): per service of the catalogue, the month's figures from stored history
 * (see services/serviceReport.ts for how each is computed).
 */
import type { Clock } from '../clock.js';
import type { IncidentRecord } from '../domain/incident.js';
import { isServiceIncident } from '../domain/serviceIncident.js';
import type { ServiceCatalogue } from '../services/serviceCatalogue.js';
import { reportPeriod, serviceReport, type ReportIncident, type ServiceReport } from '../services/serviceReport.js';
import { acknowledgedAtMs } from '../services/slaWatcher.js';
import type { Store } from '../store/store.js';
import { OperationError } from './operationError.js';

export interface ServiceReportOperations {
  /** Every service's report for `month` (YYYY-MM, UTC), in catalogue order; invalid for a malformed or future month. */
  serviceReports(month: string): { month: string; services: ServiceReport[] };
}

export function createServiceReportOperations({ store, catalogue, clock }: { store: Store; catalogue: ServiceCatalogue; clock: Clock }): ServiceReportOperations {
  return {
    serviceReports(month) {
      const period = reportPeriod(month, clock.nowMs());
      if ('error' in period) throw new OperationError('invalid', period.error, { path: 'month', subject: 'field', in: 'querystring' });
      const opened = store.listIncidents({ limit: 1_000_000 }).filter((i) => !isServiceIncident(i) && i.openedAtMs >= period.fromMs && i.openedAtMs < period.toMs);
      const servicesOf = (incident: IncidentRecord): readonly string[] => store.incidentPriority(incident.id)?.services ?? catalogue.servicesOf(incident.host, incident.labels).map((s) => s.name);
      const facts = opened.map((incident) => ({
        services: servicesOf(incident),
        report: {
          openedAtMs: incident.openedAtMs,
          acknowledgedAtMs: acknowledgedAtMs(store.incidentEvents(incident.id)),
          resolvedAtMs: incident.resolvedAtMs,
          slaBreached: store.incidentPriority(incident.id)?.slaBreach != null,
        } satisfies ReportIncident,
      }));
      return {
        month,
        services: catalogue.services.map((service) =>
          serviceReport(
            service.name,
            month,
            period,
            store.serviceStateChanges(service.name, period.fromMs, period.toMs),
            facts.filter((f) => f.services.includes(service.name)).map((f) => f.report),
          ),
        ),
      };
    },
  };
}
