/**
 * Checks as signals at the collector: each check result of a report becomes a `check_status`
 * sample (its Nagios code, the output's first line as text) that rules match, that the store keeps
 * with its text, and that a backtest replays. Over real HTTP against a collector with a SQLite file.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../../collector/backtest/runBacktest.js';
import { startCollector, type RunningCollector } from '../../collector/collector.js';
import { incidentPolicy } from '../../collector/incidents/incidentPolicy.js';
import { reportToRecord } from '../../collector/ingest/reportToRecord.js';
import { loadConfig } from '../../config/loadConfig.js';
import { checkSeriesLabels } from '../../contract/collectorSeries.js';
import { REPORT_SCHEMA_VERSION, REPORTS_PATH, type CheckResult, type Report } from '../../contract/report.js';
import { DEFAULT_RULES_DIR, loadRuleFiles } from '../../rules/index.js';

const TOKEN = 'check-series-token-0123456789';
const BASE = Date.parse('2026-03-02T10:00:00Z');

function check(name: string, status: CheckResult['status'], output: string, atMs: number): CheckResult {
  return { name, status, output, at: new Date(atMs).toISOString(), durationSeconds: 0.01 };
}

function report(sequence: number, checks: CheckResult[], atMs = Date.now()): Report {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    agent: { id: 'agent-checks', hostname: 'db-1', version: 'test', intervalSeconds: 15, labels: { group: 'db', check: 'host-label' } },
    sequence,
    sentAt: new Date(atMs).toISOString(),
    observations: [],
    checks,
  };
}

describe('check results as check_status samples', () => {
  it.each([
    // name -> labels: the part before the first colon is the kind
    { name: 'plugin:raid', labels: { kind: 'plugin', check: 'raid' } },
    { name: 'tcp:db.example:5432', labels: { kind: 'tcp', check: 'db.example:5432' } },
    { name: 'probe:filesystems', labels: { kind: 'probe', check: 'filesystems' } },
    { name: 'legacy', labels: { kind: '', check: 'legacy' } },
  ])('$name', ({ name, labels }) => {
    expect(checkSeriesLabels(name)).toEqual(labels);
  });

  it('carry the host labels, the state code and the first output line; a check label beats a host label of the same name', () => {
    const checks = [
      check('plugin:raid', 'critical', 'CRITICAL - array md0 degraded\nmd0: [U_]', BASE),
      check('probe:filesystems', 'unknown', 'did not finish within 5s', BASE),
      check('process:sshd', 'ok', '2 process(es) named sshd', BASE),
      check('plugin:disk', 'warning', 'DISK WARNING', BASE),
    ];
    const samples = reportToRecord(report(1, checks, BASE), BASE).samples;
    expect(samples).toEqual([
      { metric: 'check_status', labels: { group: 'db', host: 'db-1', kind: 'plugin', check: 'raid' }, value: 2, atMs: BASE, intervalMs: 15_000, text: 'CRITICAL - array md0 degraded' },
      { metric: 'check_status', labels: { group: 'db', host: 'db-1', kind: 'probe', check: 'filesystems' }, value: 3, atMs: BASE, intervalMs: 15_000, text: 'did not finish within 5s' },
      { metric: 'check_status', labels: { group: 'db', host: 'db-1', kind: 'process', check: 'sshd' }, value: 0, atMs: BASE, intervalMs: 15_000, text: '2 process(es) named sshd' },
      { metric: 'check_status', labels: { group: 'db', host: 'db-1', kind: 'plugin', check: 'disk' }, value: 1, atMs: BASE, intervalMs: 15_000, text: 'DISK WARNING' },
    ]);
  });
});

describe('a collector with the default pack', () => {
  let collector: RunningCollector;
  const post = (body: Report) =>
    fetch(`${collector.url}${REPORTS_PATH}`, { method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } });

  beforeAll(async () => {
    const { config } = loadConfig(undefined, {});
    config.dataDir = mkdtempSync(join(tmpdir(), 'tripline-checks-'));
    config.collector.listen.port = 0;
    config.collector.agentTokens = [TOKEN];
    collector = await startCollector({ config, rules: loadRuleFiles([DEFAULT_RULES_DIR]), log: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await collector.stop();
  });

  it('opens an incident titled with a plugin CRITICAL text, keeps the texts with the samples, and replays them', async () => {
    const now = Date.now();
    const raid = (status: CheckResult['status'], output: string, atMs: number) => [check('plugin:raid', status, output, atMs)];
    expect((await post(report(1, raid('ok', 'OK - md0 clean', now - 120_000), now - 120_000))).status).toBe(200);
    expect((await post(report(2, raid('critical', 'CRITICAL - array md0 degraded', now - 60_000), now - 60_000))).status).toBe(200);
    expect((await post(report(3, raid('critical', 'CRITICAL - array md0 degraded', now), now))).status).toBe(200);
    const incidents = collector.store.listIncidents({ status: 'open' });
    expect(incidents.map((i) => [i.ruleName, i.summary, i.severity])).toEqual([['nagios_plugin_critical', 'raid on db-1: CRITICAL - array md0 degraded', 'critical']]);

    const labels = { group: 'db', host: 'db-1', kind: 'plugin', check: 'raid' };
    expect(collector.store.querySeries('check_status', labels, now - 200_000, now).map((s) => [s.value, s.text])).toEqual([
      [0, 'OK - md0 clean'],
      [2, 'CRITICAL - array md0 degraded'],
      [2, 'CRITICAL - array md0 degraded'],
    ]);
    const replayed = [...collector.store.iterateSamples(now - 200_000, now)];
    expect(replayed.filter((s) => s.metric === 'check_status').map((s) => s.text)).toEqual(['OK - md0 clean', 'CRITICAL - array md0 degraded', 'CRITICAL - array md0 degraded']);

    const { config } = loadConfig(undefined, {});
    const summary = runBacktest({
      rules: loadRuleFiles([DEFAULT_RULES_DIR]),
      policy: incidentPolicy(config.incidents),
      environment: { silences: () => [], maintenance: () => [], topology: () => ({ parentsOf: () => [], addressOf: () => undefined, depthOf: () => 0 }) },
      intervalSecondsByHost: new Map([['db-1', 60]]),
      samples: replayed,
      toMs: now,
    });
    expect(summary.perRule).toEqual({ nagios_plugin_critical: 1 });
  });
});
