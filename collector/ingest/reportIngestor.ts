/**
 * Group commit for reports: reports that arrive within `maxDelayMs` of each other (or, with 0,
 * within one turn of the event loop, which under load gathers many) share one transaction (store + rule state + incidents + outbox) and one durable commit; each report's
 * promise settles only after that commit, so an acknowledgement always means "stored". A report that
 * fails while being stored (which validation should have made impossible) is refused alone with an
 * UnstorableReportError, and the others of its batch commit: the batch is first stored without a
 * savepoint per report (a SAVEPOINT and a RELEASE a report, about 1 % of ingest's CPU); if one
 * fails, that transaction is rolled back whole and the batch stored again, each report under a
 * savepoint of its own, so that the failing one is rolled back alone.
 */
import type { Logger } from 'pino';
import type { ReportAck } from '../../contract/report.js';
import type { IngestReport } from './seriesSets.js';
import type { SeriesSample } from '../../rules/index.js';
import type { AlertPipeline } from '../alerting/alertPipeline.js';
import type { Clock } from '../clock.js';
import type { CollectorMetrics } from '../collectorMetrics.js';
import type { ReportRecord, Store } from '../store/store.js';
import { labelsWithHost, reportToRecord } from './reportToRecord.js';
import { SeriesKeyTemplates } from './seriesKeyTemplates.js';
import { UnstorableReportError } from './unstorableReportError.js';
import { AGENT_MISSED_REPORTS_METRIC } from '../alerting/missedReportWatcher.js';
import { canonicalLabels } from '../../contract/labels.js';

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
  /** A report with its observations, or of values against a series set (seriesSets.ts). */
  submit(report: IngestReport): Promise<ReportAck>;
  /** Commits whatever is waiting, and waits for it. */
  flush(): Promise<void>;
}

interface Pending {
  /** The report until commitBatch has made its record (recordsOf), then undefined. */
  report: IngestReport | undefined;
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
    // Made once for both attempts: the record of a report that cannot be made is its refusal.
    const records = recordsOf(batch, nowMs, seriesKeys);
    const store = (isolated: boolean) =>
      options.store.transaction((tx) => {
        // Sized once for every report's samples and its missed-report sample: pushed one by one, the
        // array of a batch's 1,500-odd samples was copied as it grew.
        const samples = new Array<SeriesSample>(sampleCount(records));
        let sampled = 0;
        const batchAcks: Array<ReportAck | UnstorableReportError> = [];
        let storedCount = 0;
        // Whether no two samples are of one series (EvaluateOptions.seriesOnce): each report's series once, and no host twice.
        const hosts = new Set<string>();
        let seriesOnce = true;
        records.forEach((record) => {
          if (record instanceof UnstorableReportError) return batchAcks.push(record);
          let inserted: boolean;
          try {
            inserted = isolated ? tx.savepoint(() => tx.insertReport(record)) : tx.insertReport(record);
          } catch (error) {
            if (!isolated) throw new IsolateReports(error);
            return batchAcks.push(new UnstorableReportError(record, error));
          }
          batchAcks.push({ sequence: record.sequence, duplicate: !inserted });
          if (!inserted) return;
          storedCount += record.samples.length;
          if (record.seriesOnce !== true || hosts.has(record.hostname)) seriesOnce = false;
          hosts.add(record.hostname);
          for (const s of record.samples) samples[sampled++] = s;
          // Every field present, as in the report's own samples (reportToRecord.ts): one object layout for the engine.
          const labels = labelsWithHost(record.labels, record.hostname);
          samples[sampled++] = { metric: AGENT_MISSED_REPORTS_METRIC, labels, value: 0, atMs: nowMs, text: undefined, intervalMs: undefined, seriesKey: hostSeriesKey(record.labels, record.hostname, labels) };
        });
        // Fewer when a report was a duplicate or refused.
        samples.length = sampled;
        const processed = options.pipeline.process(tx, samples, nowMs, { seriesOnce });
        return { acks: batchAcks, commit: processed.commit, stored: storedCount };
      });
    try {
      let stored: ReturnType<typeof store>;
      try {
        stored = store(false);
      } catch (error) {
        if (!(error instanceof IsolateReports)) throw error;
        stored = store(true);
      }
      const { acks, commit } = stored;
      commit();
      options.metrics.observationsStored.inc(stored.stored);
      options.metrics.ingestBatchReports.observe(batch.length);
      batch.forEach((p, i) => {
        const ack = acks[i]!;
        if (!(ack instanceof UnstorableReportError)) return p.resolve(ack);
        options.log.warn({ err: ack.cause, agentId: ack.agentId, sequence: ack.sequence }, 'report could not be stored; refused alone');
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

/**
 * The record of each report of `batch` (or its refusal, when none can be made), letting go of the
 * reports: what the store and the rules engine read is in the records, and a parsed report (a few
 * hundred objects and strings, 10 kB and more) that stayed reachable through the transaction, the
 * rules' evaluation and the commit lived through the young generation's collections in that time,
 * and was copied into the old generation only to die there (bench/ingest.ts at 50,000 agents:
 * most of the bytes promoted were JSON.parse's). The HTTP route lets go of its body likewise.
 */
function recordsOf(batch: readonly Pending[], nowMs: number, seriesKeys: SeriesKeyTemplates): Array<ReportRecord | UnstorableReportError> {
  return batch.map((pending) => {
    const report = pending.report!;
    pending.report = undefined;
    try {
      return reportToRecord(report, nowMs, seriesKeys);
    } catch (error) {
      return new UnstorableReportError({ agentId: report.agent.id, sequence: report.sequence }, error);
    }
  });
}

/** How many samples the reports of `records` bring to the rules engine at most: their own, and one missed-report sample each. */
function sampleCount(records: ReadonlyArray<ReportRecord | UnstorableReportError>): number {
  let count = 0;
  for (const record of records) if (!(record instanceof UnstorableReportError)) count += record.samples.length + 1;
  return count;
}

/**
 * The series key (canonical labels) of a host's own series, whose labels are `merged`: the agent's
 * `labels` and `host`. Written without sorting for an agent without labels (most of them), where the
 * rules engine would otherwise canonicalise it for every report.
 */
function hostSeriesKey(labels: Readonly<Record<string, string>>, hostname: string, merged: Readonly<Record<string, string>>): string {
  for (const _ in labels) return canonicalLabels(merged);
  // Joined into one flat string, as canonicalLabels does: the rule-state index keeps the key of each host's state.
  return ['{"host":', JSON.stringify(hostname), '}'].join('');
}

/** A report of a batch stored without savepoints failed: the batch is rolled back and stored again, each report under its own. */
class IsolateReports extends Error {
  constructor(cause: unknown) {
    super('a report of the batch could not be stored', { cause });
  }
}
