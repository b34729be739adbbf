/**
 * `tripline migrate` on real parts: a real collector writes its SQLite file (agents, tokens, audit,
 * incidents opened, delivered to a webhook desk and resolved, the ledger and outbox, silences,
 * maintenance, service states, hot reports, and history compacted into series chunks and rollups by
 * the store's own compaction); then the compiled CLI copies it into a real temporary PostgreSQL in
 * small batches, is SIGKILLed part-way, and is run again: it continues, ends with every table's count
 * equal in both, and the PostgreSQL store reads back what the SQLite one holds.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_SCHEMA_VERSION } from '../../contract/report.js';
import { compactRows } from '../../collector/store/historyBlocks.js';
import { MigrateError, migrateToPostgres } from '../../collector/store/migrateToPostgres.js';
import { openPostgresStore } from '../../collector/store/postgres/postgresStore.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { Store } from '../../collector/store/store.js';
import { storeAndKill } from '../support/hostTouchesCrash.js';
import { startPostgresCluster, type PostgresCluster } from '../support/postgresCluster.js';
import { asAdmin, CLI, freePort, spawnTripline, startWebhookReceiver, waitFor, type WebhookReceiver } from '../support/processes.js';

const SECRET = 'migrate-webhook-secret-value';
const AGENT_TOKEN = 'migrate-agent-token-0123456789abcdef';
const ENROLL_TOKEN = 'migrate-enroll-token-0123456789abcdef';
const HOUR = 3_600_000;

/** Runs the compiled CLI's migrate; resolves with its exit code and output. `killAfter`: SIGKILL once stdout has this many progress lines. */
function runMigrate(from: string, to: string, password: string, extra: string[] = [], killAfter?: number): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'migrate', '--from', from, '--to', to, ...extra], { env: { ...process.env, TRIPLINE_POSTGRES_PASSWORD: password }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const read = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (killAfter !== undefined && (out.match(/rows copied/g) ?? []).length >= killAfter) child.kill('SIGKILL');
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code, signal) => resolve({ code, signal, out }));
  });
}

