/**
 * Group commit for reports: reports that arrive within `maxDelayMs` of each other (or, with 0,
 * within one turn of the event loop, which under load gathers many) share one transaction (store + rule state + incidents + outbox) and one durable commit; each report's
 * promise settles only after that commit, so an acknowledgement always means "stored". Each report is
 * stored under a savepoint of its own: one that fails while being stored (which validation should
 * have made impossible) is rolled back and refused alone with an UnstorableReportError, and the
 * others of its batch commit.
 */
import type { Logger } from 'pino';
import type { Report, ReportAck } from '../../contract/report.js';
import type { SeriesSample } from '../../rules/index.js';
import type { AlertPipeline } from '../alerting/alertPipeline.js';
import type { Clock } from '../clock.js';
import type { CollectorMetrics } from '../collectorMetrics.js';
import type { ReportRecord, Store } from '../store/store.js';
import { reportToRecord } from './reportToRecord.js';
import { SeriesKeyTemplates } from './seriesKeyTemplates.js';
import { UnstorableReportError } from './unstorableReportError.js';
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
  const seriesKeys = new SeriesKeyTemplates();
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
        const batchAcks: Array<ReportAck | UnstorableReportError> = [];
        let storedCount = 0;
        for (const { report } of batch) {
          let record: ReportRecord;
          let inserted: boolean;
          try {
            record = reportToRecord(report, nowMs, seriesKeys);
            inserted = tx.savepoint(() => tx.insertReport(record));
          } catch (error) {
            batchAcks.push(new UnstorableReportError(report, error));
            continue;
          }
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
      batch.forEach((p, i) => {
        const ack = acks[i]!;
        if (!(ack instanceof UnstorableReportError)) return p.resolve(ack);
        options.log.warn({ err: ack.cause, agentId: p.report.agent.id, sequence: p.report.sequence }, 'report could not be stored; refused alone');
        p.reject(ack);
      });
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
