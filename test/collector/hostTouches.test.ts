/**
 * What reports write to their hosts' rows is held in memory and written a few seconds at a time,
 * in host order (collector/store/sqlite/hostTouches.ts). These tests hold the promises that make
 * that safe: every read through the store sees every stored report; a rolled-back transaction or
 * savepoint leaves nothing held; a rename is written at once; addresses a later report leaves out
 * are kept; a second writer on the file gets the rows written at the end of the next transaction;
 * and a process killed with SIGKILL loses nothing, its rows repaired from the stored reports when the
 * file is opened again (and read as repaired by a read-only store before that). A raw read-only
 * connection shows what the file holds, so each test also shows that the touch was held in the
 * first place (a test that cannot fail otherwise).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createHistoryReader } from '../../collector/history/historyReader.js';
import { FLUSH_AFTER_MS, HOSTS_AS_REPAIRED, HostTouches, MAX_HELD_HOSTS, type HostTouch } from '../../collector/store/sqlite/hostTouches.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { ReportRecord, Store } from '../../collector/store/store.js';
import { storeAndKill } from '../support/hostTouchesCrash.js';

const T0 = Date.parse('2026-12-06T00:00:00Z');

function report(hostname: string, sequence: number, extra: Partial<ReportRecord> = {}): ReportRecord {
  const atMs = T0 + sequence * 15_000;
  return {
    agentId: `agent-${hostname}`, hostname, labels: {}, version: 'test', intervalSeconds: 15, sequence, receivedAtMs: atMs, checks: [],
    samples: [{ metric: 'cpu_usage_ratio', labels: { host: hostname }, value: sequence / 100, atMs }],
    ...extra,
  };
}

const store1 = (store: Store, r: ReportRecord) => store.transaction((tx) => tx.insertReport(r));

/** The host row as the file holds it, read by another connection (what a second process sees). */
function fileRow(file: string, agentId: string) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT hostname, labels, last_sequence, last_report_at_ms, addresses FROM hosts WHERE agent_id = ?').get(agentId) as
      | { hostname: string; labels: string; last_sequence: number; last_report_at_ms: number; addresses: string }
      | undefined;
  } finally {
    db.close();
  }
}

const touch = (hostId: number, sequence: number, extra: Partial<HostTouch> = {}): HostTouch => ({
  hostId, agentId: `agent-${hostId}`, hostname: `h${hostId}`, labels: '{}', version: 'test', intervalSeconds: 15, sequence, atMs: T0 + sequence,
  addresses: null, defaultGateway: null, inventory: null, ...extra,
});

