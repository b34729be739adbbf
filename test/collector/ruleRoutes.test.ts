/**
 * The rules page's API over real HTTP against a real collector with a seeded SQLite store: the rules
 * in force with their file:line, kind, state and firing series; a broken candidate answers the same
 * located problems as `tripline rules check`; a valid one is backtested over the stored hour beside
 * the rule in force of its name (what only the candidate opens, what only the rule in force opens,
 * and a new rule with nothing in force); refusals of a span too long and a body too large.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../collector/collector.js';
import { loadConfig } from '../../config/loadConfig.js';
import { loadRuleFiles } from '../../rules/index.js';

/** 1 March 2025, 12:00 UTC. */
const NOW = Date.UTC(2025, 2, 1, 12, 0);
const MINUTE = 60_000;
const VIEWER = 'rules-viewer-token-0123456789';

const RULES_IN_FORCE = `rules:
  - name: cpu_high
    metric: cpu_usage_ratio
    above: 0.5
    severity: warning
    summary: "CPU on {{ labels.host }} is {{ value | percent }} busy"
  - name: filesystem_full
    metric: filesystem_used_ratio
    function: avg
    window: 5m
    above: 0.9
    severity: critical
    summary: "{{ labels.mount }} on {{ labels.host }} is full"
`;

const candidate = (name: string, above: string) => `rules:
  - name: ${name}
    metric: cpu_usage_ratio
    above: ${above}
    severity: warning
    summary: "CPU on {{ labels.host }} is busy"
`;

describe('rules API', () => {
  let collector: RunningCollector;
  let rulesFile: string;
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const response = await fetch(`${collector.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${VIEWER}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripline-rules-api-'));
    rulesFile = join(dir, 'rules.yaml');
    writeFileSync(rulesFile, RULES_IN_FORCE);
    const { config } = loadConfig(undefined, {});
    config.dataDir = join(dir, 'data');
    config.collector.listen.port = 0;
    config.collector.agentTokens = ['rules-agent-token-0123456789'];
    config.collector.viewerTokens = [VIEWER];
    config.incidents.reachability.enabled = false;
    collector = await startCollector({ config, rules: loadRuleFiles([rulesFile]), log: pino({ level: 'silent' }), clock: { nowMs: () => NOW } });
    // web-1: CPU rising 0.00 .. 0.59 over the last hour, one report a minute; db-1: CPU flat at 0.2.
    collector.store.transaction((tx) => {
      for (let i = 0; i < 60; i++) {
        for (const [host, cpu] of [['web-1', i / 100], ['db-1', 0.2]] as const) {
          const atMs = NOW - (60 - i) * MINUTE;
          tx.insertReport({ agentId: `agent-${host}`, hostname: host, labels: {}, version: '1.0.0', intervalSeconds: 60, sequence: i + 1, receivedAtMs: atMs, samples: [{ metric: 'cpu_usage_ratio', labels: { host }, value: cpu, atMs }], checks: [] });
        }
      }
      tx.saveRuleStates([{ ruleName: 'cpu_high', ruleVersion: 'v1', fingerprint: 'fp-web-1', labels: { host: 'web-1' }, status: 'firing', pendingSinceMs: NOW - 8 * MINUTE, firingSinceMs: NOW - 8 * MINUTE, lastValue: 0.59, lastSampleAtMs: NOW - MINUTE } as never]);
    });
  });
  afterAll(async () => collector?.stop());

  it('lists the rules in force with their source, kind, state and firing series', async () => {
    const { status, body } = await call('GET', '/api/v1/rules');
    expect(status).toBe(200);
    expect(body.rules.map((r: any) => [r.name, r.kind, r.source, r.state, r.firingCount])).toEqual([
      ['cpu_high', 'threshold', `${rulesFile}:2`, 'firing', 1],
      ['filesystem_full', 'window', `${rulesFile}:7`, 'inactive', 0],
    ]);
    expect(body.rules[0].series).toEqual([{ labels: { host: 'web-1' }, status: 'firing', since: new Date(NOW - 8 * MINUTE).toISOString(), lastValue: 0.59 }]);
  });

  it('answers a broken candidate with the located problems of `rules check`', async () => {
    const { status, body } = await call('POST', '/api/v1/rules/check', { text: candidate('cpu_high', 'high') });
    expect(status).toBe(200);
    expect(body.valid).toBe(false);
    expect(body.problems).toHaveLength(1);
    expect(body.problems[0]).toMatchObject({ line: 4, path: 'rules[0].above' });
    expect(body.problems[0].text).toMatch(/^candidate\.yaml:4:\d+: rules\[0\]\.above: /);
    const yaml = await call('POST', '/api/v1/rules/check', { text: 'rules: [\n' });
    expect(yaml.body.valid).toBe(false);
    expect(yaml.body.problems[0].text).toMatch(/^candidate\.yaml:\d+:\d+: /);
  });

  it('backtests a valid candidate against the rule in force of its name', async () => {
    // Above 0.3 opens for web-1 as the rule in force does (above 0.5): the same series, earlier.
    const same = await call('POST', '/api/v1/rules/check', { text: candidate('cpu_high', '0.3'), since: '2h' });
    expect(same.body.valid).toBe(true);
    expect(same.body.rules).toEqual([{ name: 'cpu_high', kind: 'threshold', line: 2 }]);
    expect([same.body.backtest.truncated, same.body.backtest.to]).toEqual([false, new Date(NOW).toISOString()]);
    expect(same.body.backtest.diffs).toEqual([
      { rule: 'cpu_high', inForce: true, candidate: { opened: 1, resolved: 0, stillOpen: 1 }, current: { opened: 1, resolved: 0, stillOpen: 1 }, onlyCandidate: [], onlyCurrent: [] },
    ]);
    // Above 0.1 also opens for db-1, which the rule in force never did.
    const wider = (await call('POST', '/api/v1/rules/check', { text: candidate('cpu_high', '0.1'), since: '2h' })).body.backtest.diffs[0];
    expect(wider.onlyCandidate.map((i: any) => i.host)).toEqual(['db-1']);
    expect(wider.onlyCurrent).toEqual([]);
    // Above 0.7 opens nothing: the rule in force's incident is the one it would lose.
    const narrower = (await call('POST', '/api/v1/rules/check', { text: candidate('cpu_high', '0.7'), since: '2h' })).body.backtest.diffs[0];
    expect([narrower.candidate.opened, narrower.onlyCurrent.map((i: any) => i.host)]).toEqual([0, ['web-1']]);
    // A new name has nothing in force to compare with.
    const fresh = (await call('POST', '/api/v1/rules/check', { text: candidate('cpu_warm', '0.25'), since: '2h' })).body.backtest.diffs[0];
    expect([fresh.inForce, fresh.current.opened, fresh.onlyCandidate.map((i: any) => i.host)]).toEqual([false, 0, ['web-1']]);
  });

  it('refuses a replay longer than 7 days and a malformed since, with the field', async () => {
    const long = await call('POST', '/api/v1/rules/check', { text: candidate('cpu_high', '0.3'), since: '8d' });
    expect([long.status, long.body.error.code, long.body.error.path]).toEqual([400, 'TRIPLINE_VALIDATION_FAILED', 'body/since']);
    const malformed = await call('POST', '/api/v1/rules/check', { text: candidate('cpu_high', '0.3'), since: 'a week' });
    expect([malformed.status, malformed.body.error.path]).toEqual([400, 'body/since']);
    const anonymous = await fetch(`${collector.url}/api/v1/rules`);
    expect(anonymous.status).toBe(401);
  });
});
