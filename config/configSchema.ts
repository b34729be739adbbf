/**
 * The schema of `tripline.yaml`. Every key here is documented in `config.example.yaml`; a test
 * keeps the two in step. Defaults live in the schema so that a missing section means "defaults".
 */
import { Type, type StaticDecode } from '@sinclair/typebox';
import { AgentSchema } from './agentConfigSchema.js';
import { DeskSchema } from './deskConfigSchema.js';
import { RoutingSchema, SyncSchema } from './routingConfigSchema.js';
import { IncidentsSchema } from './incidentsConfigSchema.js';
import { PrioritySettingsSchema, ServicesSchema } from './servicesConfigSchema.js';
import { Duration } from './durationSchema.js';
import { DEFAULT_TIME_ZONE } from './timeZone.js';
import type { AgentConfig } from './agentConfigSchema.js';

export type { AgentConfig, AgentSection } from './agentConfigSchema.js';
export type { DeskConfig, WebhookDeskConfig } from './deskConfigSchema.js';
export type { RouteConfig, RoutingConfig, SyncConfig } from './routingConfigSchema.js';
export type { IncidentsConfig } from './incidentsConfigSchema.js';
export type { Level, Priority, PriorityConfig, ServiceConfig, ServicesConfig } from './servicesConfigSchema.js';

export const LogSchema = Type.Object(
  {
    level: Type.Union(
      [Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')],
      { default: 'info' },
    ),
  },
  { additionalProperties: false, default: {} },
);

export const CollectorSchema = Type.Object(
  {
    listen: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 9470 }),
      },
      { additionalProperties: false, default: {} },
    ),
    agentTokens: Type.Array(Type.String({ minLength: 16 }), {
      default: [],
      description: 'Bearer tokens agents may present. Env TRIPLINE_AGENT_TOKENS (comma-separated) adds to these.',
    }),
    enrollmentTokens: Type.Array(Type.String({ minLength: 16 }), {
      default: [],
      description: 'Shared tokens agents enrol with to receive their own credential. Env TRIPLINE_ENROLLMENT_TOKENS (comma-separated) adds to these.',
    }),
    adminTokens: Type.Array(Type.String({ minLength: 16 }), {
      default: [],
      description: 'Bearer tokens for GET /api/v1/agents and agent revocation. Env TRIPLINE_ADMIN_TOKENS adds to these.',
    }),
    viewerTokens: Type.Array(Type.String({ minLength: 16 }), {
      default: [],
      description: 'Tokens that sign in to the console with the viewer role (read only). Env TRIPLINE_VIEWER_TOKENS adds to these.',
    }),
    console: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: 'Serve the web console at / on the API port' }),
        sessionTtl: Duration({ default: '12h', range: { min: '1m', max: '30d' }, description: 'How long a console sign-in lasts' }),
        signInFailuresPerMinute: Type.Integer({
          minimum: 1,
          maximum: 10_000,
          default: 10,
          description: 'Failed console sign-ins a minute from one client address (bursting as many); beyond, every sign-in from it is refused with 429 until the pace drops',
        }),
        live: Type.Object(
          {
            maxStreams: Type.Integer({ minimum: 1, maximum: 100_000, default: 200, description: 'Live event streams (GET /api/v1/events) open at once on this collector; more: 429' }),
            maxStreamsPerSession: Type.Integer({ minimum: 1, maximum: 1000, default: 8, description: 'Live event streams open at once per console session or API token (browser tabs); more: 429' }),
            heartbeat: Duration({ default: '15s', range: { min: '1s', max: '5m' }, description: "How often an idle live stream sends a comment (keeps proxies from closing it) and re-checks that its session or token is still valid" }),
          },
          { additionalProperties: false, default: {} },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    statusPage: Type.Object(
      {
        enabled: Type.Boolean({ default: false, description: 'Serve the public status page at /status (and /status.json) without a token' }),
        title: Type.String({ default: 'Service status', minLength: 1, maxLength: 200, description: 'The heading of the status page' }),
      },
      { additionalProperties: false, default: {} },
    ),
    tls: Type.Optional(
      Type.Object(
        {
          certFile: Type.String({ minLength: 1, description: 'PEM certificate (chain) of the API' }),
          keyFile: Type.String({ minLength: 1, description: 'PEM private key' }),
        },
        { additionalProperties: false },
      ),
    ),
    maxBodyBytes: Type.Integer({ minimum: 1024, default: 4 * 1024 * 1024 }),
    heapGrowthPercent: Type.Integer({
      minimum: 0,
      maximum: 400,
      default: 50,
      description:
        'How far the collector process lets its JavaScript heap grow past the objects still in use before a full garbage collection, in percent (50, the default: to 1.5 times; 100: to twice); 0: V8 decides, up to 4 times under load (more memory; on a machine busy with other work, less collection work). Lower: less memory, more collection work. Read at start',
    }),
    checkpointThreadHosts: Type.Integer({
      minimum: 0,
      default: 20_000,
      description:
        "SQLite store: once reports of this many hosts are stored (since the collector started), the write-ahead log's checkpoints run on a thread of their own instead of inside the commits that hold the reports: steadier acknowledgements for 10-15 MB more resident memory. 0: from the start. Read at start",
    }),
    retention: Duration({ default: '14d', description: 'How long raw observations are kept (hot rows and compressed chunks)' }),
    rollupRetention: Duration({ default: '400d', description: 'How long the 5-minute and 1-hour rollups (min/avg/max/count) are kept' }),
    compactAfter: Duration({
      default: '10m',
      description: 'How long after an hour of history ends its per-report rows are compacted into compressed per-series chunks and rollups',
    }),
    rules: Type.Array(Type.String(), { default: [], description: 'Rule files or directories; empty = built-in pack' }),
    evaluationInterval: Duration({ default: '5s', description: 'How often silence (agent-silent) rules are evaluated' }),
    leases: Type.Object(
      {
        ttl: Duration({
          default: '15s',
          range: { min: '1s', max: '10m' },
          description: 'How long a collector holds a once-only job (watchers, desk sync, outbox, history) without renewing; a dead holder\'s jobs move after at most ttl + renewInterval',
        }),
        renewInterval: Duration({ default: '5s', range: { min: '100ms', max: '5m' }, description: 'How often each collector takes or renews the leases of once-only jobs; at most half of ttl' }),
      },
      { additionalProperties: false, default: {} },
    ),
    intake: Type.Object(
      {
        maxClockAhead: Duration({ default: '10m', range: { min: '0s', max: '1d' }, description: 'How far ahead of the collector clock a sample time may be; later: 400 with its field path' }),
        maxAge: Duration({ default: '14d', range: { min: '1m', max: '20d' }, description: 'How far behind the collector clock a sample time may be; older: 400 with its field path' }),
      },
      { additionalProperties: false, default: {} },
    ),
    limits: Type.Object(
      {
        headersTimeout: Duration({ default: '10s', range: { min: '1s', max: '10m' }, description: 'Time to receive a request\'s headers; later: 408 and the connection closed' }),
        requestTimeout: Duration({ default: '30s', range: { min: '1s', max: '10m' }, description: 'Time to receive a whole request, body included (a slow body); later: 408 and the connection closed' }),
        idleTimeout: Duration({ default: '75s', range: { min: '1s', max: '1h' }, description: 'How long a kept-open connection may sit idle between requests' }),
        maxConnections: Type.Integer({ minimum: 1, default: 10000, description: 'Open connections at most; more are closed at once' }),
        maxConcurrentReports: Type.Integer({ minimum: 1, default: 64, description: 'Report requests in progress at once; more: 429 with Retry-After' }),
        reportsPerMinute: Type.Integer({ minimum: 1, default: 240, description: 'Reports per agent id a minute (bursts as large); more: 429 with Retry-After' }),
      },
      { additionalProperties: false, default: {} },
    ),
    batch: Type.Object(
      {
        maxDelay: Duration({ default: '0ms', description: 'How long a report may wait to share a commit with others; 0 = the reports of one event-loop turn' }),
        maxReports: Type.Integer({ minimum: 1, default: 500 }),
      },
      { additionalProperties: false, default: {} },
    ),
    publicUrl: Type.String({ default: '', description: 'The base URL people reach the collector at; tickets link back to the incident under it' }),
  },
  { additionalProperties: false, default: {} },
);

