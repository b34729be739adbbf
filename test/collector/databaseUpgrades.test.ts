/**
 * Upgrades and backups of the collector's database on real processes and real SQLite files:
 * a database written by a newer release is refused at open with a message that says what to do;
 * one whose hot reports are the WITHOUT ROWID table of schema version 18 keeps every one through the upgrade;
 * `tripline backup` taken while reports pour in is consistent (integrity_check) and holds every
 * report acknowledged before it started; and the README's restore (the copy as tripline.db in a
 * stopped collector's data directory, no stale WAL) brings a collector back with that data.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databasePath } from '../../collector/store/sqlite/databasePath.js';
import { backupDatabase } from '../../collector/store/sqlite/backupDatabase.js';
import { CURRENT_SCHEMA_VERSION, SchemaTooNewError } from '../../collector/store/sqlite/schemaVersion.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import { reportToRecord } from '../../collector/ingest/reportToRecord.js';
import { REPORT_SCHEMA_VERSION, REPORTS_PATH, type Report } from '../../contract/report.js';
import { asAdmin, CLI, freePort, spawnTripline, waitFor, type TriplineProcess } from '../support/processes.js';

const run = promisify(execFile);
const TOKEN = 'upgrade-test-token-0123456789abcdef';

function report(agentId: string, sequence: number): Report {
  const at = new Date().toISOString();
  const observations = Array.from({ length: 40 }, (_, i) => ({ metric: 'load_test_value', labels: { index: String(i) }, value: sequence + i, at }));
  return { schemaVersion: REPORT_SCHEMA_VERSION, agent: { id: agentId, hostname: agentId, version: 'test', intervalSeconds: 1, labels: {} }, sequence, sentAt: at, observations, checks: [] };
}

describe('a database whose rule states hold buffers as plain JSON (the schema version before packing)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-packed-'));
  const file = join(dir, 'tripline.db');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const legacy = {
    ruleName: 'filesystem_filling_up', ruleVersion: 'ba02dbfeaadd', fingerprint: 'fp-1', labels: { host: 'db-1', mount: '/var' }, status: 'inactive', lastValue: 0.9499, lastSampleAtMs: 1736132085000,
    recent: { atMs: [1736121600000, 1736121930001, 1736132085000], values: [0.6, 0.6112, 0.9499], sums: { originMs: 1736121600000, originValue: 0.6, x: 10495.001, y: 0.3611, xx: 103145050.020002, xy: 3789.9, updates: 37 } },
  };

  it('opens, reads them as they were saved, and packs each when it is next written', () => {
    const store = openSqliteStore({ file });
    store.close();
    const db = new Database(file);
    db.pragma(`user_version = ${CURRENT_SCHEMA_VERSION - 1}`);
    db.prepare('INSERT INTO rule_states (fingerprint, rule_name, state, host) VALUES (?, ?, ?, ?)').run('fp-1', legacy.ruleName, JSON.stringify(legacy), 'db-1');
    db.close();
    const reopened = openSqliteStore({ file });
    expect(reopened.loadRuleStates().get('fp-1')).toEqual(legacy);
    reopened.transaction((tx) => tx.saveRuleStates([reopened.loadRuleStates().get('fp-1')!]));
    expect(reopened.loadRuleStates().get('fp-1')).toEqual(legacy);
    reopened.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(CURRENT_SCHEMA_VERSION);
    const saved = JSON.parse((raw.prepare('SELECT state FROM rule_states WHERE fingerprint = ?').get('fp-1') as { state: string }).state);
    raw.close();
    expect(saved.recent).toEqual({ packed: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) });
    expect({ ...saved, recent: undefined }).toEqual({ ...legacy, recent: undefined });
  });
});

describe('a database whose hot reports are a WITHOUT ROWID table (the schema version before the rowid table)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-rowid-'));
  const file = join(dir, 'tripline.db');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const record = (agentId: string, sequence: number) => reportToRecord(report(agentId, sequence), 1_767_225_600_000 + sequence * 1000);
  const rowsOf = (db: Database.Database) => db.prepare('SELECT * FROM report_chunks ORDER BY host_id, sequence').all();

  it('keeps every hot report through the upgrade, and still refuses a report stored twice', () => {
    const store = openSqliteStore({ file });
    store.transaction((tx) => {
      for (let sequence = 1; sequence <= 30; sequence++) for (const agent of ['rowid-a', 'rowid-b', 'rowid-c']) expect(tx.insertReport(record(agent, sequence))).toBe(true);
    });
    store.close();
    // The table as schema version 18 left it: keyed by (host_id, sequence), WITHOUT ROWID, its indexes as they were.
    const old = new Database(file);
    old.exec(`BEGIN;
      CREATE TABLE old_chunks (host_id INTEGER NOT NULL, sequence INTEGER NOT NULL, base_at_ms INTEGER NOT NULL, received_at_ms INTEGER NOT NULL,
        samples BLOB NOT NULL, checks TEXT NOT NULL, texts TEXT, last_at_ms INTEGER, PRIMARY KEY (host_id, sequence)) WITHOUT ROWID;
      INSERT INTO old_chunks SELECT host_id, sequence, base_at_ms, received_at_ms, samples, checks, texts, last_at_ms FROM report_chunks;
      DROP TABLE report_chunks;
      ALTER TABLE old_chunks RENAME TO report_chunks;
      CREATE INDEX report_chunks_by_time ON report_chunks (host_id, base_at_ms);
      CREATE INDEX report_chunks_by_received ON report_chunks (received_at_ms);
      CREATE INDEX report_chunks_by_base_time ON report_chunks (base_at_ms);
      CREATE INDEX report_chunks_spanning ON report_chunks (host_id, last_at_ms) WHERE last_at_ms >= base_at_ms + 3600000;
      COMMIT;`);
    // Schema version 19: migrations 0 to 18 applied; 19 rebuilds the table, 20 changes its indexes.
    old.pragma('user_version = 19');
    const before = rowsOf(old);
    old.close();
    expect(before).toHaveLength(90);

    const reopened = openSqliteStore({ file });
    reopened.transaction((tx) => {
      expect(tx.insertReport(record('rowid-b', 17))).toBe(false);
      expect(tx.insertReport(record('rowid-b', 31))).toBe(true);
    });
    reopened.close();
    const upgraded = new Database(file, { readonly: true });
    expect(upgraded.pragma('user_version', { simple: true })).toBe(CURRENT_SCHEMA_VERSION);
    expect(upgraded.pragma('integrity_check', { simple: true })).toBe('ok');
    const table = upgraded.prepare("SELECT sql FROM sqlite_schema WHERE name = 'report_chunks'").pluck().get() as string;
    expect(table).not.toMatch(/WITHOUT ROWID/i);
    expect(upgraded.prepare("SELECT name FROM sqlite_schema WHERE tbl_name = 'report_chunks' AND type = 'index' ORDER BY name").pluck().all()).toEqual([
      'report_chunks_by_base_time', 'report_chunks_by_host', 'report_chunks_spanning',
    ]);
    const after = rowsOf(upgraded);
    upgraded.close();
    expect(after).toHaveLength(91);
    expect(after.filter((row) => (row as { sequence: number }).sequence !== 31)).toEqual(before);
  });
});

describe('a database written by a newer Tripline', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-schema-'));
  const file = join(dir, 'data', 'tripline.db');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(() => {
    openSqliteStore({ file }).close();
    const db = new Database(file);
    db.pragma(`user_version = ${CURRENT_SCHEMA_VERSION + 1}`);
    db.close();
  });

  // Each row: how the database is opened; every way refuses it.
  it.each([
    { name: 'by the collector (read-write)', readOnly: false },
    { name: 'by an operator command (read-only)', readOnly: true },
  ])('is refused when opened $name', ({ readOnly }) => {
    expect(() => openSqliteStore({ file, readOnly })).toThrow(SchemaTooNewError);
    expect(() => openSqliteStore({ file, readOnly })).toThrow(`has schema version ${CURRENT_SCHEMA_VERSION + 1}, written by a newer Tripline`);
  });

  it('is left untouched, and the collector exits saying what to do', async () => {
    writeFileSync(join(dir, 'tripline.yaml'), `dataDir: ${join(dir, 'data')}\ncollector: { listen: { port: ${await freePort()} }, agentTokens: ['${TOKEN}'] }\n`);
    const collector = spawnTripline(['collector', '--config', join(dir, 'tripline.yaml')], join(dir, 'collector.log'));
    expect(await collector.exited).toBe(1);
    expect(readFileSync(join(dir, 'collector.log'), 'utf8')).toMatch(/schema version \d+, written by a newer Tripline; this release understands up to version \d+\. Upgrade Tripline, or restore a backup/);
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(CURRENT_SCHEMA_VERSION + 1);
    db.close();
  });

  it('is refused by tripline backup too', () => {
    expect(() => backupDatabase(file, join(dir, 'copy.db'))).toThrow(SchemaTooNewError);
  });
});

describe('tripline backup under ingest load, and restore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-backup-'));
  const configFile = join(dir, 'tripline.yaml');
  const restoredConfig = join(dir, 'restored.yaml');
  let port: number;
  let collector: TriplineProcess | undefined;
  let restored: TriplineProcess | undefined;

  beforeAll(async () => {
    port = await freePort();
    writeFileSync(configFile, `dataDir: ${join(dir, 'data')}\nlog: { level: warn }\ncollector: { listen: { port: ${port} }, agentTokens: ['${TOKEN}'] }\n`);
  });
  afterAll(async () => {
    await collector?.kill('SIGTERM');
    await restored?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies a consistent database holding every report acknowledged before it began', async () => {
    collector = spawnTripline(['collector', '--config', configFile], join(dir, 'collector.log'));
    await waitFor('collector ready', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok);

    // Eight agents post reports back to back until told to stop, each noting what was acknowledged.
    const acknowledged = new Map<string, number>();
    let stop = false;
    const agents = Array.from({ length: 8 }, async (_, a) => {
      const id = `load-agent-${a}`;
      for (let sequence = 0; !stop; sequence++) {
        const response = await fetch(`http://127.0.0.1:${port}${REPORTS_PATH}`, {
          method: 'POST',
          body: JSON.stringify(report(id, sequence)),
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        });
        expect(response.status).toBe(200);
        acknowledged.set(id, sequence);
      }
    });
    await waitFor('a few hundred reports in', () => [...acknowledged.values()].reduce((n, s) => n + s + 1, 0) > 300);
    const beforeBackup = new Map(acknowledged);
    const backupFile = join(dir, 'backup.db');
    const { stdout } = await run(process.execPath, [CLI, 'backup', backupFile, '--config', configFile]);
    const afterBackup = [...acknowledged.values()].reduce((n, s) => n + s + 1, 0);
    stop = true;
    await Promise.all(agents);
    expect(stdout).toMatch(/^backed up .*tripline\.db to .*backup\.db \(\d+ bytes, schema version \d+, integrity ok\)$/m);
    // The load went on while the backup ran.
    expect(afterBackup).toBeGreaterThan([...beforeBackup.values()].reduce((n, s) => n + s + 1, 0));

    const copy = new Database(backupFile, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    const stored = copy.prepare('SELECT h.agent_id AS agentId, c.sequence FROM report_chunks c JOIN hosts h USING (host_id)').all() as Array<{ agentId: string; sequence: number }>;
    copy.close();
    const storedKeys = new Set(stored.map((r) => `${r.agentId}/${r.sequence}`));
    for (const [agentId, last] of beforeBackup) {
      for (let sequence = 0; sequence <= last; sequence++) expect(storedKeys.has(`${agentId}/${sequence}`), `${agentId}/${sequence}`).toBe(true);
    }

    // Restore as the README says: into a stopped collector's data directory, without WAL files.
    const restoredData = join(dir, 'restored-data');
    mkdirSync(restoredData);
    copyFileSync(backupFile, databasePath(restoredData));
    const restoredPort = await freePort();
    writeFileSync(restoredConfig, `dataDir: ${restoredData}\nlog: { level: warn }\ncollector: { listen: { port: ${restoredPort} }, agentTokens: ['${TOKEN}'] }\n`);
    restored = spawnTripline(['collector', '--config', restoredConfig], join(dir, 'restored.log'));
    await waitFor('restored collector ready', async () => (await fetch(`http://127.0.0.1:${restoredPort}/readyz`)).ok);
    const { hosts } = (await (await fetch(`http://127.0.0.1:${restoredPort}/api/v1/hosts`, asAdmin)).json()) as { hosts: Array<{ agentId: string; lastSequence: number }> };
    for (const [agentId, last] of beforeBackup) expect(hosts.find((h) => h.agentId === agentId)!.lastSequence).toBeGreaterThanOrEqual(last);
  }, 180_000); // two collector starts, a backup process and 300 reports: 60 s ran out beside two CPU hogs at load 15

  it('never overwrites an existing file', async () => {
    writeFileSync(join(dir, 'taken.db'), 'something else');
    await expect(run(process.execPath, [CLI, 'backup', join(dir, 'taken.db'), '--config', configFile])).rejects.toMatchObject({ stderr: expect.stringContaining('already exists; a backup never overwrites a file') });
    expect(readFileSync(join(dir, 'taken.db'), 'utf8')).toBe('something else');
  });
});