describe('held host touches (HostTouches)', () => {
  it('are due once the oldest has been held FLUSH_AFTER_MS, or once MAX_HELD_HOSTS hosts have one', () => {
    let now = 1_000;
    const touches = new HostTouches(() => now);
    touches.stage(touch(1, 1));
    expect(touches.due()).toBe(false); // staged, not yet committed
    touches.commit();
    now += FLUSH_AFTER_MS - 1;
    touches.stage(touch(2, 1));
    touches.commit();
    expect(touches.due()).toBe(false);
    now += 1;
    expect(touches.due()).toBe(true);
    expect(touches.takeAll().map((t) => t.hostId)).toEqual([1, 2]);
    expect(touches.due()).toBe(false);
    for (let host = MAX_HELD_HOSTS; host > 1; host--) touches.stage(touch(host, 1));
    touches.commit();
    expect(touches.due()).toBe(false);
    touches.stage(touch(1, 1));
    touches.commit();
    expect(touches.due()).toBe(true);
    expect(touches.takeAll().slice(0, 3).map((t) => t.hostId)).toEqual([1, 2, 3]);
  });

  it('keep one touch a host: the newest, with the highest sequence and the addresses a later one left out', () => {
    const touches = new HostTouches(() => 0);
    touches.stage(touch(7, 10, { addresses: '["10.0.0.7"]', defaultGateway: '10.0.0.1', atMs: 1 }));
    touches.stage(touch(7, 9, { labels: '{"rack":"b"}', atMs: 2 })); // a spooled report, received later
    touches.commit();
    expect(touches.takeAll()).toEqual([touch(7, 10, { labels: '{"rack":"b"}', atMs: 2, addresses: '["10.0.0.7"]', defaultGateway: '10.0.0.1' })]);
  });

  it('are written a slice at a time in host order once due; what comes meanwhile is held for the next drain, and a host taken out is not written twice', () => {
    let now = 0;
    const touches = new HostTouches(() => now);
    for (let host = 1200; host >= 1; host--) touches.stage(touch(host, 1));
    touches.commit();
    now += FLUSH_AFTER_MS;
    expect(touches.due()).toBe(true);
    const first = touches.drain(500);
    expect(first.map((t) => t.hostId)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(touches.drainingNow).toBe(true);
    expect(touches.due()).toBe(false);
    touches.stage(touch(3, 2));
    touches.stage(touch(700, 2));
    touches.commit();
    // Read of host 900's row first: taken out of the drain (and 700's newer touch with its older one).
    expect(touches.takeHosts([900, 700]).map((t) => [t.hostId, t.sequence])).toEqual([[900, 1], [700, 1], [700, 2]]);
    expect(touches.pending().map((t) => t.hostId).slice(0, 2)).toEqual([501, 502]);
    expect(touches.pending().at(-1)).toMatchObject({ hostId: 3, sequence: 2 });
    expect(touches.drain(500).map((t) => t.hostId)).toEqual(Array.from({ length: 502 }, (_, i) => i + 501).filter((h) => h !== 700 && h !== 900));
    expect(touches.drain(500).map((t) => t.hostId)).toEqual(Array.from({ length: 198 }, (_, i) => i + 1003));
    expect(touches.drainingNow).toBe(false);
    expect(touches.newestOf(3)).toMatchObject({ sequence: 2 });
    expect(touches.drain(500).map((t) => t.hostId)).toEqual([3]);
    expect(touches.size).toBe(0);
  });

  it('drop what a savepoint or transaction staged when it rolls back, and hold again what could not be written, older than what came since', () => {
    const touches = new HostTouches(() => 0);
    touches.stage(touch(1, 1));
    const mark = touches.mark();
    touches.stage(touch(2, 1));
    touches.undoTo(mark);
    touches.commit();
    expect(touches.pending().map((t) => t.hostId)).toEqual([1]);
    const taken = touches.takeAll();
    touches.stage(touch(1, 2, { labels: '{"new":"1"}' }));
    touches.commit();
    touches.restore(taken);
    expect(touches.takeAll()).toEqual([touch(1, 2, { labels: '{"new":"1"}' })]);
  });
});

describe('host rows of the SQLite store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-host-touches-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let files = 0;
  const newFile = () => join(dir, `t${++files}.db`);

  it('are current for every read through the store, while the file holds them back', () => {
    const file = newFile();
    const store = openSqliteStore({ file });
    for (let sequence = 1; sequence <= 3; sequence++) store1(store, report('a', sequence));
    // The first report made the row; the next two are held, and the store's reads of rows show them.
    expect(fileRow(file, 'agent-a')).toMatchObject({ last_sequence: 1, last_report_at_ms: T0 + 15_000 });
    expect(store.findHost('a')).toMatchObject({ lastSequence: 3, lastReportAtMs: T0 + 45_000 });
    expect(store.listHosts().map((h) => [h.hostname, h.lastSequence, h.lastReportAtMs])).toEqual([['a', 3, T0 + 45_000]]);
    expect(fileRow(file, 'agent-a')).toMatchObject({ last_sequence: 1 });
    // Statements that filter on the rows get them written first.
    expect(store.overdueHosts(T0 + 3 * 15_000 + 14_999)).toEqual([]);
    expect(fileRow(file, 'agent-a')).toMatchObject({ last_sequence: 3, last_report_at_ms: T0 + 45_000 });

    store1(store, report('a', 4));
    store1(store, report('a', 5));
    expect(fileRow(file, 'agent-a')).toMatchObject({ last_sequence: 3 });
    // Overdue once its interval (15 s) has passed since its last report, and not before.
    expect(store.overdueHosts(T0 + 5 * 15_000 + 14_999)).toEqual([]);
    expect(store.overdueHosts(T0 + 6 * 15_000).map((h) => [h.hostname, h.lastSequence])).toEqual([['a', 5]]);
    expect(fileRow(file, 'agent-a')).toMatchObject({ last_sequence: 5 });
    store1(store, report('a', 6));
    const reader = createHistoryReader({ store, clock: { nowMs: () => T0 + 7 * 15_000 }, rawRetentionMs: 86_400_000 });
    expect(reader.latestValues({ metric: 'cpu_usage_ratio' }).map((v) => v.value)).toEqual([0.06]);
    store1(store, report('a', 7));
    store.close();
    expect(fileRow(file, 'agent-a')).toMatchObject({ last_sequence: 7, last_report_at_ms: T0 + 7 * 15_000 });
  });

  it('keep nothing of a transaction or savepoint that rolled back', () => {
    const file = newFile();
    const store = openSqliteStore({ file });
    store1(store, report('a', 1));
    store1(store, report('a', 2));
    expect(() =>
      store.transaction((tx) => {
        tx.insertReport(report('a', 3));
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    store.transaction((tx) => {
      expect(() =>
        tx.savepoint(() => {
          tx.insertReport(report('a', 4));
          throw new Error('savepoint rolled back');
        }),
      ).toThrow('savepoint rolled back');
    });
    expect(store.findHost('a')).toMatchObject({ lastSequence: 2, lastReportAtMs: T0 + 30_000 });
    const reader = createHistoryReader({ store, clock: { nowMs: () => T0 + 60_000 }, rawRetentionMs: 86_400_000 });
    expect(reader.latestValues({ metric: 'cpu_usage_ratio' }).map((v) => v.value)).toEqual([0.02]);
    store.close();
    expect(fileRow(file, 'agent-a')).toMatchObject({ last_sequence: 2 });
  });

  it('are written at once for a rename, and keep addresses a later report left out', () => {
    const file = newFile();
    const store = openSqliteStore({ file });
    store1(store, report('a', 1));
    store1(store, report('a', 2, { addresses: ['10.1.0.5'] }));
    store1(store, report('a', 3));
    expect(fileRow(file, 'agent-a')).toMatchObject({ hostname: 'a', last_sequence: 1, addresses: '[]' });
    expect(store.findHost('a')).toMatchObject({ lastSequence: 3, addresses: ['10.1.0.5'] });
    store1(store, report('a-renamed', 4, { agentId: 'agent-a' }));
    expect(fileRow(file, 'agent-a')).toMatchObject({ hostname: 'a-renamed', last_sequence: 4, addresses: '["10.1.0.5"]' });
    store1(store, report('a-renamed', 5, { agentId: 'agent-a', labels: { rack: 'r2' } }));
    store.close();
    expect(fileRow(file, 'agent-a')).toMatchObject({ hostname: 'a-renamed', last_sequence: 5, labels: '{"rack":"r2"}', addresses: '["10.1.0.5"]' });
  });

  it('are written at the end of the next transaction once another connection commits to the file', () => {
    const file = newFile();
    const one = openSqliteStore({ file });
    store1(one, report('a', 1));
    store1(one, report('a', 2));
    expect(fileRow(file, 'agent-a')).toMatchObject({ last_sequence: 1 });
    const two = openSqliteStore({ file });
    store1(two, report('b', 1));
    store1(one, report('a', 3));
    expect(fileRow(file, 'agent-a')).toMatchObject({ last_sequence: 3 });
    // From then on one's touches are written as they come.
    store1(one, report('a', 4));
    expect(fileRow(file, 'agent-a')).toMatchObject({ last_sequence: 4 });
    one.close();
    two.close();
  });

  it('lose nothing when the process is killed: opening the file repairs them from the stored reports', async () => {
    const file = newFile();
    openSqliteStore({ file }).close();
    const ROUNDS = 8;
    await storeAndKill(file, T0, ROUNDS);
    // The file's rows are behind the stored reports: every host's first report made its row, the rest were held when the process died.
    for (let host = 0; host < 5; host++) expect(fileRow(file, `agent-h${host}`)).toMatchObject({ last_sequence: 1, last_report_at_ms: T0 + 15_000 + host });
    const store = openSqliteStore({ file });
    for (let host = 0; host < 5; host++) {
      expect(store.findHost(`h${host}`)).toMatchObject({ lastSequence: ROUNDS, lastReportAtMs: T0 + ROUNDS * 15_000 + host });
    }
    const reader = createHistoryReader({ store, clock: { nowMs: () => T0 + 100 * 15_000 }, rawRetentionMs: 86_400_000 });
    expect(reader.latestValues({ metric: 'cpu_usage_ratio' }).map((v) => [v.series.hostname, v.value]).sort()).toEqual(
      [0, 1, 2, 3, 4].map((host) => [`h${host}`, ROUNDS / 1000]),
    );
    // A re-sent report is still a duplicate, and the next one moves the row on.
    expect(store.transaction((tx) => tx.insertReport(report('h0', ROUNDS)))).toBe(false);
    expect(store.transaction((tx) => tx.insertReport(report('h0', ROUNDS + 1)))).toBe(true);
    expect(store.findHost('h0')).toMatchObject({ lastSequence: ROUNDS + 1, lastReportAtMs: T0 + (ROUNDS + 1) * 15_000 });
    store.close();
  }, 60_000);

  it('read through a read-only store (`tripline` commands) as the repair would leave them, the file left as it is', async () => {
    const file = newFile();
    openSqliteStore({ file }).close();
    const ROUNDS = 6;
    await storeAndKill(file, T0, ROUNDS);
    const readOnly = openSqliteStore({ file, readOnly: true });
    try {
      expect(readOnly.findHost('h3')).toMatchObject({ lastSequence: ROUNDS, lastReportAtMs: T0 + ROUNDS * 15_000 + 3 });
      expect(readOnly.listHosts().map((h) => [h.hostname, h.lastSequence, h.lastReportAtMs])).toEqual(
        [0, 1, 2, 3, 4].map((host) => [`h${host}`, ROUNDS, T0 + ROUNDS * 15_000 + host]),
      );
      expect(readOnly.listHosts({ inventory: false }).map((h) => h.lastSequence)).toEqual([ROUNDS, ROUNDS, ROUNDS, ROUNDS, ROUNDS]);
      // Overdue by the stored reports, not by the rows' first report: none is due before its last report's interval has passed.
      expect(readOnly.overdueHosts(T0 + ROUNDS * 15_000 + 14_999)).toEqual([]);
      expect(readOnly.overdueHosts(T0 + (ROUNDS + 1) * 15_000 + 4).map((h) => h.hostname)).toEqual(['h0', 'h1', 'h2', 'h3', 'h4']);
    } finally {
      readOnly.close();
    }
    // Read, not repaired: the file still holds the rows of the first reports.
    for (let host = 0; host < 5; host++) expect(fileRow(file, `agent-h${host}`)).toMatchObject({ last_sequence: 1, last_report_at_ms: T0 + 15_000 + host });
    // The read-only form names every column of the table, in its order (a column a migration adds must be added there too).
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const columns = (sql: string) => db.prepare(sql).columns().map((c) => c.name);
      expect(columns(`SELECT * FROM ${HOSTS_AS_REPAIRED}`)).toEqual(columns('SELECT * FROM hosts'));
    } finally {
      db.close();
    }
  }, 60_000);

  it('repair waits its turn: a store opened while another process holds the write lock opens once it is released', async () => {
    // Opening for writing runs the repair, an UPDATE, which takes the write lock even when it changes
    // nothing; the open must wait for it (a busy timeout in force during the repair), not fail with SQLITE_BUSY.
    const file = newFile();
    const first = openSqliteStore({ file });
    store1(first, report('a', 1));
    first.close();
    const HOLD_MS = 1_500;
    const holder = spawn(
      process.execPath,
      ['-e', `const db = new (require('better-sqlite3'))(process.argv[1]); db.exec('BEGIN IMMEDIATE'); db.prepare("UPDATE hosts SET labels = '{\\"held\\":\\"yes\\"}'").run(); console.log('locked'); setTimeout(() => { db.exec('COMMIT'); db.close(); }, ${HOLD_MS});`, file],
      { cwd: resolve(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((done) => holder.on('exit', done));
    await new Promise<void>((locked, fail) => {
      let out = '';
      let err = '';
      holder.stdout.on('data', (data: Buffer) => {
        out += data.toString();
        if (out.includes('locked')) locked();
      });
      holder.stderr.on('data', (data: Buffer) => (err += data.toString()));
      holder.on('exit', (code) => fail(new Error(`lock holder exited with ${code} before locking: ${err}`)));
    });
    const started = performance.now();
    const second = openSqliteStore({ file });
    const waitedMs = performance.now() - started;
    try {
      expect(await exited).toBe(0);
      // It waited for the holder's commit (the open blocks, so the holder's timer ran in its own process), and reads what it wrote.
      expect(waitedMs).toBeGreaterThan(HOLD_MS / 2);
      expect(second.findHost('a')).toMatchObject({ labels: { held: 'yes' }, lastSequence: 1 });
    } finally {
      second.close();
    }
  }, 30_000);
});
