/**
 * History and fleet reads over real HTTP against a real collector with a seeded SQLite store:
 * downsampling keeps each step's min, mean and max; filters by metric and labels; the latest value
 * of each series with a check's output; the fleet's statuses, filters and pages; incident filters;
 * and the refusals (unknown host 404, bad time, span too long, malformed matchers) with their paths.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../collector/collector.js';
import { loadConfig } from '../../config/loadConfig.js';
import { diskRule } from '../incidents/lifecycleRules.js';

/** 1 March 2025, 12:00 UTC. */
const NOW = Date.UTC(2025, 2, 1, 12, 0);
const MINUTE = 60_000;

/** The history API needs a viewer token; an admin token of the config is one. */
const VIEWER = 'history-admin-token-0123456789';

describe('history API', () => {
  let collector: RunningCollector;
  const get = async (path: string) => {
    const response = await fetch(`${collector.url}${path}`, { headers: { authorization: `Bearer ${VIEWER}` } });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  /** One report of `host` at `atMs` with CPU, two filesystems and a check line. */
  const seed = (host: string, sequence: number, atMs: number, cpu: number, labels: Record<string, string> = {}) =>
    collector.store.transaction((tx) =>
      tx.insertReport({
        agentId: `agent-${host}`,
        hostname: host,
        labels,
        version: '1.2.3',
        intervalSeconds: 60,
        sequence,
        receivedAtMs: atMs,
        samples: [
          { metric: 'cpu_usage_ratio', labels: { host, ...labels }, value: cpu, atMs },
          { metric: 'filesystem_used_ratio', labels: { host, ...labels, mount: '/' }, value: 0.5, atMs },
          { metric: 'filesystem_used_ratio', labels: { host, ...labels, mount: '/var' }, value: 0.25, atMs },
          { metric: 'check_status', labels: { host, ...labels, check: 'nginx' }, value: sequence % 2, atMs, text: `HTTP OK #${sequence}` },
        ],
        checks: [],
      }),
    );

  beforeAll(async () => {
    const { config } = loadConfig(undefined, {});
    config.dataDir = mkdtempSync(join(tmpdir(), 'tripline-history-'));
    config.collector.listen.port = 0;
    config.collector.agentTokens = ['history-agent-token-0123456789'];
    config.collector.adminTokens = [VIEWER];
    config.incidents.reachability.enabled = false;
    collector = await startCollector({ config, rules: [diskRule], log: pino({ level: 'silent' }), clock: { nowMs: () => NOW } });
    // web-1: one report a minute for the last hour, CPU rising 0.00, 0.01, ... 0.59.
    for (let i = 0; i < 60; i++) seed('web-1', i + 1, NOW - (60 - i) * MINUTE, i / 100, { group: 'web' });
    // db-1 reported last 10 minutes ago: silent (interval 60 s).
    seed('db-1', 1, NOW - 10 * MINUTE, 0.9, { group: 'db' });
  });
  afterAll(async () => collector?.stop());

  it('downsamples a series to min, mean and max per step', async () => {
    const from = new Date(NOW - 60 * MINUTE).toISOString();
    const { status, body } = await get(`/api/v1/hosts/web-1/series?metric=cpu_usage_ratio&from=${from}&to=${NOW / 1000}&step=10m`);
    expect(status).toBe(200);
    expect(body.stepSeconds).toBe(600);
    expect(body.series).toHaveLength(1);
    const [cpu] = body.series;
    expect(cpu.metric).toBe('cpu_usage_ratio');
    expect(cpu.labels).toEqual({ group: 'web' }); // host is the path, not a label of the answer
    // Step 0 holds minutes 0..9 of the hour: values 0.00..0.09.
    expect(cpu.points.at[0]).toBe((NOW - 60 * MINUTE) / 1000);
    expect(cpu.points.min[0]).toBeCloseTo(0);
    expect(cpu.points.max[0]).toBeCloseTo(0.09);
    expect(cpu.points.avg[0]).toBeCloseTo(0.045);
    expect(cpu.points.max.at(-1)).toBeCloseTo(0.59);
  });

  it('keeps at most maxPoints steps, leaves empty steps null, and filters by labels', async () => {
    const { body } = await get(`/api/v1/series?host=web-1&metric=filesystem_used_ratio&labels=mount=/var&from=${(NOW - 2 * 60 * MINUTE) / 1000}&to=${NOW / 1000}&maxPoints=12`);
    expect(body.series.map((s: any) => s.labels.mount)).toEqual(['/var']);
    const points = body.series[0].points;
    expect(points.at.length).toBeLessThanOrEqual(13);
    expect(body.stepSeconds).toBe(600);
    expect(points.avg.slice(0, 6)).toEqual([null, null, null, null, null, null]); // the first hour has no reports
    expect(points.avg.slice(6, 12)).toEqual([0.25, 0.25, 0.25, 0.25, 0.25, 0.25]);
  });

  it('answers every series of the host when no metric is named', async () => {
    const { body } = await get(`/api/v1/hosts/web-1/series?from=${(NOW - 5 * MINUTE) / 1000}&to=${NOW / 1000}`);
    expect(body.series.map((s: any) => `${s.metric}${s.labels.mount ?? s.labels.check ?? ''}`)).toEqual(['check_statusnginx', 'cpu_usage_ratio', 'filesystem_used_ratio/', 'filesystem_used_ratio/var']);
  });

  it('refuses an unknown host, a bad time, an inverted or too long range and malformed matchers', async () => {
    expect(await get('/api/v1/hosts/nowhere/series')).toEqual({ status: 404, body: { error: { code: 'TRIPLINE_NOT_FOUND', message: 'host nowhere has never reported' } } });
    expect((await get('/api/v1/hosts/web-1/series?from=yesterday')).body.error).toEqual({
      code: 'TRIPLINE_VALIDATION_FAILED',
      message: 'querystring/from is not a time: "yesterday" (ISO 8601 or Unix seconds)',
      path: 'querystring/from',
    });
    expect((await get(`/api/v1/hosts/web-1/series?from=${NOW / 1000}&to=${NOW / 1000 - 60}`)).body.error.path).toBe('querystring/from');
    expect((await get(`/api/v1/hosts/web-1/series?from=${NOW / 1000 - 40 * 86400}&to=${NOW / 1000}`)).body.error.message).toBe('querystring/from spans more than 32 days before to');
    expect((await get('/api/v1/hosts/web-1/series?labels=mount')).body.error).toMatchObject({ path: 'querystring/labels', message: 'querystring/labels "mount" is not name=value' });
    expect((await get('/api/v1/hosts/web-1/series?step=soon')).body.error.path).toBe('querystring/step');
    expect((await get('/api/v1/series')).body.error.path).toBe('querystring/host');
    expect((await get('/api/v1/hosts/web-1/series?colour=red')).status).toBe(400);
  });

  it("draws each host's trend line from its first sample in each step, leaving unknown hosts out", async () => {
    const { status, body } = await get('/api/v1/fleet/trend?metric=cpu_usage_ratio&hosts=web-1,db-1,nope&maxPoints=6');
    expect(status).toBe(200);
    expect(body.stepSeconds).toBe(600);
    expect(Object.keys(body.trends).sort()).toEqual(['db-1', 'web-1']);
    const web = body.trends['web-1'];
    expect(web.at).toEqual([0, 1, 2, 3, 4, 5].map((i) => (NOW - 60 * MINUTE) / 1000 + i * 600));
    // web-1 reports every minute, CPU i/100 at minute i: minutes 0, 10, ... 50 begin the steps.
    web.value.forEach((v: number, i: number) => expect(v).toBeCloseTo(i / 10));
    // db-1 reported once, 10 minutes ago.
    expect(body.trends['db-1'].value).toEqual([null, null, null, null, null, 0.9]);
    expect((await get('/api/v1/fleet/trend?metric=cpu_usage_ratio&hosts=' + Array.from({ length: 501 }, (_, i) => `h${i}`).join(','))).status).toBe(400);
  });

  it('answers the latest value of each series, a check with its last output', async () => {
    const { status, body } = await get('/api/v1/hosts/web-1/latest');
    expect(status).toBe(200);
    const check = body.values.find((v: any) => v.metric === 'check_status');
    expect(check).toEqual({ metric: 'check_status', labels: { group: 'web', check: 'nginx' }, value: 0, at: new Date(NOW - MINUTE).toISOString(), text: 'HTTP OK #60' });
    expect(body.values.find((v: any) => v.metric === 'cpu_usage_ratio').value).toBeCloseTo(0.59);
  });

  it('lists the fleet with statuses and open incidents, filtered and paged', async () => {
    // A full disk on web-1 opens an incident through the real pipeline.
    collector.store.transaction((tx) =>
      tx.insertReport({ agentId: 'agent-web-1', hostname: 'web-1', labels: { group: 'web' }, version: '1.2.3', intervalSeconds: 60, sequence: 61, receivedAtMs: NOW, samples: [], checks: [] }),
    );
    const all = await get('/api/v1/fleet');
    expect(all.body.total).toBe(2);
    expect(all.body.hosts.map((h: any) => [h.hostname, h.status])).toEqual([
      ['db-1', 'silent'],
      ['web-1', 'ok'],
    ]);
    expect(all.body.counts).toEqual({ ok: 1, problem: 0, silent: 1 });
    expect((await get('/api/v1/fleet?labels=group=web')).body.hosts.map((h: any) => h.hostname)).toEqual(['web-1']);
    expect((await get('/api/v1/fleet?status=silent')).body.hosts.map((h: any) => h.hostname)).toEqual(['db-1']);
    expect((await get('/api/v1/fleet?search=DB')).body.hosts.map((h: any) => h.hostname)).toEqual(['db-1']);
    const page2 = await get('/api/v1/fleet?offset=1&limit=1');
    expect([page2.body.total, page2.body.hosts.map((h: any) => h.hostname)]).toEqual([2, ['web-1']]);
    expect((await get('/api/v1/fleet?status=sleepy')).status).toBe(400);
  });
});
