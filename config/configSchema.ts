/**
 * The schema of `tripline.yaml`. Every key here is documented in `config.example.yaml`; a test
 * keeps the two in step. Defaults live in the schema so that a missing section means "defaults".
 */
import { Type, type Static } from '@sinclair/typebox';
import { DURATION_HINT, DURATION_PATTERN } from './duration.js';

const Duration = (defaultValue: string, description: string) =>
  Type.String({ pattern: DURATION_PATTERN, patternHint: DURATION_HINT, default: defaultValue, description });

const Labels = Type.Record(Type.String({ pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' }), Type.String(), { default: {} });

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
    maxBodyBytes: Type.Integer({ minimum: 1024, default: 4 * 1024 * 1024 }),
    retention: Duration('14d', 'How long observations are kept'),
    rules: Type.Array(Type.String(), { default: [], description: 'Rule files or directories; empty = built-in pack' }),
    evaluationInterval: Duration('5s', 'How often silence (agent-silent) rules are evaluated'),
    batch: Type.Object(
      {
        maxDelay: Duration('0ms', 'How long a report may wait to share a commit with others; 0 = the reports of one event-loop turn'),
        maxReports: Type.Integer({ minimum: 1, default: 500 }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

export const PingTargetSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]+$' })),
    host: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

export const TcpTargetSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]+$' })),
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    timeout: Duration('3s', 'Connect timeout'),
  },
  { additionalProperties: false },
);

export const AgentSchema = Type.Object(
  {
    collectorUrl: Type.String({ default: 'http://127.0.0.1:9470' }),
    token: Type.Optional(Type.String({ description: 'Bearer token; env TRIPLINE_AGENT_TOKEN overrides' })),
    id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:-]+$' })),
    hostname: Type.Optional(Type.String({ minLength: 1 })),
    labels: Labels,
    interval: Duration('15s', 'Report interval'),
    sendTimeout: Duration('10s', 'Timeout of one report upload'),
    filesystems: Type.Object(
      {
        excludeFsTypes: Type.Array(Type.String(), {
          default: ['tmpfs', 'devtmpfs', 'proc', 'sysfs', 'cgroup', 'cgroup2', 'overlay', 'squashfs', 'nsfs', 'autofs', 'mqueue', 'debugfs', 'tracefs', 'securityfs', 'pstore', 'bpf', 'configfs', 'fusectl', 'hugetlbfs', 'devpts', 'binfmt_misc', 'rpc_pipefs', 'efivarfs', 'ramfs'],
        }),
        excludeMounts: Type.Array(Type.String(), { default: [] }),
      },
      { additionalProperties: false, default: {} },
    ),
    network: Type.Object(
      { excludeInterfaces: Type.Array(Type.String(), { default: ['lo'] }) },
      { additionalProperties: false, default: {} },
    ),
    ping: Type.Object(
      {
        interval: Duration('30s', 'How often ping targets are probed'),
        count: Type.Integer({ minimum: 1, maximum: 20, default: 3 }),
        timeout: Duration('2s', 'Per-packet timeout'),
        targets: Type.Array(PingTargetSchema, { default: [] }),
      },
      { additionalProperties: false, default: {} },
    ),
    tcp: Type.Object(
      { targets: Type.Array(TcpTargetSchema, { default: [] }) },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

export const WebhookDeskSchema = Type.Object(
  {
    type: Type.Literal('webhook'),
    name: Type.String({ pattern: '^[a-z][a-z0-9-]*$' }),
    url: Type.String({ pattern: '^https?://' }),
    secret: Type.Optional(Type.String({ description: 'HMAC-SHA256 key; env TRIPLINE_DESK_<NAME>_SECRET overrides' })),
    timeout: Duration('10s', 'Per-request timeout'),
    headers: Type.Record(Type.String(), Type.String(), { default: {} }),
  },
  { additionalProperties: false },
);

/** One variant per desk adapter; `type` discriminates. */
export const DeskSchema = Type.Union([WebhookDeskSchema]);

export const DeliverySchema = Type.Object(
  {
    maxAttempts: Type.Integer({ minimum: 1, default: 20 }),
    initialBackoff: Duration('1s', 'First retry delay'),
    maxBackoff: Duration('5m', 'Longest retry delay'),
    pollInterval: Duration('500ms', 'How often the outbox is checked when idle'),
  },
  { additionalProperties: false, default: {} },
);

export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({ default: './tripline-data' }),
    log: LogSchema,
    collector: CollectorSchema,
    agent: AgentSchema,
    desks: Type.Array(DeskSchema, { default: [] }),
    delivery: DeliverySchema,
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
export type AgentConfig = Static<typeof AgentSchema>;
export type CollectorConfig = Static<typeof CollectorSchema>;
export type DeskConfig = Static<typeof DeskSchema>;
export type WebhookDeskConfig = Static<typeof WebhookDeskSchema>;
export type DeliveryConfig = Static<typeof DeliverySchema>;
