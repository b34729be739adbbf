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
  /** Reports received as values against a series set (collector/ingest/seriesSets.ts), whatever came of them. */
  seriesSetReports: Counter;
  /** Rule states written, by why (AlertPipelineOptions.onStatesWritten): what the rules cost the store. */
  ruleStatesWritten: Counter<'reason'>;
  ingestBatchReports: Histogram;
  deskDeliveries: Counter<'desk' | 'operation' | 'outcome'>;
  outboxClaimed: Counter;
  historyStepSeconds: Histogram<'step'>;
}

export interface CollectorGaugeSources {
  activeIncidents(): number;
  outboxPending(): number;
  outboxDead(): number;
  unhealthyRules(): number;
  /** Per once-only job, whether this collector holds its lease (runs it). */
  leases?(): ReadonlyArray<{ job: string; leader: boolean; runAgeSeconds?: number | null }>;
  /** Whether the last lease round reached the store. */
  storeReachable?(): boolean;
  /** How long the longest-due pending delivery has waited past its due time. */
  outboxOldestDueSeconds?(): number;
  /** Seconds since the last history pass ended here; null where it has not run here. */
  historyPassAgeSeconds?(): number | null;
  /** The embedded SQLite store's write-ahead log file, in bytes (no gauge with PostgreSQL). */
  sqliteLogBytes?(): number;
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
  if (sources.sqliteLogBytes) {
    gauge('tripline_sqlite_wal_bytes', "Size of the SQLite store's write-ahead log file: commits add to it, checkpoints copy it into the database and let it start over", sources.sqliteLogBytes);
  }
  registerClusterGauges(registry, sources);
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
    seriesSetReports: new Counter({ name: 'tripline_series_set_reports_total', help: 'Agent reports received as values against a series set, whatever came of them', registers: [registry] }),
    ruleStatesWritten: new Counter({
      name: 'tripline_rule_states_written_total',
      help: 'Rule states written to the store, by reason: change (a new state, or its status, timers or memory changed: written with the batch), checkpoint (only its latest sample changed: written at a checkpoint, a minute later, or a 32nd of a long window, up to 15 minutes), stop (what waited, at a clean stop)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    ingestBatchReports: new Histogram({ name: 'tripline_ingest_batch_reports', help: 'Reports per group commit', buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500], registers: [registry] }),
    deskDeliveries: new Counter({ name: 'tripline_desk_deliveries_total', help: 'Desk delivery attempts, by desk, operation and outcome', labelNames: ['desk', 'operation', 'outcome'], registers: [registry] }),
    outboxClaimed: new Counter({ name: 'tripline_outbox_claimed_total', help: 'Outbox rows this collector claimed to deliver (several collectors on one store each claim their own)', registers: [registry] }),
    // Each step holds the event loop and so delays every report in progress: ingest's 50 ms target is the bucket to watch.
    historyStepSeconds: new Histogram({
      name: 'tripline_history_step_seconds',
      help: 'How long each synchronous step of the history pass held the event loop, by step (read, encode, write: compaction; sweep: deleting the hot rows compacted; raw, rollups: pruning; checkpoint: after a sweep or pruning step)',
      labelNames: ['step'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
  };
}

/** A collector's place in a cluster (clusterStatus.ts): the leases it holds, the store, the shared work's lag. */
function registerClusterGauges(registry: Registry, sources: CollectorGaugeSources): void {
  const { leases, storeReachable, outboxOldestDueSeconds, historyPassAgeSeconds } = sources;
  if (leases) {
    new Gauge({
      name: 'tripline_lease_held',
      help: 'Whether this collector holds the lease of a once-only job (1: the job runs here)',
      labelNames: ['job'],
      registers: [registry],
      collect() {
        this.reset();
        for (const lease of leases()) this.set({ job: lease.job }, lease.leader ? 1 : 0);
      },
    });
    new Gauge({
      name: 'tripline_job_run_age_seconds',
      help: 'Seconds since the last pass of a once-only job ended on this collector, or since it started here (its lag; only jobs running here)',
      labelNames: ['job'],
      registers: [registry],
      collect() {
        this.reset();
        for (const lease of leases()) if (lease.leader && typeof lease.runAgeSeconds === 'number') this.set({ job: lease.job }, lease.runAgeSeconds);
      },
    });
  }
  if (storeReachable) new Gauge({ name: 'tripline_store_reachable', help: 'Whether the last lease round reached the store (1) or not (0)', registers: [registry], collect() { this.set(storeReachable() ? 1 : 0); } });
  if (outboxOldestDueSeconds) {
    new Gauge({ name: 'tripline_outbox_oldest_due_seconds', help: 'How long the longest-due pending desk delivery has waited past its due time', registers: [registry], collect() { this.set(outboxOldestDueSeconds()); } });
  }
  if (historyPassAgeSeconds) {
    new Gauge({
      name: 'tripline_history_pass_age_seconds',
      help: 'Seconds since the last history compaction and pruning pass ended on this collector (absent where it does not run)',
      registers: [registry],
      collect() {
        const age = historyPassAgeSeconds();
        // prom-client gives a gauge without labels a 0 after reset(): remove() leaves it without a
        // sample, so a collector where no pass has ended does not claim that one just did.
        if (age === null) this.remove();
        else this.set(age);
      },
    });
  }
}
