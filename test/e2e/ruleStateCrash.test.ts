/**
 * Rule state across collector SIGKILLs, on a real process and SQLite file: a change of status or
 * timer is written with the report that made it (a crash loses no `for` and opens no duplicate); a
 * change of only the latest sample waits for a checkpoint (alertPipeline.ts), and a clean stop
 * writes it. Reports are sent by hand with sample times in the past, so that the test sets the
 * times the rule judges.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_SCHEMA_VERSION, REPORTS_PATH, type Report } from '../../contract/report.js';
import { asAdmin, freePort, spawnTripline, waitFor, type TriplineProcess } from '../support/processes.js';

const AGENT_TOKEN = 'e2e-rule-state-token-0123456789ab';
const T0 = Date.now() - 10 * 60_000;

interface IncidentView {
  id: number;
  status: string;
  ruleName: string;
}

describe('rule state across collector SIGKILLs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-e2e-rulestate-'));
  const configFile = join(dir, 'tripline.yaml');
  let port: number;
  let collector: TriplineProcess | undefined;
  let sequence = 0;
  const start = async () => {
    collector = spawnTripline(['collector', '--config', configFile], join(dir, 'collector.log'));
    await waitFor('collector ready', async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok);
  };
  const incidents = async () => ((await (await fetch(`http://127.0.0.1:${port}/api/v1/incidents`, asAdmin)).json()) as { incidents: IncidentView[] }).incidents;
  /** Sends one report of `tcp_up` = `value` at T0 + `seconds`, and waits for its acknowledgement (= committed). */
  const send = async (seconds: number, value: number) => {
    const at = new Date(T0 + seconds * 1000).toISOString();
    const report: Report = {
      schemaVersion: REPORT_SCHEMA_VERSION,
      agent: { id: 'crash-agent', hostname: 'crash-host', version: 'test', intervalSeconds: 5, labels: {} },
      sequence: ++sequence,
      sentAt: at,
      observations: [{ metric: 'tcp_up', labels: { target: 'db' }, value, at }],
      checks: [],
    };
    const response = await fetch(`http://127.0.0.1:${port}${REPORTS_PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${AGENT_TOKEN}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify(report)),
    });
    expect(response.status, await response.text()).toBe(200);
  };
  /** The rule's persisted state, read from the database file as a restart would. */
  const stored = () => {
    const db = new Database(join(dir, 'data', 'tripline.db'), { readonly: true, fileMustExist: true });
    try {
      const row = db.prepare("SELECT state FROM rule_states WHERE rule_name = 'db_port_down'").get() as { state: string } | undefined;
      return row && (JSON.parse(row.state) as { status: string; pendingSinceMs?: number; lastSampleAtMs: number });
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    port = await freePort();
    writeFileSync(join(dir, 'rules.yaml'), `rules:\n  - name: db_port_down\n    metric: tcp_up\n    below: 1\n    for: 20s\n    severity: critical\n    summary: 'db down on {{ labels.host }}'\n`);
    writeFileSync(
      configFile,
      `dataDir: ${join(dir, 'data')}\ncollector:\n  listen: { host: 127.0.0.1, port: ${port} }\n  agentTokens: ['${AGENT_TOKEN}']\n  rules: [rules.yaml]\nincidents:\n  reachability: { enabled: false }\n`,
    );
  });

  afterAll(async () => {
    await collector?.kill('SIGKILL');
  });

  it('keeps the `for` and the firing across SIGKILLs, and writes the latest sample at a clean stop', async () => {
    await start();
    await send(0, 0); // the breach starts the `for`: written with the report
    await send(5, 0); // still pending, only the latest sample moved: waits for a checkpoint
    expect(stored()).toMatchObject({ status: 'pending', pendingSinceMs: T0, lastSampleAtMs: T0 });

    expect(await collector!.kill('SIGKILL')).toBeNull();
    await start();
    await send(20, 0); // 20 s after the first breach: fires, so the `for` survived the crash
    expect((await incidents()).map((i) => [i.ruleName, i.status])).toEqual([['db_port_down', 'open']]);
    expect(stored()).toMatchObject({ status: 'firing', lastSampleAtMs: T0 + 20_000 });

    expect(await collector!.kill('SIGKILL')).toBeNull();
    await start();
    await send(25, 0); // still firing after the crash: no second incident
    expect((await incidents()).map((i) => i.status)).toEqual(['open']);
    await send(30, 1);
    expect((await incidents()).map((i) => i.status)).toEqual(['resolved']);

    await send(35, 0); // a new breach: pending, written at once
    await send(40, 0); // latest sample only
    expect(stored()).toMatchObject({ status: 'pending', pendingSinceMs: T0 + 35_000, lastSampleAtMs: T0 + 35_000 });
    expect(await collector!.kill('SIGTERM')).toBe(0);
    expect(stored()).toMatchObject({ status: 'pending', pendingSinceMs: T0 + 35_000, lastSampleAtMs: T0 + 40_000 });
  }, 120_000); // four collector starts: a minute on a busy 2-core machine
});
