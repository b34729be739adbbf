/**
 * Wires the collector's parts: store, rules pipeline, incidents, outbox worker, HTTP API.
 * Parts receive their dependencies explicitly; nothing here is a module-level singleton.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Config } from '../config/configSchema.js';
import type { Rule } from '../rules/index.js';
import { createAlertPipeline, type AlertPipeline } from './alerting/alertPipeline.js';
import { createCrossHostJudge } from './alerting/crossHostJudge.js';
import { createMissedReportWatcher } from './alerting/missedReportWatcher.js';
import { systemClock, type Clock } from './clock.js';
import { createClusterStatus } from './clusterStatus.js';
import { createCollectorMetrics } from './collectorMetrics.js';
import { createDesk } from './desk/createDesk.js';
import { createDeskSyncWorker } from './desk/deskSyncWorker.js';
import { createOutboxWorker } from './desk/outboxWorker.js';
import { describeIncident } from './desk/ticketFacts.js';
import { createDeskRateLimits } from './desk/tokenBucket.js';
import { maintainHistory } from './history/historyMaintenance.js';
import { createHttpServer, type ServedRoute } from './http/httpServer.js';
import { createIncidentCore } from './incidents/incidentCore.js';
import { withIncidentChangeFeed } from './live/incidentChangeFeed.js';
import { createLiveEvents } from './live/liveEvents.js';
import { createReachabilityProber, systemPinger, type Pinger } from './incidents/reachabilityProber.js';
import { createReportIngestor } from './ingest/reportIngestor.js';
import { createLeadership, processHolder, type Leadership } from './leadership.js';
import { createAlertmanagerIntake } from './intake/alertmanagerIntake.js';
import { createOperations } from './operations/createOperations.js';
import { createPeriodicLoop, type PeriodicLoop } from './periodicLoop.js';
import { startupWarnings } from './startupWarnings.js';
import { ruleTicketFacts } from './services/priorityRecorder.js';
import { slaCalendar } from './services/businessCalendar.js';
import { createServiceWatcher } from './services/serviceWatcher.js';
import { createSlaWatcher } from './services/slaWatcher.js';
import { describeStore, openConfiguredStore } from './store/openStore.js';
import { databasePath, writeAheadLogBytes } from './store/sqlite/databasePath.js';
import type { Store } from './store/store.js';

export interface CollectorOptions {
  config: Config;
  rules: readonly Rule[];
  log: Logger;
  clock?: Clock;
  /** An admin token kept outside the config (`tripline start` makes one in the data directory), named `local-admin`. */
  localAdminToken?: string;
  /** How the collector pings silent hosts; the system ping by default. */
  pinger?: Pinger;
}

export interface RunningCollector {
  /** Base URL the API listens on, e.g. http://127.0.0.1:9470. */
  url: string;
  store: Store;
  /** Every route the API serves (method and URL pattern), HEAD ones included. */
  routes: readonly ServedRoute[];
  /** Which once-only jobs run here (the leases this collector holds). */
  leadership: Leadership;
  /** Swaps the rule set in place (SIGHUP / file change); rule state carries over by fingerprint. */
  replaceRules(rules: readonly Rule[]): void;
  /** Stops intake, finishes in-flight work, closes the database. */
  stop(): Promise<void>;
}

/**
 * How often history is compacted and pruned (each pass does only what is due), and how long after
 * the collector starts (or takes the job's lease) the first pass begins: not at once, when the
 * rule states are loading, the caches are cold and agents send what they kept while it was away,
 * which is the slowest minute of its ingest without a pass beside it (docs/performance-history.md, "Ingest while a pass runs").
 */
const HISTORY_INTERVAL_MS = 60_000;

