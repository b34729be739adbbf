/** The `agent:` section of tripline.yaml. */
import { Type, type StaticDecode, type StaticEncode } from '@sinclair/typebox';
import type { AgentConfigIssueCode } from './agentConfigIssue.js';
import { LabelsSchema } from '../contract/report.js';
import { DEFAULT_COLLECTOR_URL } from './collectorUrls.js';
import { Duration } from './durationSchema.js';

/**
 * The limits of agent durations: outside them a duration is refused with its text, at its file,
 * line and column (`"500ms" is outside 1s..86400s`), as code TRIPLINE_AGENT_INVALID_DURATION.
 */
const limits = (min: string, max: string) => ({ range: { min, max }, code: 'TRIPLINE_AGENT_INVALID_DURATION' as AgentConfigIssueCode });
/** Report, ping and plugin intervals. */
const INTERVAL = limits('1s', '1d');
/** Per-packet and connect timeouts. */
const PROBE_TIMEOUT = limits('1ms', '1m');
/** Report uploads and plugin runs. */
const RUN_TIMEOUT = limits('1ms', '10m');

/** The host's labels: the wire contract's limits, so a config the agent starts with never makes reports the collector refuses. */
const Labels = LabelsSchema({ default: {} });

/** Filesystem types and mount points (exact, or `dir/*` for everything below `dir`). */
const FilesystemSetSchema = (description: string) =>
  Type.Object(
    {
      fsTypes: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
      mounts: Type.Array(Type.String({ pattern: '^/', patternHint: 'an absolute mount point such as /data, or /data/* for everything below it' }), { default: [] }),
    },
    { additionalProperties: false, default: {}, description },
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
    timeout: Duration({ default: '3s', description: 'Connect timeout', ...PROBE_TIMEOUT }),
  },
  { additionalProperties: false },
);

export const PluginSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9_]{1,64}$', description: 'Check name: the check is plugin:<name>' }),
    command: Type.String({ minLength: 2, description: 'Absolute path of the plugin executable; run with execFile, never a shell' }),
    args: Type.Array(Type.String(), { default: [] }),
    interval: Duration({ default: '1m', description: 'How often the plugin runs', ...INTERVAL }),
    timeout: Duration({ default: '10s', description: 'After this the process group is killed and the check is unknown', ...RUN_TIMEOUT }),
  },
  { additionalProperties: false },
);

