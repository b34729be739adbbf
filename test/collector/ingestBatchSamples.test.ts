/**
 * What the ingestor hands the rules engine for a group commit: every stored report's samples, then
 * its missed-report sample (`agent_missed_reports` 0, the host's own labels) with the series key
 * the engine groups by, written without sorting for an agent without labels; nothing of a report
 * that was a duplicate, and no gap where one would have been. The batch is said to have each series
 * once (EvaluateOptions.seriesOnce) only when it has: no host twice, no report with a series twice.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertPipeline } from '../../collector/alerting/alertPipeline.js';
import { createCollectorMetrics } from '../../collector/collectorMetrics.js';
import { createReportIngestor } from '../../collector/ingest/reportIngestor.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { Store } from '../../collector/store/store.js';
import { canonicalLabels } from '../../contract/labels.js';
import { capturingIngestor } from '../support/capturingIngestor.js';
import { REPORT_SCHEMA_VERSION, type Report } from '../../contract/report.js';
import type { EvaluateOptions, SeriesSample } from '../../rules/index.js';

const NOW = Date.UTC(2026, 0, 10, 12);

function report(agentId: string, hostname: string, labels: Record<string, string>, sequence: number): Report {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    agent: { id: agentId, hostname, version: 'test', intervalSeconds: 15, labels },
    sequence,
    sentAt: new Date(NOW).toISOString(),
    observations: [
      { metric: 'load1', labels: {}, value: 0.5, at: new Date(NOW).toISOString() },
      { metric: 'filesystem_used_ratio', labels: { mount: '/', host: 'ignored' }, value: 0.25, at: new Date(NOW).toISOString() },
    ],
    checks: [{ name: 'ntp', status: 'ok', output: 'NTP OK', durationSeconds: 0.01, at: new Date(NOW).toISOString() }],
  };
}

describe("the samples of a group commit's reports", () => {
  let store: Store | undefined;
  afterEach(() => store?.close());

  it('are every stored report’s samples and its missed-report sample, keyed as the engine would key them', async () => {
    store = openSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'tripline-batch-samples-')), 'tripline.db') });
    const { ingestor, batches } = capturingIngestor(store, NOW, 50);

    const hosts: Array<[string, string, Record<string, string>]> = [
      ['a1', 'web-1', {}],
      ['a2', 'db "quoted" \u00e9\\1', {}],
      ['a3', 'edge-1', { zone: 'b', role: 'edge', host: 'not-the-host' }],
    ];
    await Promise.all(hosts.map(([id, hostname, labels]) => ingestor.submit(report(id, hostname, labels, 1))));
    // Two more in the next batch: a1's report again (a duplicate: it brings no sample) and a2's next.
    await Promise.all([ingestor.submit(report('a1', 'web-1', {}, 1)), ingestor.submit(report('a2', hosts[1]![1], {}, 2))]);

    expect(batches.map((b) => b.length)).toEqual([3 * 4, 4]);
    for (const batch of batches) {
      for (const sample of batch) {
        expect(sample).toBeDefined();
        // Every sample a key, and the key the engine would make of its labels.
        expect(sample.seriesKey).toBe(canonicalLabels(sample.labels));
      }
    }
    const missed = batches.flat().filter((s) => s.metric === 'agent_missed_reports');
    expect(missed.map((s) => [s.labels, s.value, s.atMs])).toEqual([
      [{ host: 'web-1' }, 0, NOW],
      [{ host: hosts[1]![1] }, 0, NOW],
      [{ zone: 'b', role: 'edge', host: 'edge-1' }, 0, NOW],
      [{ host: hosts[1]![1] }, 0, NOW],
    ]);
    // The missed-report sample follows its own report's samples.
    expect(batches[1]!.map((s) => [s.metric, s.labels.host])).toEqual([
      ['load1', hosts[1]![1]],
      ['filesystem_used_ratio', hosts[1]![1]],
      ['check_status', hosts[1]![1]],
      ['agent_missed_reports', hosts[1]![1]],
    ]);
  });

  it('are said to be each of its own series only when no host and no series of a report comes twice', async () => {
    store = openSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'tripline-batch-samples-')), 'tripline.db') });
    const told: Array<boolean | undefined> = [];
    const pipeline = {
      process: (_tx: unknown, _samples: readonly SeriesSample[], _nowMs: number, options?: EvaluateOptions) => {
        told.push(options?.seriesOnce);
        return { changes: {}, commit: () => {} };
      },
    } as unknown as AlertPipeline;
    const metrics = createCollectorMetrics({ activeIncidents: () => 0, outboxPending: () => 0, outboxDead: () => 0, unhealthyRules: () => 0 });
    const ingestor = createReportIngestor({ store, pipeline, clock: { nowMs: () => NOW }, log: pino({ level: 'silent' }), metrics, maxDelayMs: 50, maxReports: 100 });
    // Three hosts, once each.
    await Promise.all([ingestor.submit(report('a1', 'web-1', {}, 1)), ingestor.submit(report('a2', 'web-2', {}, 1)), ingestor.submit(report('a3', 'web-3', {}, 1))]);
    // Two reports of one host (its next two) in one batch.
    await Promise.all([ingestor.submit(report('a1', 'web-1', {}, 2)), ingestor.submit(report('a1', 'web-1', {}, 3)), ingestor.submit(report('a2', 'web-2', {}, 2))]);
    // Two agents that call themselves by one host name.
    await Promise.all([ingestor.submit(report('a4', 'web-1', {}, 1)), ingestor.submit(report('a1', 'web-1', {}, 4))]);
    // A report whose observations repeat a series, beside a plain one.
    const repeating = report('a2', 'web-2', {}, 3);
    repeating.observations.push({ ...repeating.observations[0]! });
    await Promise.all([ingestor.submit(repeating), ingestor.submit(report('a3', 'web-3', {}, 2))]);
    // A host once again, and a duplicate (stored already: it brings no sample) beside another host.
    await Promise.all([ingestor.submit(report('a1', 'web-1', {}, 5)), ingestor.submit(report('a3', 'web-3', {}, 2)), ingestor.submit(report('a2', 'web-2', {}, 4))]);
    expect(told).toEqual([true, false, false, false, true]);
  });
});