export async function startCollector(options: CollectorOptions): Promise<RunningCollector> {
  const { config, log } = options;
  const clock = options.clock ?? systemClock;
  if (config.collector.agentTokens.length === 0 && config.collector.enrollmentTokens.length === 0) {
    throw new Error('no agent or enrollment tokens configured: set collector.agentTokens (TRIPLINE_AGENT_TOKENS) or collector.enrollmentTokens (TRIPLINE_ENROLLMENT_TOKENS)');
  }
  const tls = config.collector.tls && { cert: readFileSync(config.collector.tls.certFile), key: readFileSync(config.collector.tls.keyFile) };
  const liveEvents = createLiveEvents();
  // Every transaction that opens or changes an incident publishes it to the live bus once committed.
  // The write-ahead log's checkpoints run beside the event loop, not inside the commits that hold reports (walCheckpointer.ts).
  const checkpointThread = {
    fromHosts: config.collector.checkpointThreadHosts,
    onFailure: (error: Error) => log.warn({ err: error }, 'the checkpoint thread failed; commits checkpoint the write-ahead log again'),
  };
  const store = withIncidentChangeFeed(openConfiguredStore(config, { checkpointThread }), liveEvents, log.child({ component: 'live' }));
  const desks = new Map(config.desks.map((d) => [d.name, createDesk(d, clock)] as const));
  // The urgency and runbook of a rule are read from the rules in force when an incident opens.
  const ruleNamed = (name: string) => pipeline.rules().find((rule) => rule.name === name);
  const rules = { urgency: (name: string) => ruleNamed(name)?.urgency, facts: (name: string) => ruleTicketFacts(ruleNamed(name)) };
  const core = createIncidentCore({ store, config, clock, log: log.child({ component: 'incidents' }), rules });
  const { service: incidents, environment } = core;
  // This process's id among collectors sharing the store: it holds leases and writes rule states under it.
  const holder = processHolder();
  // On the shared PostgreSQL store a host's reports may land on any collector: each batch reads back its hosts' rule states.
  const sharedStates = config.store.postgres === undefined ? {} : { sharedStates: { holder } };
  // On PostgreSQL every collector delivers: each claims its own due outbox rows (Store.claimOutbox); SQLite's one collector runs it under the outbox lease.
  const sharedOutbox = config.store.postgres !== undefined;
  const pipeline: AlertPipeline = createAlertPipeline({
    rules: options.rules,
    initialStates: store.loadRuleStates(),
    incidents,
    log: log.child({ component: 'rules' }),
    ...sharedStates,
    // Called only after a commit, by then the metrics below exist.
    onStatesWritten: (reason, count) => metrics.ruleStatesWritten.inc({ reason }, count),
  });
  const metrics = createCollectorMetrics({
    activeIncidents: () => store.countIncidents('open') + store.countIncidents('acknowledged'),
    outboxPending: () => store.countOutbox('pending'),
    outboxDead: () => store.countOutbox('dead'),
    unhealthyRules: () => pipeline.health().filter((h) => !h.healthy).length,
    leases: () => leadership.status(),
    storeReachable: () => leadership.storeReachable(),
    outboxOldestDueSeconds: () => cluster.outboxOldestDueSeconds(),
    historyPassAgeSeconds: () => cluster.historyPassAgeSeconds(),
    ...(config.store.postgres === undefined ? { sqliteLogBytes: () => writeAheadLogBytes(databasePath(config.dataDir)) } : {}),
  });
  const ingestor = createReportIngestor({
    store,
    pipeline,
    clock,
    log: log.child({ component: 'ingest' }),
    metrics,
    maxDelayMs: config.collector.batch.maxDelay,
    maxReports: config.collector.batch.maxReports,
  });
  const slaWatcher = createSlaWatcher({ store, sla: config.priority.sla, calendar: slaCalendar(config), clock, log: log.child({ component: 'sla' }), intervalMs: config.collector.evaluationInterval, routeEscalation: core.routeEscalation });
  const serviceWatcher = createServiceWatcher({ store, catalogue: core.catalogue, priority: config.priority, clock, log: log.child({ component: 'services' }), intervalMs: config.collector.evaluationInterval });
  const missedReports = createMissedReportWatcher({ store, pipeline, clock, log, intervalMs: config.collector.evaluationInterval });
  // On PostgreSQL one collector judges the aggregate rules' groups over every collector's members; on SQLite each batch does.
  const crossHostJudge = createCrossHostJudge({ store, pipeline, clock, log: log.child({ component: 'rules' }) });
  const rateLimits = createDeskRateLimits(config.desks.map((d) => [d.name, d.rateLimitPerMinute] as const), clock);
  const worker = createOutboxWorker({
    store,
    desks,
    clock,
    log: log.child({ component: 'outbox' }),
    metrics,
    maxAttempts: config.delivery.maxAttempts,
    initialBackoffSeconds: config.delivery.initialBackoff / 1000,
    maxBackoffSeconds: config.delivery.maxBackoff / 1000,
    pollIntervalMs: config.delivery.pollInterval,
    coalesceWindowMs: config.delivery.coalesceWindow,
    holder,
    claimTimeoutMs: config.delivery.claimTimeout,
    sharedStore: sharedOutbox,
    rateLimits,
    describeIncident: (incident) => describeIncident({ store, classify: core.classify, publicUrl: config.collector.publicUrl }, incident),
  });
  const sync = createDeskSyncWorker({
    store,
    desks,
    clock,
    log: log.child({ component: 'desk-sync' }),
    policy: config.sync,
    intervalMs: config.sync.interval,
    lookbackMs: config.sync.lookback,
    rateLimits,
  });
  const prober = createReachabilityProber({
    store,
    incidents,
    environment,
    pinger: options.pinger ?? systemPinger,
    clock,
    log: log.child({ component: 'reachability' }),
    timeoutMs: config.incidents.reachability.pingTimeout,
    intervalMs: config.collector.evaluationInterval,
    settleMs: config.incidents.topology.settle,
  });
  const leadership = createLeadership({ store, clock, log: log.child({ component: 'leases' }), holder, ttlMs: config.collector.leases.ttl, renewMs: config.collector.leases.renewInterval });
  const cluster = createClusterStatus({ store, leadership, clock });
  let ready = true;
  const app = await createHttpServer({
    store,
    clock,
    ingestor,
    metrics,
    log,
    agentTokens: config.collector.agentTokens,
    enrollmentTokens: config.collector.enrollmentTokens,
    adminTokens: config.collector.adminTokens,
    ...(options.localAdminToken === undefined ? {} : { localAdminToken: options.localAdminToken }),
    viewerTokens: config.collector.viewerTokens,
    console: { enabled: config.collector.console.enabled, sessionTtlMs: config.collector.console.sessionTtl, signInFailuresPerMinute: config.collector.console.signInFailuresPerMinute },
    live: { events: liveEvents, maxStreams: config.collector.console.live.maxStreams, maxStreamsPerSession: config.collector.console.live.maxStreamsPerSession, heartbeatMs: config.collector.console.live.heartbeat },
    ...(tls ? { tls } : {}),
    maxBodyBytes: config.collector.maxBodyBytes,
    limits: config.collector.limits,
    sampleTimeWindow: { maxAheadMs: config.collector.intake.maxClockAhead, maxAgeMs: config.collector.intake.maxAge },
    isReady: () => ready,
    notReadyReason: () => (leadership.storeReachable() ? undefined : { status: 'store-unreachable', reason: 'the store could not be reached at the last lease round' }),
    cluster: () => cluster.status(),
    operations: createOperations({ store, config, clock, core, rawRetentionMs: config.collector.retention, rules: { rules: () => pipeline.rules(), health: () => pipeline.health() } }),
    operatorTokens: config.incidents.operatorTokens,
    statusPage: config.collector.statusPage,
    alertmanagerIntake: createAlertmanagerIntake({ store, incidents, clock, log: log.child({ component: 'alertmanager' }) }),
  });
  const pruning: PeriodicLoop = createPeriodicLoop({
    run: async () => {
      const result = await maintainHistory({
        store,
        clock,
        log: log.child({ component: 'history' }),
        compactAfterMs: config.collector.compactAfter,
        rawRetentionMs: config.collector.retention,
        rollupRetentionMs: config.collector.rollupRetention,
        // Also true when the lease was lost: leadership stops the loop (a long pass yields between steps).
        stopping: (): boolean => pruning.stopping(),
        onStep: (step, ms) => metrics.historyStepSeconds.observe({ step }, ms / 1000),
      });
      cluster.historyPassEnded();
      return result;
    },
    delayMs: HISTORY_INTERVAL_MS,
    firstDelayMs: HISTORY_INTERVAL_MS,
    log,
    failureMessage: 'compacting or pruning history failed',
  });

  leadership.bind('missed-reports', missedReports);
  leadership.bind('sla', slaWatcher);
  leadership.bind('services', serviceWatcher);
  leadership.bind('history', pruning);
  if (config.incidents.reachability.enabled) leadership.bind('reachability', prober);
  if (!sharedOutbox) leadership.bind('outbox', worker);
  if (config.store.postgres !== undefined) leadership.bind('aggregates', crossHostJudge);
  leadership.bind('desk-sync', sync);

  await app.listen({ host: config.collector.listen.host, port: config.collector.listen.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.collector.listen.port;
  const url = `${tls ? 'https' : 'http'}://${config.collector.listen.host.includes(':') ? `[${config.collector.listen.host}]` : config.collector.listen.host}:${port}`;
  await leadership.start();
  if (sharedOutbox) worker.start();
  for (const warning of startupWarnings(config)) {
    log.warn({ event: warning.event }, warning.text);
    // Loud: also on stderr as plain text, where a person starting it by hand looks.
    process.stderr.write(`WARNING: ${warning.text}\n`);
  }
  log.info({ url, rules: options.rules.length, desks: [...desks.keys()], database: describeStore(config), holder: leadership.holder }, 'collector listening');

  return {
    url,
    store,
    leadership,
    routes: app.servedRoutes,
    replaceRules: (rules) => {
      pipeline.replaceRules(rules);
      log.info({ rules: rules.length }, 'rules replaced');
    },
    async stop() {
      ready = false;
      // Stops the once-only jobs running here and releases their leases for another collector.
      await leadership.stop();
      // Rows claimed here and not yet called go back to the others at once (the rest run out with their claims).
      if (sharedOutbox) await worker.stop();
      await app.close();
      await ingestor.flush();
      // Rule states whose latest sample waits for a checkpoint are written now, so a clean stop loses nothing.
      store.transaction((tx) => pipeline.checkpoint(tx, clock.nowMs())).commit();
      store.close();
      log.info('collector stopped');
    },
  };
}
