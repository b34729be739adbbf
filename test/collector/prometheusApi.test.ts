/**
 * The Prometheus-compatible read API fed the requests Grafana's Prometheus data source sends
 * (POST form-encoded query_range and query with Unix-second times and a step in seconds; GET
 * series with match[], labels, label values; its `1+1` connection test), checked against the
 * response shapes Prometheus documents; anything beyond a plain selector is a 400 in Prometheus's
 * error shape.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../collector/collector.js';
import { loadConfig } from '../../config/loadConfig.js';

/** 1 March 2025, 12:00 UTC. */
const NOW = Date.UTC(2025, 2, 1, 12, 0);
const MINUTE = 60_000;

/** Grafana's data source presents a viewer token (its Authorization header setting). */
const VIEWER_TOKEN = 'prometheus-viewer-token-0123456789';

describe('Prometheus-compatible API', () => {
  let collector: RunningCollector;
  const form = async (path: string, params: Record<string, string>) => {
    const response = await fetch(`${collector.url}/prometheus/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${VIEWER_TOKEN}` }, body: new URLSearchParams(params).toString() });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const get = async (path: string) => {
    const response = await fetch(`${collector.url}/prometheus/api/v1${path}`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  beforeAll(async () => {
    const { config } = loadConfig(undefined, {});
    config.dataDir = mkdtempSync(join(tmpdir(), 'tripline-prometheus-'));
    config.collector.listen.port = 0;
    config.collector.agentTokens = ['prometheus-agent-token-0123456789'];
    config.collector.viewerTokens = [VIEWER_TOKEN];
    config.incidents.reachability.enabled = false;
    collector = await startCollector({ config, rules: [], log: pino({ level: 'silent' }), clock: { nowMs: () => NOW } });
    for (const [index, host] of ['web-1', 'db-1'].entries()) {
      for (let i = 0; i < 30; i++) {
        const atMs = NOW - (30 - i) * MINUTE;
        collector.store.transaction((tx) =>
          tx.insertReport({
            agentId: `agent-${host}`,
            hostname: host,
            labels: {},
            version: 't',
            intervalSeconds: 60,
            sequence: i + 1,
            receivedAtMs: atMs,
            samples: [
              { metric: 'cpu_usage_ratio', labels: { host }, value: index + i / 100, atMs },
              { metric: 'filesystem_used_ratio', labels: { host, mount: '/' }, value: 0.5, atMs },
              { metric: 'filesystem_used_ratio', labels: { host, mount: '/var' }, value: 0.25, atMs },
            ],
            checks: [],
          }),
        );
      }
    }
  });
  afterAll(async () => collector?.stop());

  it('answers a Grafana query_range (POST form, Unix seconds, step in seconds) as a matrix', async () => {
    const { status, body } = await form('/query_range', { query: 'filesystem_used_ratio{mount="/var", host=~"web.*"}', start: String((NOW - 30 * MINUTE) / 1000), end: String(NOW / 1000), step: '600' });
    expect(status).toBe(200);
    expect(body.status).toBe('success');
    expect(body.data.resultType).toBe('matrix');
    expect(body.data.result).toHaveLength(1);
    const [series] = body.data.result;
    expect(series.metric).toEqual({ __name__: 'filesystem_used_ratio', host: 'web-1', mount: '/var' });
    expect(series.values.length).toBeGreaterThanOrEqual(3);
    for (const [t, v] of series.values) {
      expect(typeof t).toBe('number');
      expect(v).toBe('0.25'); // values are strings, as Prometheus sends them
      expect(t % 600).toBe(0);
    }
  });

  it('answers an instant query (GET, RFC 3339 time) as a vector of the latest samples, and Grafana\'s 1+1 as a scalar', async () => {
    const { body } = await get(`/query?query=cpu_usage_ratio&time=${new Date(NOW).toISOString()}`);
    expect(body.data.resultType).toBe('vector');
    const byHost = Object.fromEntries(body.data.result.map((r: any) => [r.metric.host, r.value]));
    expect(byHost).toEqual({ 'web-1': [NOW / 1000, '0.29'], 'db-1': [NOW / 1000, '1.29'] });
    expect((await form('/query', { query: '1+1', time: String(NOW / 1000) })).body).toEqual({ status: 'success', data: { resultType: 'scalar', result: [NOW / 1000, '2'] } });
    // An hour later nothing is within the 5-minute lookback.
    expect((await get(`/query?query=cpu_usage_ratio&time=${NOW / 1000 + 3600}`)).body.data.result).toEqual([]);
  });

  it('lists series, label names and label values', async () => {
    const series = await get(`/series?${new URLSearchParams([['match[]', 'filesystem_used_ratio{host="db-1"}'], ['start', String(NOW / 1000 - 3600)], ['end', String(NOW / 1000)]])}`);
    expect(series.body).toEqual({
      status: 'success',
      data: [
        { __name__: 'filesystem_used_ratio', host: 'db-1', mount: '/' },
        { __name__: 'filesystem_used_ratio', host: 'db-1', mount: '/var' },
      ],
    });
    expect((await get('/labels')).body.data).toEqual(expect.arrayContaining(['__name__', 'host', 'mount', 'interface', 'device']));
    expect((await get('/label/__name__/values')).body.data).toEqual(expect.arrayContaining(['cpu_usage_ratio', 'filesystem_used_ratio', 'check_status']));
    expect((await get('/label/host/values')).body).toEqual({ status: 'success', data: ['db-1', 'web-1'] });
    expect((await get(`/label/mount/values?${new URLSearchParams([['match[]', 'filesystem_used_ratio']])}`)).body.data).toEqual(['/', '/var']);
  });

  it('refuses what is not a plain selector, and bad parameters, in Prometheus\'s error shape', async () => {
    const range = { start: String(NOW / 1000 - 600), end: String(NOW / 1000), step: '60' };
    expect(await form('/query_range', { ...range, query: 'rate(cpu_usage_ratio[5m])' })).toEqual({
      status: 400,
      body: { status: 'error', errorType: 'bad_data', error: 'only plain selectors such as metric{label="value"} are supported, not "rate(cpu_usage_ratio[5m])"' },
    });
    expect((await form('/query_range', { ...range, query: 'sum(cpu_usage_ratio) by (host)' })).status).toBe(400);
    expect((await form('/query_range', { ...range, query: '{mount="/"}' })).body.error).toContain('names no metric');
    expect((await form('/query_range', { ...range, query: 'cpu_usage_ratio{host=~"("}' })).body.error).toContain('bad regex');
    expect((await form('/query_range', { ...range, query: 'cpu_usage_ratio', start: String(NOW / 1000 - 86_400), step: '1' })).body.error).toContain('exceeded maximum resolution');
    expect((await form('/query_range', { ...range, query: 'cpu_usage_ratio', start: 'yesterday' })).body.error).toBe('invalid parameter "start": cannot parse "yesterday" to a valid timestamp');
    expect((await form('/query_range', { start: range.start, end: range.end, step: range.step })).body.error).toBe('invalid parameter "query": missing');
    expect((await get('/series')).body).toEqual({ status: 'error', errorType: 'bad_data', error: 'no match[] parameter provided' });
  });

  it('serves the newest sample of every series for federation, in the text format', async () => {
    const response = await fetch(`${collector.url}/prometheus/federate?${new URLSearchParams([['match[]', 'filesystem_used_ratio{host="web-1"}']])}`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } });
    expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const at = NOW - MINUTE;
    expect(await response.text()).toBe(
      `# TYPE filesystem_used_ratio untyped\nfilesystem_used_ratio{host="web-1",mount="/"} 0.5 ${at}\nfilesystem_used_ratio{host="web-1",mount="/var"} 0.25 ${at}\n`,
    );
    const all = await (await fetch(`${collector.url}/prometheus/federate`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } })).text();
    expect(all).toContain(`cpu_usage_ratio{host="db-1"} 1.29 ${at}`);
    expect((await fetch(`${collector.url}/prometheus/federate?match[]=rate(x[5m])`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } })).status).toBe(400);
  });
});
