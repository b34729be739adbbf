/**
 * The collector's HTTP API (fastify): report intake, read endpoints, health and metrics.
 * Every error answers `{ "error": { "code", "message", "path"? } }` from the catalogue in apiErrors.ts.
 */
import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, type RequestPayload } from 'fastify';
import { createGunzip, type Gunzip } from 'node:zlib';
import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import { REPORTS_PATH, ReportAckSchema, ReportSchema, schemaVersionProblem, type WireReport } from '../../contract/report.js';
import type { CollectorConfig } from '../../config/configSchema.js';
import type { Clock } from '../clock.js';
import type { CollectorMetrics } from '../collectorMetrics.js';
import type { ReportIngestor } from '../ingest/reportIngestor.js';
import type { AlertmanagerIntake } from '../intake/alertmanagerIntake.js';
import type { LiveEvents } from '../live/liveEvents.js';
import { sampleTimeProblem, type SampleTimeWindow } from '../ingest/sampleTimeWindow.js';
import { UnstorableReportError } from '../ingest/unstorableReportError.js';
import { SeriesSetRegistry, type IngestReport } from '../ingest/seriesSets.js';
import type { Operations } from '../operations/createOperations.js';
import type { Store } from '../store/store.js';
import { createReportAuthenticator, type ReportAuth } from './agentAuthenticator.js';
import { createAccessControl } from './accessControl.js';
import { createApiAuthenticator, principalOf, registerApiAccess } from './apiAccess.js';
import { registerAgentRoutes } from './agentRoutes.js';
import { registerConsoleRoutes } from './consoleRoutes.js';
import { createConsoleSessions } from './consoleSessions.js';
import { answerClientError, ApiError, handleApiError, sendApiError } from './apiErrors.js';
import { createReportBodyValidatorCompiler } from './reportBodyValidator.js';
import { ErrorSchema } from './apiSchemas.js';
import { registerDeliveryRoutes } from './deliveryRoutes.js';
import { registerHistoryRoutes } from './historyRoutes.js';
import { registerPrometheusRoutes } from './prometheusRoutes.js';
import { registerIncidentRoutes } from './incidentRoutes.js';
import { registerGracefulClose } from './gracefulClose.js';
import { registerIntakeRoutes } from './intakeRoutes.js';
import { registerLiveRoutes } from './liveRoutes.js';
import { registerStatusRoutes } from './statusRoutes.js';
import { registerReadRoutes } from './readRoutes.js';
import { registerRuleRoutes } from './ruleRoutes.js';
import { registerTokenRoutes } from './tokenRoutes.js';
import { reportIdentityProblem } from './reportIdentity.js';
import { createReportRateLimiter } from './reportRateLimiter.js';
import { isJsonBody, registerStrictJsonParser } from './strictJsonParser.js';
import { registerUnreadBodyDrain } from './unreadBodyDrain.js';
import { registerClusterRoutes } from './clusterRoutes.js';
import { lazyRequestLogger } from './lazyRequestLogger.js';
import type { ClusterStatus } from '../clusterStatus.js';

