/**
 * One report that fails while being stored fails alone: the ingestor stores a group commit whole,
 * and after a failure again with each report under a savepoint, so the others of the batch commit
 * and are acknowledged. The failure is
 * injected into the real SQLite store after the report's host row, series and chunk were written
 * (a full disk or a bug would fail there), so the savepoint must undo them. A report whose samples
 * are 30 days apart (which once overflowed the chunk's 32-bit offsets) is stored like any other.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createAlertPipeline } from '../../collector/alerting/alertPipeline.js';
import { createCollectorMetrics } from '../../collector/collectorMetrics.js';
import { incidentPolicy } from '../../collector/incidents/incidentPolicy.js';
import { createIncidentService } from '../../collector/incidents/incidentService.js';
import { createStoreEnvironment } from '../../collector/incidents/storeEnvironment.js';
import { createReportIngestor } from '../../collector/ingest/reportIngestor.js';
import { UnstorableReportError } from '../../collector/ingest/unstorableReportError.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { Store, StoreTransaction } from '../../collector/store/store.js';
import { REPORT_SCHEMA_VERSION, type Report } from '../../contract/report.js';
import { incidentsConfig } from '../support/lifecycleHarness.js';

const NOW = Date.UTC(2026, 0, 10, 12);
const DAY = 86_400_000;

function report(agent: string, sequence: number, observationTimes: number[]): Report {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    agent: { id: agent, hostname: `${agent}-host`, version: 'test', intervalSeconds: 15, labels: {} },
    sequence,
    sentAt: new Date(NOW).toISOString(),
    observations: observationTimes.map((at, i) => ({ metric: 'memory_used_ratio', labels: { n: String(i) }, value: 0.5, at: new Date(at).toISOString() })),
    checks: [],
  };
}

/** How the ingestor used the store: transactions begun, savepoints opened. */
const used = { transactions: 0, savepoints: 0 };

/** The store, but storing report 0 of agent `bad-disk` throws once everything of it is written. */
function failingFor(store: Store): Store {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'transaction') {
        return <T>(fn: (tx: StoreTransaction) => T) =>
          target.transaction((tx) =>
            fn({
              ...(used.transactions++, tx),
              savepoint: (inner) => {
                used.savepoints++;
                return tx.savepoint(inner);
              },
              insertReport: (record) => {
                const inserted = tx.insertReport(record);
                if (record.agentId === 'bad-disk' && record.sequence === 0) throw new Error('disk I/O error (injected)');
                return inserted;
              },
            }),
          );
      }
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('report isolation in a group commit', () => {
  let store: Store | undefined;
  afterEach(() => store?.close());

  it('stores every report of the batch but the one that cannot be stored, which is refused alone', async () => {
    store = openSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'tripline-isolation-')), 'tripline.db') });
    const log = pino({ level: 'silent' });
    const clock = { nowMs: () => NOW };
    const config = incidentsConfig();
    const incidents = createIncidentService({ route: () => ({ desks: [], reason: 'test' }), policy: incidentPolicy(config), environment: createStoreEnvironment(store, config, clock, 0), log });
    const pipeline = createAlertPipeline({ rules: [], initialStates: new Map(), incidents, log });
    const metrics = createCollectorMetrics({ activeIncidents: () => 0, outboxPending: () => 0, outboxDead: () => 0, unhealthyRules: () => 0 });
    const ingestor = createReportIngestor({ store: failingFor(store), pipeline, clock, log, metrics, maxDelayMs: 50, maxReports: 100 });

    // One batch (the ingestor waits 50 ms): a healthy report before and after the bad one, of other agents
    // and of the same agent, one whose samples are 30 days apart, and the one that fails.
    const outcomes = await Promise.allSettled([
      ingestor.submit(report('healthy-1', 0, [NOW])),
      ingestor.submit(report('bad-disk', 0, [NOW, NOW + 1000])),
      ingestor.submit(report('healthy-2', 0, [NOW - 1000, NOW])),
      ingestor.submit(report('bad-disk', 1, [NOW])),
      ingestor.submit(report('skewed', 0, [NOW, NOW + 30 * DAY])),
    ]);

    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    // Stored whole first, rolled back at the failure, then again with a savepoint per report.
    expect(used).toEqual({ transactions: 2, savepoints: 5 });
    const refusal = (outcomes[1] as PromiseRejectedResult).reason as Error;
    expect(refusal).toBeInstanceOf(UnstorableReportError);
    expect(refusal.message).toMatch(/report 0 of agent bad-disk could not be stored: disk I\/O error \(injected\)/);
    // The others committed: their hosts and samples are there; nothing of the refused report is.
    expect(store.listHosts().map((h) => [h.agentId, h.lastSequence]).sort()).toEqual([['bad-disk', 1], ['healthy-1', 0], ['healthy-2', 0], ['skewed', 0]]);
    expect(store.querySeries('memory_used_ratio', { host: 'healthy-2-host', n: '1' }, NOW - DAY, NOW + DAY)).toHaveLength(1);
    expect([...store.iterateSamples(0, NOW + 60 * DAY)].filter((s) => s.labels.host === 'bad-disk-host').map((s) => s.labels.n)).toEqual(['0']);
    expect([...store.iterateSamples(0, NOW + 60 * DAY)].filter((s) => s.labels.host === 'skewed-host').map((s) => s.atMs)).toEqual([NOW, NOW + 30 * DAY]);
    // The store keeps working after the rolled-back savepoint (its series ids were minted again); a
    // batch where every report can be stored takes one transaction and no savepoint.
    Object.assign(used, { transactions: 0, savepoints: 0 });
    await expect(ingestor.submit(report('healthy-1', 1, [NOW]))).resolves.toEqual({ sequence: 1, duplicate: false });
    expect(used).toEqual({ transactions: 1, savepoints: 0 });
    expect(store.querySeries('memory_used_ratio', { host: 'healthy-1-host', n: '0' }, NOW - DAY, NOW + DAY)).toHaveLength(2);
  });
});
