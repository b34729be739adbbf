/**
 * A parsed report is let go of once its record is made: neither the ingestor (for the rest of the
 * group commit: the transaction, the rules' evaluation, the commit) nor the report route (while the
 * request waits for its acknowledgement) keeps it reachable, so that it dies young rather than being
 * promoted to V8's old generation with the rest of the batch (reportIngestor.ts, recordsOf).
 * Checked with weak references and forced collections (`--expose-gc` set at run time).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/loadConfig.js';
import { createAlertPipeline } from '../../collector/alerting/alertPipeline.js';
import { createCollectorMetrics } from '../../collector/collectorMetrics.js';
import { createHttpServer } from '../../collector/http/httpServer.js';
import { incidentPolicy } from '../../collector/incidents/incidentPolicy.js';
import { createIncidentService } from '../../collector/incidents/incidentService.js';
import { createStoreEnvironment } from '../../collector/incidents/storeEnvironment.js';
import { createReportIngestor, type ReportIngestor } from '../../collector/ingest/reportIngestor.js';
import { createLiveEvents } from '../../collector/live/liveEvents.js';
import type { Operations } from '../../collector/operations/createOperations.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { Store } from '../../collector/store/store.js';
import { REPORT_SCHEMA_VERSION, REPORTS_PATH, type Report, type ReportAck } from '../../contract/report.js';
import type { IngestReport } from '../../collector/ingest/seriesSets.js';
import { incidentsConfig } from '../support/lifecycleHarness.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const TOKEN = 'release-test-token-0123456789';

function report(agent: string, sequence: number): Report {
  const at = new Date().toISOString();
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    agent: { id: agent, hostname: `${agent}-host`, version: 'test', intervalSeconds: 15, labels: { group: 'web' } },
    sequence,
    sentAt: at,
    observations: [{ metric: 'filesystem_used_ratio', labels: { mount: '/' }, value: 0.5, at }],
    checks: [{ name: 'ntp', status: 'ok', output: 'in sync', durationSeconds: 0.1, at }],
  };
}

const metrics = () => createCollectorMetrics({ activeIncidents: () => 0, outboxPending: () => 0, outboxDead: () => 0, unhealthyRules: () => 0 });

describe('a parsed report is let go of once its record is made', () => {
  let store: Store | undefined;
  afterEach(() => store?.close());
  const openStore = () => (store = openSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'tripline-release-')), 'tripline.db') }));

  it('by the ingestor: no report of a batch is reachable through its transaction, and every one is acknowledged', async () => {
    const sqlite = openStore();
    const log = pino({ level: 'silent' });
    const clock = { nowMs: () => Date.now() };
    const config = incidentsConfig();
    const incidents = createIncidentService({ route: () => ({ desks: [], reason: 'test' }), policy: incidentPolicy(config), environment: createStoreEnvironment(sqlite, config, clock, 0), log });
    const pipeline = createAlertPipeline({ rules: [], initialStates: new Map(), incidents, log });
    const alive: boolean[][] = [];
    let refs: Array<WeakRef<Report>> = [];
    // The store, but each transaction first collects garbage and notes which reports are still alive.
    const watched = new Proxy(sqlite, {
      get(target, property) {
        if (property === 'transaction') {
          return <T>(fn: Parameters<Store['transaction']>[0]) => {
            gc();
            alive.push(refs.map((ref) => ref.deref() !== undefined));
            return target.transaction(fn as never) as T;
          };
        }
        const value = Reflect.get(target, property) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const ingestor = createReportIngestor({ store: watched, pipeline, clock, log, metrics: metrics(), maxDelayMs: 20, maxReports: 100 });
    // Submitted from a function of its own, so that no variable of the test holds a report.
    const submitted = (agent: string, sequence: number): Promise<ReportAck> => {
      const sent = report(agent, sequence);
      refs.push(new WeakRef(sent));
      return ingestor.submit(sent);
    };

    const acks = await Promise.all([submitted('a', 0), submitted('b', 0), submitted('a', 0)]);
    expect(acks).toEqual([
      { sequence: 0, duplicate: false },
      { sequence: 0, duplicate: false },
      { sequence: 0, duplicate: true },
    ]);
    expect(alive).toEqual([[false, false, false]]);
    expect(sqlite.listHosts().map((h) => h.agentId).sort()).toEqual(['a', 'b']);

    // A report that cannot be made into a record is refused with its agent and sequence, and let go of too.
    refs = [];
    const broken = (): Promise<ReportAck> => {
      const sent = { ...report('c', 4), observations: null } as unknown as Report;
      refs.push(new WeakRef(sent));
      return ingestor.submit(sent);
    };
    await expect(Promise.all([broken(), submitted('b', 1)])).rejects.toThrow(/^report 4 of agent c could not be stored: /);
    expect(alive.at(-1)).toEqual([false, false]);
  });

  it('by the report route: the report is collectable while its request waits for the acknowledgement', async () => {
    const sqlite = openStore();
    const { config } = loadConfig(undefined, {});
    let ref: WeakRef<IngestReport> | undefined;
    let collectedWhileWaiting: boolean | undefined;
    // An ingestor that holds nothing of the report (as the real one once the record is made) and
    // acknowledges on a later turn of the event loop, after a collection.
    const ingestor: ReportIngestor = {
      submit(submittedReport) {
        ref = new WeakRef(submittedReport);
        const { sequence } = submittedReport;
        return new Promise((resolve) =>
          setTimeout(() => {
            gc();
            collectedWhileWaiting = ref!.deref() === undefined;
            resolve({ sequence, duplicate: false });
          }, 10),
        );
      },
      flush: async () => {},
    };
    const app = await createHttpServer({
      store: sqlite,
      operations: {} as Operations,
      operatorTokens: [],
      clock: { nowMs: () => Date.now() },
      ingestor,
      metrics: metrics(),
      log: pino({ level: 'silent' }),
      agentTokens: [TOKEN],
      live: { events: createLiveEvents(), maxStreams: 1, maxStreamsPerSession: 1, heartbeatMs: 60_000 },
      maxBodyBytes: 64 * 1024,
      limits: config.collector.limits,
      sampleTimeWindow: { maxAheadMs: 60_000, maxAgeMs: 86_400_000 },
      isReady: () => true,
    });
    try {
      const answer = await app.inject({
        method: 'POST',
        url: REPORTS_PATH,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
        payload: gzipSync(JSON.stringify(report('agent-route', 7))),
      });
      expect(answer.statusCode).toBe(200);
      expect(answer.json()).toEqual({ sequence: 7, duplicate: false });
      expect(collectedWhileWaiting).toBe(true);
    } finally {
      await app.close();
    }
  });
});
