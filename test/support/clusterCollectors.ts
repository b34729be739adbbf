/**
 * Collectors on one shared PostgreSQL for the cluster e2e tests: the bed (server, webhook desk,
 * ports), the config of one collector (a webhook desk, the memory_high rule, the leases and delivery
 * settings a test chooses) and the report a simulated agent sends.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { REPORT_SCHEMA_VERSION } from '../../contract/report.js';
import { startPostgresCluster, type PostgresCluster } from './postgresCluster.js';
import { freePort, spawnTripline, startWebhookReceiver, type TriplineProcess, type WebhookReceiver } from './processes.js';

/** The rule every cluster test fires and clears: memory_used_ratio above 0.5. */
export const MEMORY_RULE = `rules:\n  - name: memory_high\n    metric: memory_used_ratio\n    above: 0.5\n    severity: critical\n    summary: 'memory on {{ labels.host }}'\n`;

/** What a cluster test chooses for one collector; the bed fills in the rest. */
export type ClusterCollectorSettings = Pick<ClusterCollectorOptions, 'leases' | 'delivery' | 'deskTimeout' | 'evaluationInterval'>;

interface ClusterCollectorOptions {
  dir: string;
  port: number;
  /** The shared database's URL (the password goes in TRIPLINE_POSTGRES_PASSWORD). */
  url: string;
  agentToken: string;
  webhookUrl: string;
  /** YAML flow mappings of the `collector.leases`, `delivery` and desk settings. */
  leases: string;
  delivery: string;
  deskTimeout?: string;
  evaluationInterval?: string;
}

/** Writes `collector-<port>.yaml` in `dir` (rules.yaml beside it, written by the test) and returns its path. */
function writeClusterCollectorConfig(o: ClusterCollectorOptions): string {
  const file = join(o.dir, `collector-${o.port}.yaml`);
  writeFileSync(
    file,
    `dataDir: ${join(o.dir, `data-${o.port}`)}
log: { level: info }
store: { postgres: { url: '${o.url}' } }
collector:
  listen: { host: 127.0.0.1, port: ${o.port} }
  agentTokens: ['${o.agentToken}']
  rules: [rules.yaml]
${o.evaluationInterval === undefined ? '' : `  evaluationInterval: ${o.evaluationInterval}\n`}  leases: ${o.leases}
desks:
  - type: webhook
    name: ops
    url: ${o.webhookUrl}
${o.deskTimeout === undefined ? '' : `    timeout: ${o.deskTimeout}\n`}delivery: ${o.delivery}
incidents: { reopenWindow: 0s, resolveSettle: 0s, reachability: { enabled: false } }
`,
  );
  return file;
}

/** The body of one report of a simulated agent: one memory_used_ratio observation now. */
export function memoryReport(host: string, sequence: number, value: number): string {
  const at = new Date().toISOString();
  return JSON.stringify({ schemaVersion: REPORT_SCHEMA_VERSION, agent: { id: host, hostname: host, version: 'test', intervalSeconds: 60, labels: {} }, sequence, sentAt: at, observations: [{ metric: 'memory_used_ratio', labels: {}, value, at }], checks: [] });
}

/** What a cluster test runs on: one PostgreSQL with a `shared` database, a webhook desk, three ports and the collectors running. */
export interface ClusterBed {
  readonly dir: string;
  readonly cluster: PostgresCluster;
  readonly webhook: WebhookReceiver;
  readonly ports: readonly number[];
  readonly running: Map<number, TriplineProcess>;
  /** Starts a collector on `port` (config and log `collector-<port>.*` in `dir`) on the shared database and records it in `running`. */
  startCollector(port: number, settings: ClusterCollectorSettings): TriplineProcess;
}

/** Registers the bed's start (beforeAll) and its teardown (afterAll: collectors, desk, PostgreSQL); read it inside the tests. */
export function useClusterBed(prefix: string, webhookSecret: string, agentToken: string): ClusterBed {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const ports: number[] = [];
  const running = new Map<number, TriplineProcess>();
  let cluster: PostgresCluster | undefined;
  let webhook: WebhookReceiver | undefined;
  beforeAll(async () => {
    cluster = await startPostgresCluster();
    cluster.createDatabase('shared');
    webhook = await startWebhookReceiver(webhookSecret);
    writeFileSync(join(dir, 'rules.yaml'), MEMORY_RULE);
    for (let i = 0; i < 3; i++) ports.push(await freePort());
  }, 120_000);
  afterAll(async () => {
    for (const child of running.values()) await child.kill('SIGTERM');
    await webhook?.close();
    cluster?.stop();
  });
  const bed: ClusterBed = {
    dir,
    ports,
    running,
    startCollector(port, settings) {
      const file = writeClusterCollectorConfig({ ...settings, dir, port, url: bed.cluster.url('shared'), agentToken, webhookUrl: bed.webhook.url });
      const child = spawnTripline(['collector', '--config', file], join(dir, `collector-${port}.log`), { TRIPLINE_DESK_OPS_SECRET: webhookSecret, TRIPLINE_POSTGRES_PASSWORD: bed.cluster.password });
      running.set(port, child);
      return child;
    },
    get cluster() {
      if (cluster === undefined) throw new Error('the PostgreSQL server did not start');
      return cluster;
    },
    get webhook() {
      if (webhook === undefined) throw new Error('the webhook desk did not start');
      return webhook;
    },
  };
  return bed;
}
