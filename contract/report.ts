/**
 * The agent-to-collector wire contract: the one home of the Report schema.
 *
 * Both the agent and the collector import this module; neither imports the other's internals.
 * The schema is TypeBox, so the same object validates payloads (the collector hands it to
 * fastify/ajv) and types them (`Static<typeof ReportSchema>`).
 *
 * ## Versioning rule
 *
 * `schemaVersion` is the contract's major version. Within one major, the contract only grows:
 * a change adds optional fields (to any object of the report), and nothing else. Removing or
 * renaming a field, changing its type, unit or meaning, making a field required, or adding a
 * value to a closed set (a check status) is a new major, and only a major Tripline release makes
 * one. So agents and collectors of neighbouring minor releases share the major and understand each
 * other in both directions:
 * - an agent newer than its collector may send fields the collector does not know: the collector
 *   removes them before it validates the rest (collector/http/reportBodyValidator.ts); they are
 *   neither stored nor shown, and nothing fails;
 * - an agent older than its collector omits fields added since: they are optional.
 * One loosening was made on purpose: `observations` may be absent, in a report of values against a
 * series set (`seriesSet`, `values`, `valueTimes`) and only there. An older collector must not take
 * such a report (it would drop the set's fields and store a report of nothing), and its schema,
 * which requires `observations`, refuses it with a 400; the agent then sends the report in full.
 * A report of another major is refused with a 400 that says which major the collector accepts
 * (`schemaVersionProblem`). The schema's objects stay closed (`additionalProperties: false`): they
 * are exactly what an agent of this version sends, and the agent's tests hold its reports to them.
 * test/collector/reportContractVersions.test.ts keeps a recorded report of the previous release
 * (test/fixtures/reports/) and one with the fields a next minor could add, and checks both.
 */
import { Type, type Static } from '@sinclair/typebox';
import {
  MAX_CHECK_OUTPUT_LENGTH,
  MAX_LABEL_NAME_LENGTH,
  MAX_LABEL_VALUE_LENGTH,
  MAX_LABELS,
  MAX_REPORT_CHECKS,
  MAX_REPORT_OBSERVATIONS,
  REPORT_SCHEMA_VERSION,
  SERIES_SET_ID_PATTERN,
} from './reportLimits.js';

// The contract's numbers, in a module of their own that the agent reads without TypeBox.
export * from './reportLimits.js';

/**
 * Why a report's `schemaVersion` is not accepted, or undefined when it is. Checked before the rest of
 * the body, so a report of another major gets this message rather than its first field's mismatch.
 */
export function schemaVersionProblem(schemaVersion: unknown): string | undefined {
  if (schemaVersion === REPORT_SCHEMA_VERSION) return undefined;
  const given = typeof schemaVersion === 'number' ? `version ${schemaVersion}` : `schemaVersion ${describeGiven(schemaVersion)}`;
  const hint =
    typeof schemaVersion === 'number' && schemaVersion > REPORT_SCHEMA_VERSION
      ? 'the agent is a major release ahead: upgrade the collector first'
      : 'upgrade the agent to a release of this major';
  return `schemaVersion: reports of contract ${given} are not accepted; this collector accepts contract version ${REPORT_SCHEMA_VERSION} (${hint})`;
}

/** A short description of a value sent where a version belongs: never the whole of a hostile object. */
function describeGiven(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'an array';
  if (value !== null && typeof value === 'object') return 'an object';
  return String(value);
}

/** Prometheus-style metric name: snake_case, base unit in the name. */
export const METRIC_NAME_PATTERN = '^[a-zA-Z_:][a-zA-Z0-9_:]*$';
/** Prometheus-style label name; names starting with `__` are reserved (refused by LABEL_NAMES). */
export const LABEL_NAME_PATTERN = '^[a-zA-Z_][a-zA-Z0-9_]*$';

/**
 * The JSON Schema of a label set, with the limits of reportLimits.ts; `options` adds a default or a
 * description. `propertyNames` checks every name: a Record alone becomes `patternProperties`, which
 * lets a name that does not match through with any value at all.
 */