export interface HttpServerOptions {
  store: Store;
  /** The operator actions the read, incident, delivery and agent routes call. */
  operations: Operations;
  /** Tokens of the operator actions (incidents.operatorTokens). */
  operatorTokens: readonly string[];
  clock: Clock;
  ingestor: ReportIngestor;
  metrics: CollectorMetrics;
  log: Logger;
  agentTokens: readonly string[];
  /** Tokens agents enrol with (POST /api/v1/enroll). */
  enrollmentTokens?: readonly string[];
  /** An admin token named `local-admin` (the one `tripline start` keeps in the data directory). */
  localAdminToken?: string;
  /** Config tokens with the admin role (collector.adminTokens). */
  adminTokens?: readonly string[];
  /** Tokens that sign in to the console as viewers. */
  viewerTokens?: readonly string[];
  /** The web console: whether to serve its files, where they are, how long a sign-in lasts. */
  console?: { enabled: boolean; directory?: string; sessionTtlMs: number; signInFailuresPerMinute?: number };
  /** The live changes GET /api/v1/events streams, and its limits (collector.console.live). */
  live: { events: LiveEvents; maxStreams: number; maxStreamsPerSession: number; heartbeatMs: number };
  /** PEM certificate and key: the API is served over HTTPS. */
  tls?: { cert: Buffer; key: Buffer };
  maxBodyBytes: number;
  /** Timeouts, connection and report limits (collector.limits). */
  limits: CollectorConfig['limits'];
  /** The sample times a report may carry around the collector clock (collector.intake). */
  sampleTimeWindow: SampleTimeWindow;
  /** False once shutdown began: /readyz answers 503 and new reports are refused. */
  isReady(): boolean;
  /** Why this collector cannot serve though it runs (the store is unreachable); undefined when it can. */
  notReadyReason?(): { status: string; reason: string } | undefined;
  /** `GET /api/v1/cluster`: this collector's leases, store reachability and lag; no route without it. */
  cluster?(): ClusterStatus;
  /** `collector.statusPage`: the public status page at /status; off when absent. */
  statusPage?: { enabled: boolean; title: string };
  /** Takes Alertmanager's webhook notifications at /api/v1/intake/alertmanager; no route without it. */
  alertmanagerIntake?: AlertmanagerIntake;
}

/** A route the API serves: its method and URL pattern (`/api/v1/incidents/:id`). */
export interface ServedRoute {
  method: string;
  url: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered, in order: what the auth matrix test walks, so no route escapes it. */
    servedRoutes: readonly ServedRoute[];
  }
  // Fields of every request rather than WeakMaps keyed by it: a WeakMap entry costs each request about
  // a microsecond more, most of it in the garbage collector's handling of weak keys.
  interface FastifyRequest {
    /** When the request's headers were read (process.hrtime.bigint()), for Server-Timing; null before. */
    receivedAtNs: bigint | null;
    /** Who presented a report: a shared token or an enrolled agent (for the identity check); null on other routes. */
    reportPresenter: Exclude<ReportAuth, { kind: 'revoked' }> | null;
  }
}