export const AgentSchema = Type.Object(
  {
    collectorUrl: Type.String({ default: DEFAULT_COLLECTOR_URL, description: 'The collector reports go to; collectorUrls lists several' }),
    collectorUrls: Type.Array(Type.String(), {
      default: [],
      maxItems: 16,
      description: 'Several collectors sharing one store, tried in order: the agent moves to the next when one cannot take a report (no connection, a timeout, a 5xx) and stays with the one that answers. Set this or collectorUrl, not both',
    }),
    token: Type.Optional(Type.String({ description: 'Bearer token; env TRIPLINE_AGENT_TOKEN overrides' })),
    enrollmentToken: Type.Optional(Type.String({ description: 'Shared enrollment token; env TRIPLINE_ENROLLMENT_TOKEN overrides' })),
    caFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM CA bundle that signed the collector certificate (https)' })),
    id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:-]+$' })),
    hostname: Type.Optional(Type.String({ minLength: 1 })),
    labels: Labels,
    interval: Duration({ default: '15s', description: 'Report interval', ...INTERVAL }),
    sendTimeout: Duration({ default: '10s', description: 'Timeout of one report upload', ...RUN_TIMEOUT }),
    gzipAboveBytes: Type.Integer({
      minimum: 0,
      default: 32 * 1024,
      description: 'Reports whose JSON is larger are uploaded gzip-compressed, smaller ones as plain JSON; 0 compresses every report. Spooled reports are always compressed.',
    }),
    spool: Type.Object(
      {
        maxReports: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10000, description: 'Reports kept on disk while the collector is away' }),
        maxBytes: Type.Integer({ minimum: 1024, default: 256 * 1024 * 1024, description: 'Bytes of spooled (compressed) reports' }),
      },
      { additionalProperties: false, default: {} },
    ),
    filesystems: Type.Object(
      {
        include: FilesystemSetSchema('Built-in exclusions to take back: these types are reported; these mounts are reported whatever their type'),
        exclude: FilesystemSetSchema('Left out on top of the built-in exclusions'),
      },
      { additionalProperties: false, default: {}, description: 'Which filesystems are reported: the built-in exclusions (contract/filesystemExclusions.ts), adjusted' },
    ),
    network: Type.Object(
      { excludeInterfaces: Type.Array(Type.String(), { default: ['lo'] }) },
      { additionalProperties: false, default: {} },
    ),
    disks: Type.Object(
      {
        excludeDevices: Type.String({
          default: '^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$',
          description: 'Regular expression of block devices not reported by the disk I/O probe',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    temperatures: Type.Object(
      {
        criticalCelsius: Type.Optional(
          Type.Number({ exclusiveMinimum: 0, maximum: 200, description: "Critical mark of sensors that report none of their own (temperature_headroom_celsius)" }),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    processes: Type.Object(
      {
        names: Type.Array(Type.String({ pattern: '^[^/\\n]{1,15}$', description: 'A process name as /proc/<pid>/comm shows it' }), { default: [] }),
      },
      { additionalProperties: false, default: {} },
    ),
    ping: Type.Object(
      {
        interval: Duration({ default: '30s', description: 'How often ping targets are probed', ...INTERVAL }),
        gateway: Type.Boolean({ default: true, description: 'Also ping the default gateway from /proc/net/route' }),
        count: Type.Integer({ minimum: 1, maximum: 20, default: 3 }),
        timeout: Duration({ default: '2s', description: 'Per-packet timeout', ...PROBE_TIMEOUT }),
        targets: Type.Array(PingTargetSchema, { default: [] }),
      },
      { additionalProperties: false, default: {} },
    ),
    tcp: Type.Object(
      { targets: Type.Array(TcpTargetSchema, { default: [] }) },
      { additionalProperties: false, default: {} },
    ),
    http: Type.Object(
      {
        targets: Type.Array(
          Type.Object(
            {
              name: Type.String({ pattern: '^[A-Za-z0-9._-]+$' }),
              url: Type.String({ minLength: 1 }),
              timeout: Duration({ default: '10s', description: 'Whole request timeout' }),
              expectStatus: Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), { default: [], description: 'Statuses that count as up; empty: 200-399' }),
              caFile: Type.Optional(Type.String({ minLength: 1 })),
            },
            { additionalProperties: false },
          ),
          { default: [] },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    dns: Type.Object(
      {
        targets: Type.Array(
          Type.Object(
            {
              name: Type.String({ pattern: '^[A-Za-z0-9._-]+$' }),
              query: Type.String({ minLength: 1 }),
              type: Type.Union([Type.Literal('A'), Type.Literal('AAAA')], { default: 'A' }),
              server: Type.Optional(Type.String({ minLength: 2 })),
              timeout: Duration({ default: '3s', description: 'Resolution timeout' }),
            },
            { additionalProperties: false },
          ),
          { default: [] },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    systemd: Type.Object(
      { units: Type.Array(Type.String(), { default: [], description: 'Units whose state is reported; one systemctl per cycle when any' }) },
      { additionalProperties: false, default: {} },
    ),
    inventory: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: 'Collect inventory and SMART health with systeminformation in a child process' }),
        interval: Duration({ default: '1h', description: 'How often inventory and SMART are collected', ...limits('1m', '7d') }),
        schedule: Type.Optional(
          Type.String({ description: 'A cron expression (node-cron: 5 or 6 fields, in the top-level timeZone) for wall-clock runs instead of `interval`, e.g. "17 3 * * *"' }),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    plugins: Type.Array(PluginSchema, { default: [], description: 'Nagios plugins run unchanged' }),
    pluginConcurrency: Type.Integer({ minimum: 1, maximum: 64, default: 4, description: 'Plugins running at the same time at most' }),
  },
  {
    additionalProperties: false,
    default: {},
    retiredKeys: {
      excludeFsTypes: 'replaced by agent.filesystems.exclude.fsTypes (added to the built-in exclusions) and agent.filesystems.include.fsTypes (to take one back)',
      excludeMounts: 'replaced by agent.filesystems.exclude.mounts (added to the built-in exclusions) and agent.filesystems.include.mounts (to take one back)',
    },
  },
);

/** The agent section as loaded (durations in milliseconds), with the top-level `timeZone` copied in: the zone of `inventory.schedule`. */
export type AgentConfig = StaticDecode<typeof AgentSchema> & { timeZone: string };

/** The agent section as written in the file, durations as text. */
export type AgentSection = StaticEncode<typeof AgentSchema>;
