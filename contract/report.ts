/**
 * The agent-to-collector wire contract: the one home of the Report schema.
 *
 * Both the agent and the collector import this module; neither imports the other's internals.
 * The schema is TypeBox, so the same object validates payloads (the collector hands it to
 * fastify/ajv) and types them (`Static<typeof ReportSchema>`).
 */
import { Type, type Static } from '@sinclair/typebox';

/** Bumped whenever a field changes meaning or a required field is added. */
export const REPORT_SCHEMA_VERSION = 1;

/** Prometheus-style metric name: snake_case, base unit in the name. */
export const METRIC_NAME_PATTERN = '^[a-zA-Z_:][a-zA-Z0-9_:]*$';
/** Prometheus-style label name; names starting with `__` are reserved. */
export const LABEL_NAME_PATTERN = '^[a-zA-Z_][a-zA-Z0-9_]*$';

const Labels = Type.Record(Type.String({ pattern: LABEL_NAME_PATTERN, maxLength: 128 }), Type.String({ maxLength: 1024 }), {
  description: 'Series labels (mount, device, interface, target, ...). The collector adds `host`.',
  maxProperties: 32,
});

/** RFC 3339 timestamp, as produced by `Date.prototype.toISOString()`. */
const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339 timestamp' });

export const ObservationSchema = Type.Object(
  {
    metric: Type.String({ pattern: METRIC_NAME_PATTERN, maxLength: 200 }),
    labels: Labels,
    value: Type.Number({ description: 'A finite number in the unit the metric name states' }),
    at: Timestamp,
  },
  { additionalProperties: false, description: 'One value of one series at one time' },
);

export const CheckStatusSchema = Type.Union(
  [Type.Literal('ok'), Type.Literal('warning'), Type.Literal('critical'), Type.Literal('unknown')],
  { description: 'Nagios-compatible check status' },
);

export const CheckResultSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    status: CheckStatusSchema,
    output: Type.String({ maxLength: 4096 }),
    at: Timestamp,
    durationSeconds: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false, description: 'The outcome of one probe or check run' },
);

export const AgentIdentitySchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' }),
    hostname: Type.String({ minLength: 1, maxLength: 253 }),
    version: Type.String({ maxLength: 64 }),
    intervalSeconds: Type.Number({ exclusiveMinimum: 0, maximum: 86400 }),
    labels: Labels,
    addresses: Type.Optional(
      Type.Array(Type.String({ minLength: 2, maxLength: 64, pattern: '^[0-9A-Fa-f:.]+$' }), {
        maxItems: 64,
        description: "The host's primary non-loopback IP addresses (IPv4 and IPv6 literals), for topology and suppression",
      }),
    ),
    defaultGateway: Type.Optional(
      Type.String({ minLength: 2, maxLength: 64, pattern: '^[0-9A-Fa-f:.]+$', description: 'IPv4/IPv6 literal of the default route (from /proc/net/route)' }),
    ),
  },
  { additionalProperties: false },
);

const Text = (maxLength: number) => Type.String({ maxLength });

export const InventorySchema = Type.Object(
  {
    os: Text(200),
    kernel: Text(200),
    architecture: Text(64),
    cpuModel: Text(200),
    cpuCores: Type.Integer({ minimum: 0, maximum: 100000 }),
    memoryBytes: Type.Number({ minimum: 0 }),
    disks: Type.Array(
      Type.Object(
        { device: Text(200), model: Text(200), type: Text(64), sizeBytes: Type.Number({ minimum: 0 }), smartStatus: Text(64) },
        { additionalProperties: false },
      ),
      { maxItems: 256 },
    ),
    interfaces: Type.Array(
      Type.Object({ name: Text(64), mac: Text(64), speedBitsPerSecond: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]) }, { additionalProperties: false }),
      { maxItems: 256 },
    ),
  },
  { additionalProperties: false, description: 'Hardware and OS inventory (systeminformation, slow schedule); sent when it changed' },
);

export const ReportSchema = Type.Object(
  {
    schemaVersion: Type.Literal(REPORT_SCHEMA_VERSION),
    agent: AgentIdentitySchema,
    sequence: Type.Integer({ minimum: 0, description: 'Per-agent, strictly increasing; a re-sent number is acknowledged once' }),
    sentAt: Timestamp,
    observations: Type.Array(ObservationSchema, { maxItems: 20000 }),
    checks: Type.Array(CheckResultSchema, { maxItems: 2000 }),
    inventory: Type.Optional(InventorySchema),
  },
  { additionalProperties: false, $id: 'Report', description: 'A batch of observations and check results from one agent' },
);

export const ReportAckSchema = Type.Object(
  {
    sequence: Type.Integer(),
    duplicate: Type.Boolean({ description: 'True when this sequence number had been stored already' }),
  },
  { additionalProperties: false },
);

export type Observation = Static<typeof ObservationSchema>;
export type CheckStatus = Static<typeof CheckStatusSchema>;
export type CheckResult = Static<typeof CheckResultSchema>;
export type AgentIdentity = Static<typeof AgentIdentitySchema>;
export type Report = Static<typeof ReportSchema>;
export type Inventory = Static<typeof InventorySchema>;
export type ReportAck = Static<typeof ReportAckSchema>;

/** Path of the ingest endpoint, relative to the collector's base URL. */
export const REPORTS_PATH = '/api/v1/reports';
