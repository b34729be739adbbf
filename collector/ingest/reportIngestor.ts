/**
 * Group commit for reports: reports that arrive within `maxDelayMs` of each other (or, with 0,
 * within one turn of the event loop, which under load gathers many) share one transaction (store + rule state + incidents + outbox) and one durable commit; each report's
 * promise settles only after that commit, so an acknowledgement always means "stored".
 */
import type { Logger } from 'pino';
import type { Report, ReportAck } from '../../contract/report.js';
import type { SeriesSample } from '../../rules/index.js';
import type { AlertPipeline } from '../alerting/alertPipeline.js';
import type { Clock } from '../clock.js';
import type { CollectorMetrics } from '../collectorMetrics.js';
import type { Store } from '../store/store.js';
import { reportToRecord } from './reportToRecord.js';
import { AGENT_MISSED_REPORTS_METRIC } from '../alerting/missedReportWatcher.js';

export interface ReportIngestorOptions {
  store: Store;
  pipeline: AlertPipeline;
  clock: Clock;
  log: Logger;
  metrics: CollectorMetrics;
  maxDelayMs: number;
  maxReports: number;
}

export interface ReportIngestor {
  submit(report: Report): Promise<ReportAck>;
  /** Commits whatever is waiting, and waits for it. */
  flush(): Promise<void>;
}

interface Pending {
  report: Report;
  resolve(ack: ReportAck): void;
  reject(error: unknown): void;
}

export function createReportIngestor(options: ReportIngestorOptions): ReportIngestor {
  let queue: Pending[] = [];
  let timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  const cancel = () => {
    if (timer === undefined) return;
    if (options.maxDelayMs > 0) clearTimeout(timer as NodeJS.Timeout);
    else clearImmediate(timer as NodeJS.Immediate);
    timer = undefined;
  };

  const commitBatch = (): void => {
    cancel();
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    const nowMs = options.clock.nowMs();
    try {
      const { acks, commit, stored } = options.store.transaction((tx) => {
        const samples: SeriesSample[] = [];
        const batchAcks: ReportAck[] = [];
        let storedCount = 0;
        for (const { report } of batch) {
          const record = reportToRecord(report, nowMs);
          const inserted = tx.insertReport(record);
          batchAcks.push({ sequence: report.sequence, duplicate: !inserted });
          if (!inserted) continue;
          storedCount += record.samples.length;
          for (const s of record.samples) samples.push(s);
          samples.push({ metric: AGENT_MISSED_REPORTS_METRIC, labels: { ...record.labels, host: record.hostname }, value: 0, atMs: nowMs });
        }
        const processed = options.pipeline.process(tx, samples, nowMs);
        return { acks: batchAcks, commit: processed.commit, stored: storedCount };
      });
      commit();
      options.metrics.observationsStored.inc(stored);
      options.metrics.ingestBatchReports.observe(batch.length);
      batch.forEach((p, i) => p.resolve(acks[i]!));
    } catch (error) {
      options.log.error({ err: error, reports: batch.length }, 'ingest batch failed');
      for (const p of batch) p.reject(error);
    }
  };

  return {
    submit(report) {
      return new Promise<ReportAck>((resolve, reject) => {
        queue.push({ report, resolve, reject });
        if (queue.length >= options.maxReports) commitBatch();
        // With no delay, everything parsed in this turn of the event loop shares the next commit.
        else timer ??= options.maxDelayMs > 0 ? setTimeout(commitBatch, options.maxDelayMs) : setImmediate(commitBatch);
      });
    },
    async flush() {
      commitBatch();
    },
  };
}