export const DeliverySchema = Type.Object(
  {
    maxAttempts: Type.Integer({ minimum: 1, default: 20 }),
    initialBackoff: Duration({ default: '1s', description: 'First retry delay' }),
    maxBackoff: Duration({ default: '5m', description: 'Longest retry delay' }),
    pollInterval: Duration({ default: '500ms', description: 'How often the outbox is checked when idle' }),
    coalesceWindow: Duration({ default: '30s', description: 'Shortest time between two updates of one ticket; updates in between are merged' }),
    claimTimeout: Duration({
      default: '1m',
      range: { min: '1s', max: '1h' },
      description: 'How long a collector holds the deliveries it claimed (renewed before each desk call); a dead collector\'s claimed deliveries go out from another one after this. At least twice the longest desk timeout',
    }),
  },
  { additionalProperties: false, default: {} },
);

/** Where the collector keeps its data: the embedded SQLite file under dataDir (default), or a shared PostgreSQL. */
export const StoreSchema = Type.Object(
  {
    postgres: Type.Optional(
      Type.Object(
        {
          url: Type.String({
            minLength: 1,
            description: 'postgres://user@host:port/database of the shared store, without a password: the password comes from env TRIPLINE_POSTGRES_PASSWORD',
          }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, default: {} },
);

export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({ default: './tripline-data' }),
    store: StoreSchema,
    timeZone: Type.String({
      minLength: 1,
      default: DEFAULT_TIME_ZONE,
      description: 'IANA time zone of every cron expression: maintenance windows and agent.inventory.schedule',
    }),
    log: LogSchema,
    collector: CollectorSchema,
    agent: AgentSchema,
    desks: Type.Array(DeskSchema, { default: [] }),
    delivery: DeliverySchema,
    routing: RoutingSchema,
    sync: SyncSchema,
    incidents: IncidentsSchema,
    services: ServicesSchema,
    priority: PrioritySettingsSchema,
  },
  { additionalProperties: false },
);

/** The config as its file states it, after defaults, with every duration decoded to milliseconds. */
export type ConfigFile = StaticDecode<typeof ConfigSchema>;

/** The config as loaded: the file's, the agent section carrying the top-level `timeZone` (see loadConfig). */
export type Config = Omit<ConfigFile, 'agent'> & { agent: AgentConfig };
export type CollectorConfig = StaticDecode<typeof CollectorSchema>;
export type DeliveryConfig = StaticDecode<typeof DeliverySchema>;