describe('tripline migrate: a real collector\'s SQLite file into a real PostgreSQL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-migrate-'));
  const file = join(dir, 'data', 'tripline.db');
  let cluster: PostgresCluster;
  let webhook: WebhookReceiver;

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    webhook = await startWebhookReceiver(SECRET);
  }, 120_000);
  // The collector of the first test, stopped by it; killed here if that test failed before (else it
  // outlives the run, its data directory removed under it).
  let collector: ReturnType<typeof spawnTripline> | undefined;
  afterAll(async () => {
    await collector?.kill('SIGKILL');
    cluster?.stop();
    await webhook?.close();
  });

  it('writes a SQLite file with a real collector', async () => {
    const port = await freePort();
    writeFileSync(join(dir, 'rules.yaml'), `rules:\n  - name: memory_high\n    metric: memory_used_ratio\n    above: 0.5\n    severity: critical\n    summary: 'memory on {{ labels.host }}'\n`);
    writeFileSync(
      join(dir, 'tripline.yaml'),
      `dataDir: ${join(dir, 'data')}
log: { level: warn }
collector:
  listen: { host: 127.0.0.1, port: ${port} }
  agentTokens: ['${AGENT_TOKEN}']
  enrollmentTokens: ['${ENROLL_TOKEN}']
  rules: [rules.yaml]
  evaluationInterval: 1s
desks:
  - type: webhook
    name: ops
    url: ${webhook.url}
delivery: { initialBackoff: 200ms, maxBackoff: 1s, pollInterval: 100ms }
incidents: { reopenWindow: 0s, resolveSettle: 0s, reachability: { enabled: false } }
services:
  shop:
    members: { hosts: [web-1, web-2] }
`,
    );
    collector = spawnTripline(['collector', '--config', join(dir, 'tripline.yaml')], join(dir, 'collector.log'), { TRIPLINE_DESK_OPS_SECRET: SECRET });
    const api = (path: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${port}${path}`, { ...init, headers: { ...asAdmin.headers, 'content-type': 'application/json', ...(init.headers ?? {}) } });
    await waitFor('collector ready', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok);
    const sequences = new Map<string, number>();
    const report = async (host: string, value: number, atMs = Date.now()) => {
      const sequence = (sequences.get(host) ?? 0) + 1;
      sequences.set(host, sequence);
      const at = new Date(atMs).toISOString();
      const body = { schemaVersion: REPORT_SCHEMA_VERSION, agent: { id: host, hostname: host, version: 'test', intervalSeconds: 60, labels: {} }, sequence, sentAt: new Date().toISOString(), observations: [{ metric: 'memory_used_ratio', labels: {}, value, at }, { metric: 'load1', labels: {}, value: value * 4, at }], checks: [] };
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/reports`, { method: 'POST', headers: { authorization: `Bearer ${AGENT_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(response.status).toBe(200);
    };
    // History three hours back (compacted below into series chunks and rollups), then the present.
    const start = Date.now() - 3 * HOUR;
    for (let i = 0; i < 40; i++) for (const host of ['web-1', 'web-2', 'db-1']) await report(host, 0.2 + (i % 5) / 100, start + i * 60_000);
    await report('web-1', 0.9);
    await report('db-1', 0.95);
    // Both hosts' opens (the service shop's own incident opens a ticket too, often within the 100 ms
    // between two looks: a count of exactly two opens could be skipped over, 1 -> 3).
    const opened = (host: string) => webhook.received.some((w) => w.payload.operation === 'open' && w.payload.incident.ruleName === 'memory_high' && w.payload.incident.host === host);
    await waitFor('both hosts\' opens delivered', () => opened('web-1') && opened('db-1'));
    // The API computes a service's state live; the watcher records it on its own schedule (its first
    // pass one evaluation interval after start), so wait for the row itself.
    expect(((await (await api('/api/v1/services/shop')).json()) as { state: string }).state).not.toBe('operational');
    await waitFor('the service watcher records shop as hit', () => {
      const reader = openSqliteStore({ file, readOnly: true });
      try {
        return reader.latestServiceStates().some((change) => change.service === 'shop' && change.state !== 'operational');
      } finally {
        reader.close();
      }
    });
    await report('web-1', 0.1);
    await waitFor('the resolve delivered', () => webhook.received.some((w) => w.payload.operation === 'resolve'));
    expect((await api('/api/v1/silences', { method: 'POST', body: JSON.stringify({ matchers: ['host="db-1"'], expiresAt: '2999-01-01T00:00:00Z', comment: 'migrating' }) })).status).toBe(201);
    expect((await api('/api/v1/maintenance', { method: 'POST', body: JSON.stringify({ cron: '0 2 * * 0', duration: '1h', host: 'web-2' }) })).status).toBe(201);
    expect((await api('/api/v1/tokens', { method: 'POST', body: JSON.stringify({ name: 'grafana', role: 'viewer' }) })).status).toBe(201);
    const enrolled = await fetch(`http://127.0.0.1:${port}/api/v1/enroll`, { method: 'POST', headers: { authorization: `Bearer ${ENROLL_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ agentId: 'enrolled-1', hostname: 'app-1' }) });
    expect(enrolled.status).toBe(200);
    expect(await collector.kill('SIGTERM')).toBe(0);

    // The store's own compaction turns the old hours into series chunks and rollups.
    const store = openSqliteStore({ file });
    while (store.compactHistory(Date.now() - HOUR) !== undefined);
    // A late report of an old hour, compacted and not yet swept: its hot row stays in the file, covered by the record
    // of what was compacted, and is copied in its compacted form only.
    store.transaction((tx) =>
      tx.insertReport({
        agentId: 'web-1', hostname: 'web-1', labels: {}, version: 'test', intervalSeconds: 60, sequence: 10_000, receivedAtMs: Date.now(), checks: [],
        samples: [{ metric: 'memory_used_ratio', labels: { host: 'web-1', late: 'yes' }, value: 0.5, atMs: start + 30_000 }],
      }),
    );
    const late = store.readHotBlock(Date.now() - HOUR)!;
    expect(late.rows).toHaveLength(1);
    expect(store.writeCompactedBlock(late, compactRows(late.rows))).toMatchObject({ reports: 1 });
    store.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT count(*) AS n FROM report_chunks WHERE sequence = 10000').get()).toEqual({ n: 1 });
    raw.close();
  }, 180_000);

  it('refuses a password in the URL, and a target that holds data no migration wrote', async () => {
    cluster.createDatabase('used');
    const store = openPostgresStore({ url: cluster.url('used'), password: cluster.password });
    store.enrollAgent({ agentId: 'x', hostname: 'x', credentialSha256: 'x', atMs: 0 });
    store.close();
    await expect(migrateToPostgres({ from: file, to: cluster.url('used'), password: cluster.password })).rejects.toThrow(MigrateError);
    await expect(migrateToPostgres({ from: file, to: cluster.url('used'), password: cluster.password })).rejects.toThrow(/already holds data .* migrate into an empty database/);
    const withPassword = cluster.url('used').replace('tripline@', `tripline:${cluster.password}@`);
    const refused = await runMigrate(file, withPassword, cluster.password);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain('remove it from the URL and set env TRIPLINE_POSTGRES_PASSWORD');
    expect(refused.out).not.toContain(cluster.password);
  }, 60_000);

  it('copies it into PostgreSQL, continues after a SIGKILL, and ends with equal counts and equal reads', async () => {
    cluster.createDatabase('migrated');
    const to = cluster.url('migrated');
    const killed = await runMigrate(file, to, cluster.password, ['--batch', '7'], 6);
    expect(killed.signal).toBe('SIGKILL');
    const resumed = await runMigrate(file, to, cluster.password, ['--batch', '7']);
    expect(resumed.out).toContain('every table matches');
    expect(resumed.code).toBe(0);
    // A third run copies nothing and still matches.
    const again = await runMigrate(file, to, cluster.password);
    expect([again.code, again.out.match(/copied (\d+) rows in this run/)?.[1]]).toEqual([0, '0']);
    // eslint-disable-next-line no-console
    console.log(resumed.out.split('\n').filter((line) => !line.includes('rows copied')).join('\n'));

    const sqlite = openSqliteStore({ file, readOnly: true });
    const postgres = openPostgresStore({ url: to, password: cluster.password });
    try {
      const counts: Record<string, number> = Object.fromEntries([...resumed.out.matchAll(/^(\w+)\s+(\d+)\s+(\d+)\s+ok$/gm)].map((m) => [m[1], Number(m[2])]));
      // the second run continued: it copied what the killed one had not
      const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
      expect(Number(resumed.out.match(/copied (\d+) rows in this run/)?.[1])).toBeLessThan(total);
      // every kind of row the issue names was there to copy
      for (const table of ['incidents', 'tickets', 'outbox', 'incident_events', 'silences', 'maintenance_windows', 'agents', 'api_tokens', 'audit_log', 'service_state_changes', 'service_incident_links', 'report_chunks', 'series_chunks', 'rollups_5m', 'rollups_1h', 'hosts', 'series']) {
        expect(counts[table], table).toBeGreaterThan(0);
      }
      const same = <T>(read: (store: Store) => T) => expect(read(postgres)).toEqual(read(sqlite));
      same((s) => s.listIncidents({ limit: 100 }));
      same((s) => s.listIncidents({ limit: 100 }).map((i) => [s.incidentEvents(i.id), s.outboxForIncident(i.id), s.getTicket(i.id, 'ops')]));
      same((s) => s.listSilences());
      same((s) => s.listMaintenance());
      same((s) => s.listAgents());
      same((s) => s.listApiTokens());
      same((s) => s.listAudit(100));
      same((s) => s.latestServiceStates());
      same((s) => s.listHosts());
      same((s) => s.loadRuleStates());
      const now = Date.now();
      same((s) => s.findSeries({ metric: 'memory_used_ratio' }).map((series) => s.seriesPoints(series, now - 4 * HOUR, now)));
      // The late report's sample, once.
      const lateSeries = sqlite.findSeries({ metric: 'memory_used_ratio' }).filter((series) => series.labels.late === 'yes');
      expect(lateSeries.map((series) => postgres.seriesPoints(series, now - 4 * HOUR, now).length)).toEqual([1]);
      same((s) => s.findSeries({ metric: 'load1' }).map((series) => s.rollups(series.seriesId, '5m', now - 4 * HOUR, now)));
      // New rows get new ids after the copied ones.
      const next = postgres.transaction((tx) => tx.insertSilence({ matchers: [], comment: 'after', createdBy: 'test', startsAtMs: now, expiresAtMs: now + 1000, createdAtMs: now }));
      expect(next.id).toBe(Math.max(...sqlite.listSilences().map((s) => s.id)) + 1);
    } finally {
      sqlite.close();
      postgres.close();
    }
  }, 300_000);

  it('copies the host rows of a file whose collector was killed as the next start would repair them', async () => {
    // A process killed with SIGKILL held what its last reports wrote to their hosts' rows (hostTouches.ts).
    const crashed = join(dir, 'crashed', 'tripline.db');
    openSqliteStore({ file: crashed }).close();
    const t0 = Date.now() - 3 * HOUR;
    const rounds = 6;
    await storeAndKill(crashed, t0, rounds);
    const raw = new Database(crashed, { readonly: true });
    const inFile = raw.prepare('SELECT hostname, last_sequence, last_report_at_ms FROM hosts ORDER BY hostname').all();
    raw.close();
    // The file's rows are behind: each host's first report made its row, the rest were held.
    expect(inFile).toEqual([0, 1, 2, 3, 4].map((host) => ({ hostname: `h${host}`, last_sequence: 1, last_report_at_ms: t0 + 15_000 + host })));

    cluster.createDatabase('crashed');
    const to = cluster.url('crashed');
    const result = await migrateToPostgres({ from: crashed, to, password: cluster.password });
    expect(result.complete).toBe(true);
    const postgres = openPostgresStore({ url: to, password: cluster.password });
    try {
      expect(postgres.listHosts().map((h) => [h.hostname, h.lastSequence, h.lastReportAtMs]).sort()).toEqual(
        [0, 1, 2, 3, 4].map((host) => [`h${host}`, rounds, t0 + rounds * 15_000 + host]),
      );
      // A re-sent last report is a duplicate there too, and the next one is stored.
      const resent = (sequence: number) => ({
        agentId: 'agent-h0', hostname: 'h0', labels: {}, version: 'test', intervalSeconds: 15, sequence, receivedAtMs: t0 + sequence * 15_000, checks: [],
        samples: [{ metric: 'cpu_usage_ratio', labels: { host: 'h0' }, value: sequence / 1000, atMs: t0 + sequence * 15_000 }],
      });
      expect(postgres.transaction((tx) => tx.insertReport(resent(rounds)))).toBe(false);
      expect(postgres.transaction((tx) => tx.insertReport(resent(rounds + 1)))).toBe(true);
    } finally {
      postgres.close();
    }
    // The file itself is left as it was: read, not repaired.
    const after = new Database(crashed, { readonly: true });
    expect(after.prepare('SELECT max(last_sequence) AS n FROM hosts').get()).toEqual({ n: 1 });
    after.close();
  }, 120_000);
});