export async function createHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const { limits } = options;
  // Node checks its header and request timeouts every connectionsCheckingInterval (30 s by default): every second here.
  const serverTimeouts = { headersTimeout: limits.headersTimeout, requestTimeout: limits.requestTimeout, connectionsCheckingInterval: 1000 };
  const app = Fastify({
    ...(options.tls === undefined ? { http: serverTimeouts } : { https: { cert: options.tls.cert, key: options.tls.key, ...serverTimeouts } }),
    requestTimeout: limits.requestTimeout,
    keepAliveTimeout: limits.idleTimeout,
    loggerInstance: options.log.child({ component: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLogger,
    bodyLimit: options.maxBodyBytes,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true, useDefaults: false } },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    clientErrorHandler: answerClientError,
  });
  app.server.maxConnections = limits.maxConnections;
  const served: ServedRoute[] = [];
  app.decorate('servedRoutes', served);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) served.push({ method, url: route.url });
  });
  app.setErrorHandler(handleApiError);
  registerGracefulClose(app);
  registerServerTiming(app);
  registerBodyEncodings(app);
  registerStrictJsonParser(app);
  registerUnreadBodyDrain(app, options.maxBodyBytes);
  app.setNotFoundHandler((request, reply) => {
    void sendApiError(reply, 'TRIPLINE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Tripline collector API', version: 'v1', description: 'Agent intake, hosts, incidents. Errors: see the README "API errors" table.' },
      components: { securitySchemes: { agentToken: { type: 'http', scheme: 'bearer' } } },
    },
  });
  const nowMs = () => options.clock.nowMs();
  const sessions = createConsoleSessions({ store: options.store, nowMs, ttlMs: options.console?.sessionTtlMs ?? 12 * 3_600_000 });
  const authenticateApi = createApiAuthenticator(options.store, {
    viewerTokens: options.viewerTokens ?? [],
    operatorTokens: options.operatorTokens,
    adminTokens: options.adminTokens ?? [],
    ...(options.localAdminToken === undefined ? {} : { localAdminToken: options.localAdminToken }),
  });
  const access = createAccessControl({ authenticate: authenticateApi, sessions });
  const operationsFor = registerApiAccess(app, { store: options.store, clock: options.clock, operations: options.operations, access });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/api/v1/whoami', { schema: { summary: "The presented token's name and role (or the console session's)" } }, async (request) => principalOf(request));
  registerTokenRoutes(app, options.operations, operationsFor);

  const { clock } = options;
  const rateLimiter = createReportRateLimiter(limits.reportsPerMinute, clock);
  let reportsInProgress = 0;
  /** Listens for the end of each report request (a response closes once), one function for all of them. */
  const reportClosed = () => {
    reportsInProgress -= 1;
  };
  const authenticate = createReportAuthenticator(options.agentTokens, options.store);
  /** The series sets this process has named (seriesSets.ts): memory only; another process answers a report against one with a 409. */
  const seriesSets = new SeriesSetRegistry();
  new Gauge({ name: 'tripline_series_sets', help: 'Series sets this collector keeps (named to agents, in memory only)', registers: [options.metrics.registry], collect() { this.set(seriesSets.size); } });
  app.decorateRequest('reportPresenter', null);
  app.post<{ Body: WireReport }>(
    REPORTS_PATH,
    {
      config: { access: 'agent' },
      schema: {
        summary: 'Agent intake: store one report; answered only after it is committed',
        security: [{ agentToken: [] }],
        body: ReportSchema,
        response: { 200: ReportAckSchema, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 409: ErrorSchema, 413: ErrorSchema, 415: ErrorSchema, 422: ErrorSchema, 429: ErrorSchema, 503: ErrorSchema },
      },
      // The report route's hooks, and the hooks every route runs, call `done` rather than being async:
      // an async hook costs a promise, Fastify's handlers on it and a microtask per request. A hook
      // that answers does not call `done`, which ends the request there.
      onRequest: (request, reply, done) => {
        const auth = authenticate(request.headers.authorization);
        if (auth === undefined) {
          options.metrics.reportsReceived.inc({ outcome: 'unauthorized' });
          sendApiError(reply.header('www-authenticate', 'Bearer'), 'TRIPLINE_UNAUTHORIZED', 'missing or invalid agent token');
          return;
        }
        if (auth.kind === 'revoked') {
          options.metrics.reportsReceived.inc({ outcome: 'unauthorized' });
          sendApiError(reply, 'TRIPLINE_FORBIDDEN', `the credential of agent ${auth.agentId} was revoked`);
          return;
        }
        request.reportPresenter = auth;
        if (!options.isReady()) {
          sendApiError(reply.header('retry-after', '5'), 'TRIPLINE_SHUTTING_DOWN', 'collector is shutting down; retry later');
          return;
        }
        if (reportsInProgress >= limits.maxConcurrentReports) {
          options.metrics.reportsReceived.inc({ outcome: 'rate_limited' });
          sendApiError(reply.header('retry-after', '1'), 'TRIPLINE_RATE_LIMITED', `${limits.maxConcurrentReports} reports are being received already (collector.limits.maxConcurrentReports); retry later`);
          return;
        }
        reportsInProgress += 1;
        reply.raw.on('close', reportClosed);
        done();
      },
      // Drops the fields of a newer minor instead of refusing them (contract/report.ts, versioning rule).
      validatorCompiler: createReportBodyValidatorCompiler(),
      preValidation: (request, _reply, done) => {
        const problem = schemaVersionProblem((request.body as { schemaVersion?: unknown } | null)?.schemaVersion);
        done(problem === undefined ? undefined : new ApiError('TRIPLINE_VALIDATION_FAILED', `body/${problem}`, 'body/schemaVersion'));
      },
    },
    async (request, reply) => {
      const identityProblem = reportIdentityProblem(request.reportPresenter!, request.body.agent, options.store);
      if (identityProblem !== undefined) {
        options.metrics.reportsReceived.inc({ outcome: 'forbidden' });
        throw new ApiError('TRIPLINE_FORBIDDEN', identityProblem);
      }
      const waitSeconds = rateLimiter.take(request.body.agent.id);
      if (waitSeconds !== undefined) {
        options.metrics.reportsReceived.inc({ outcome: 'rate_limited' });
        reply.header('retry-after', String(waitSeconds));
        throw new ApiError('TRIPLINE_RATE_LIMITED', `agent ${request.body.agent.id} sent more than ${limits.reportsPerMinute} reports in a minute (collector.limits.reportsPerMinute); retry in ${waitSeconds}s`);
      }
      const nowMs = clock.nowMs();
      const timeProblem = sampleTimeProblem(request.body, nowMs, options.sampleTimeWindow);
      if (timeProblem !== undefined) {
        options.metrics.reportsReceived.inc({ outcome: 'invalid' });
        throw new ApiError('TRIPLINE_VALIDATION_FAILED', timeProblem.message, timeProblem.path);
      }
      // A report of values against a series set becomes the report it stands for; one with observations may ask for its set's name.
      if (request.body.values !== undefined) options.metrics.seriesSetReports.inc();
      const expanded = seriesSets.expand(takenReport(request), nowMs);
      if ('problem' in expanded) {
        const { problem } = expanded;
        options.metrics.reportsReceived.inc({ outcome: problem.code === 'TRIPLINE_UNKNOWN_SERIES_SET' ? 'unknown_series_set' : 'invalid' });
        throw new ApiError(problem.code, problem.message, problem.path);
      }
      // No local of the report: it would live until the answer (letGo).
      const seriesSet = expanded.report.observations !== undefined && expanded.report.wantsSeriesSet === true ? seriesSets.name(expanded.report, nowMs) : undefined;
      const started = process.hrtime.bigint();
      const ack = await options.ingestor.submit(letGo(expanded)).catch((error: unknown) => {
        if (!(error instanceof UnstorableReportError)) throw error;
        options.metrics.reportsReceived.inc({ outcome: 'unstorable' });
        throw new ApiError('TRIPLINE_REPORT_UNSTORABLE', error.message);
      });
      options.metrics.reportAckSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      options.metrics.reportsReceived.inc({ outcome: ack.duplicate ? 'duplicate' : 'stored' });
      // Added, not spread into a new literal (a hidden class of its own each time: reportToRecord.ts, labelsWithHost).
      return seriesSet === undefined ? ack : Object.assign(ack, { seriesSet });
    },
  );

  app.get('/healthz', { config: { access: 'public' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { access: 'public' } }, async (_request, reply) => {
    if (!options.isReady()) return reply.code(503).send({ status: 'shutting-down', reason: 'the collector is stopping' });
    const problem = options.notReadyReason?.();
    return problem === undefined ? { status: 'ready' } : reply.code(503).send(problem);
  });
  app.get('/metrics', { config: { access: 'public' } }, async (_request, reply) => {
    const body = await options.metrics.registry.metrics();
    return reply.type(options.metrics.registry.contentType).send(body);
  });
  const { operations } = options;
  const operator = access.require('operator');
  registerReadRoutes(app, operations);
  registerHistoryRoutes(app, operations, clock);
  registerPrometheusRoutes(app, operations, clock);
  registerRuleRoutes(app, operations, clock);
  registerDeliveryRoutes(app, operations, operator, operationsFor);
  registerIncidentRoutes(app, { operations, operator, operationsFor });
  if (options.alertmanagerIntake) registerIntakeRoutes(app, options.alertmanagerIntake);
  if (options.cluster) registerClusterRoutes(app, options.cluster);
  registerStatusRoutes(app, { operations, operationsFor, page: options.statusPage ?? { enabled: false, title: '' } });
  registerAgentRoutes(app, { store: options.store, operations, operationsFor, enrollmentTokens: options.enrollmentTokens ?? [], requireAdmin: access.require('admin'), nowMs });
  const { events, ...liveLimits } = options.live;
  const liveStreams = registerLiveRoutes(app, { events, access, sessions, limits: liveLimits });
  registerConsoleRoutes(app, {
    access,
    sessions,
    onSignOut: (sessionId) => liveStreams.endSession(sessionId),
    serveFiles: options.console?.enabled ?? false,
    ...(options.console?.directory ? { directory: options.console.directory } : {}),
    secureCookie: options.tls !== undefined,
    nowMs,
    signInFailures: createReportRateLimiter(options.console?.signInFailuresPerMinute ?? 10, { nowMs }),
  });
  return app;
}

/**
 * The report of a request, which the request no longer holds: it lives until its answer is sent,
 * after the group commit, and the ingestor lets go of the report as soon as it has made its record
 * (reportIngestor.ts, recordsOf), so that the parsed report dies before the transaction instead of
 * being promoted to V8's old generation. Nothing reads the body once the route has submitted it.
 */
function takenReport(request: FastifyRequest<{ Body: WireReport }>): WireReport {
  const report = request.body;
  request.body = undefined as unknown as WireReport;
  return report;
}

/** The report of `holder`, which no longer holds it (a local of the route's handler lives until the answer: see takenReport). */
function letGo(holder: { report: IngestReport }): IngestReport {
  const { report } = holder;
  (holder as { report?: IngestReport }).report = undefined;
  return report;
}

/**
 * Every answer says how long the server took to make it (`Server-Timing: app;dur=<ms>`, shown by a
 * browser's developer tools), so a slow page tells the network from the collector and the benchmarks
 * print the server's own time beside the round trip.
 */
function registerServerTiming(app: FastifyInstance): void {
  app.decorateRequest('receivedAtNs', null);
  app.addHook('onRequest', (request, _reply, done) => {
    request.receivedAtNs = process.hrtime.bigint();
    done();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    const at = request.receivedAtNs;
    if (at !== null) reply.header('server-timing', `app;dur=${(Number(process.hrtime.bigint() - at) / 1e6).toFixed(2)}`);
    done(null, payload);
  });
}

/**
 * Content-Encoding on every route with a body: gzip is decompressed under the body limit, and any
 * other encoding is a 415 naming the header, rather than a misleading "malformed JSON" from bytes
 * the parser could never read (a proxy that compresses, a client that sends `br`). A JSON body
 * (every agent report) is decompressed by the JSON parser in one call once it has arrived
 * (strictJsonParser.ts): a stream through zlib per request cost the report route more than the
 * inflating itself.
 */
function registerBodyEncodings(app: FastifyInstance): void {
  app.addHook('preParsing', (request, _reply, payload, done) => {
    let decoded: RequestPayload;
    try {
      decoded = decodedBody(request, payload) as RequestPayload;
    } catch (error) {
      done(error as Error);
      return;
    }
    done(null, decoded);
  });
}

/** The body as the parser must read it: as sent, or gunzipped (JSON: by its parser); any other encoding is a 415. */
function decodedBody(request: FastifyRequest, payload: NodeJS.ReadableStream): NodeJS.ReadableStream {
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity') return payload;
  if (encoding === 'gzip') return isJsonBody(request) ? payload : gunzipCounted(payload);
  throw new ApiError('TRIPLINE_UNSUPPORTED_ENCODING', `content-encoding "${encoding}" is not supported; use gzip or none`, 'headers/content-encoding');
}

/**
 * Decompresses a gzip body. Fastify caps both the decompressed size and (via
 * `receivedEncodedLength`) the size on the wire, and checks the latter against Content-Length.
 */
function gunzipCounted(payload: NodeJS.ReadableStream): NodeJS.ReadableStream {
  const gunzip = createGunzip() as Gunzip & { receivedEncodedLength?: number };
  gunzip.receivedEncodedLength = 0;
  payload.on('data', (chunk: Buffer) => {
    gunzip.receivedEncodedLength! += chunk.length;
  });
  return payload.pipe(gunzip);
}
