/**
 * The collector's own Prometheus metrics, on a registry per collector (no global state), served
 * at /metrics by prom-client in the text exposition format.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface CollectorMetrics {
  registry: Registry;
  reportsReceived: Counter<'outcome'>;
  reportAckSeconds: Histogram;
  observationsStored: Counter;
  ingestBatchReports: Histogram;
  deskDeliveries: Counter<'desk' | 'operation' | 'outcome'>;
}

export interface CollectorGaugeSources {
  activeIncidents(): number;
  outboxPending(): number;
  outboxDead(): number;
  unhealthyRules(): number;
}

export function createCollectorMetrics(sources: CollectorGaugeSources): CollectorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tripline_collector_' });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  gauge('tripline_incidents_active', 'Incidents open or acknowledged', sources.activeIncidents);
  gauge('tripline_outbox_pending', 'Desk operations waiting for delivery', sources.outboxPending);
  gauge('tripline_outbox_dead', 'Desk operations that failed permanently (dead letters)', sources.outboxDead);
  gauge('tripline_rules_unhealthy', 'Rules whose last evaluation failed', sources.unhealthyRules);
  return {
    registry,
    reportsReceived: new Counter({ name: 'tripline_reports_received_total', help: 'Agent reports received, by outcome', labelNames: ['outcome'], registers: [registry] }),
    reportAckSeconds: new Histogram({
      name: 'tripline_report_ack_seconds',
      help: 'Time from receiving a report to acknowledging it (after commit)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    observationsStored: new Counter({ name: 'tripline_observations_stored_total', help: 'Observations committed to the store', registers: [registry] }),
    ingestBatchReports: new Histogram({ name: 'tripline_ingest_batch_reports', help: 'Reports per group commit', buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500], registers: [registry] }),
    deskDeliveries: new Counter({ name: 'tripline_desk_deliveries_total', help: 'Desk delivery attempts, by desk, operation and outcome', labelNames: ['desk', 'operation', 'outcome'], registers: [registry] }),
  };
}