export function LabelsSchema(options: { default?: Record<string, string>; description?: string } = {}) {
  return Type.Record(Type.String({ pattern: LABEL_NAME_PATTERN, maxLength: MAX_LABEL_NAME_LENGTH }), Type.String({ maxLength: MAX_LABEL_VALUE_LENGTH }), {
    ...options,
    maxProperties: MAX_LABELS,
    propertyNames: { pattern: '^(?!__)[a-zA-Z_][a-zA-Z0-9_]*$', maxLength: MAX_LABEL_NAME_LENGTH },
  });
}

/** A hostname as the agent reports it: any text without white space or control characters (they would reach terminals and tickets). */
export const HOSTNAME_PATTERN = '^[^\\s\\u0000-\\u001f\\u007f-\\u009f]+$';

const Labels = LabelsSchema({ description: 'Series labels (mount, device, interface, target, ...). The collector adds `host`.' });

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
    output: Type.String({ maxLength: MAX_CHECK_OUTPUT_LENGTH }),
    at: Timestamp,
    durationSeconds: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false, description: 'The outcome of one probe or check run' },
);

export const AgentIdentitySchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' }),
    hostname: Type.String({ minLength: 1, maxLength: 253, pattern: HOSTNAME_PATTERN }),
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
    sequence: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Per-agent, strictly increasing; a re-sent number is acknowledged once' }),
    sentAt: Timestamp,
    // Optional in the schema for a report of `values` alone, which has none; every other report must
    // have it, which the collector checks beside the schema (collector/ingest/seriesSets.ts). A
    // report of values without it is refused by a collector of an earlier release (a 400: its
    // schema requires the field), so that one never stores it as a report of no observations.
    observations: Type.Optional(
      Type.Array(ObservationSchema, { maxItems: MAX_REPORT_OBSERVATIONS, description: 'Required, but in a report of `values` against a series set, which has none' }),
    ),
    checks: Type.Array(CheckResultSchema, { maxItems: MAX_REPORT_CHECKS }),
    inventory: Type.Optional(InventorySchema),
    wantsSeriesSet: Type.Optional(
      Type.Literal(true, {
        description:
          "The agent can send later reports as values against a series set: the collector's answer names the set of this report's observations (`seriesSet`) when it keeps it",
      }),
    ),
    seriesSet: Type.Optional(
      Type.String({ pattern: SERIES_SET_ID_PATTERN, description: 'With `values`: the series set (named in an earlier answer) whose series the values are of, in its order' }),
    ),
    values: Type.Optional(
      Type.Array(Type.Number(), {
        maxItems: MAX_REPORT_OBSERVATIONS,
        description: 'A report against a series set: one finite number per series of `seriesSet`, in its order, in place of `observations` (which it then lacks)',
      }),
    ),
    valueTimes: Type.Optional(
      Type.Array(Type.Object({ at: Timestamp, count: Type.Integer({ minimum: 1, maximum: MAX_REPORT_OBSERVATIONS }) }, { additionalProperties: false }), {
        maxItems: MAX_REPORT_OBSERVATIONS,
        description: 'With `values`: their times, in runs: the first `count` values were taken `at` the first time, the next run at the next, and so on; the counts add up to the number of values',
      }),
    ),
  },
  { additionalProperties: false, $id: 'Report', description: 'A batch of observations and check results from one agent' },
);

export const ReportAckSchema = Type.Object(
  {
    sequence: Type.Integer(),
    duplicate: Type.Boolean({ description: 'True when this sequence number had been stored already' }),
    seriesSet: Type.Optional(
      Type.String({
        pattern: SERIES_SET_ID_PATTERN,
        description: "To a report with `wantsSeriesSet`: the name of its observations' series set, which this collector keeps; the agent's later reports with the same series may send `values` against it",
      }),
    ),
  },
  { additionalProperties: false },
);

export type Observation = Static<typeof ObservationSchema>;
export type CheckStatus = Static<typeof CheckStatusSchema>;
export type CheckResult = Static<typeof CheckResultSchema>;
export type AgentIdentity = Static<typeof AgentIdentitySchema>;
/** A report as the wire carries it: `observations` is absent from a report of values against a series set. */
export type WireReport = Static<typeof ReportSchema>;
/** A report with its observations: every report an agent builds in full, and a report of values once the collector has expanded it. */
export type Report = WireReport & { observations: Observation[] };
export type Inventory = Static<typeof InventorySchema>;
export type ReportAck = Static<typeof ReportAckSchema>;
