/**
 * A report ingestor over a real store whose alert pipeline only keeps what it is handed: each group
 * commit's samples, for tests of what ingest gives the rules engine.
 */
import { pino } from 'pino';
import type { AlertPipeline } from '../../collector/alerting/alertPipeline.js';
import { createCollectorMetrics } from '../../collector/collectorMetrics.js';
import { createReportIngestor, type ReportIngestor } from '../../collector/ingest/reportIngestor.js';
import type { Store } from '../../collector/store/store.js';
import type { SeriesSample } from '../../rules/index.js';

export function capturingIngestor(store: Store, nowMs: number, maxDelayMs: number): { ingestor: ReportIngestor; batches: SeriesSample[][] } {
  const batches: SeriesSample[][] = [];
  const pipeline = {
    process: (_tx: unknown, samples: readonly SeriesSample[]) => {
      batches.push([...samples]);
      return { changes: {}, commit: () => {} };
    },
  } as unknown as AlertPipeline;
  const metrics = createCollectorMetrics({ activeIncidents: () => 0, outboxPending: () => 0, outboxDead: () => 0, unhealthyRules: () => 0 });
  const ingestor = createReportIngestor({ store, pipeline, clock: { nowMs: () => nowMs }, log: pino({ level: 'silent' }), metrics, maxDelayMs, maxReports: 100 });
  return { ingestor, batches };
}
