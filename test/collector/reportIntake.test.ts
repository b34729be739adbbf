/**
 * Report intake over real HTTP on loopback against a collector with a real SQLite file: the happy
 * path, duplicates, and every kind of bad input, each answered clearly and storing nothing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/loadConfig.js';
import { startCollector, type RunningCollector } from '../../collector/collector.js';
import { REPORT_SCHEMA_VERSION, REPORTS_PATH, type Report } from '../../contract/report.js';

const TOKEN = 'intake-test-token-0123456789';
const ADMIN = 'intake-admin-token-0123456789';
const asAdmin = { headers: { authorization: `Bearer ${ADMIN}` } };

function report(sequence: number, overrides: Partial<Report> = {}): Report {
  const at = new Date().toISOString();
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    agent: { id: 'agent-intake', hostname: 'intake-host', version: 'test', intervalSeconds: 15, labels: { group: 'web' } },
    sequence,
    sentAt: at,
    observations: [
      { metric: 'memory_used_ratio', labels: {}, value: 0.42, at },
      { metric: 'filesystem_used_ratio', labels: { mount: '/', device: '/dev/sda1', fstype: 'ext4' }, value: 0.5, at },
    ],
    checks: [],
    ...overrides,
  };
}

describe('POST /api/v1/reports', () => {
  let collector: RunningCollector;
  const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${collector.url}${REPORTS_PATH}`, {
      method: 'POST',
      body,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    });
  const storedReports = () => collector.store.listHosts().reduce((n, h) => n + h.lastSequence + 1, 0);

  beforeAll(async () => {
    const { config } = loadConfig(undefined, {});
    config.dataDir = mkdtempSync(join(tmpdir(), 'tripline-intake-'));
    config.collector.listen.port = 0;
    config.collector.agentTokens = [TOKEN];
    config.collector.adminTokens = [ADMIN];
    config.collector.maxBodyBytes = 64 * 1024;
    collector = await startCollector({ config, rules: [], log: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await collector.stop();
  });

  // Each row: what is wrong, the request, the status and error code expected, and a message fragment.
  const badInputs: Array<{ name: string; body: () => string | Buffer; headers?: Record<string, string>; status: number; code: string; message: RegExp }> = [
    // Not JSON at all.
    { name: 'malformed JSON', body: () => '{"schemaVersion": 1, "agent": ', status: 400, code: 'TRIPLINE_MALFORMED_JSON', message: /JSON/i },
    // JSON has no NaN; an agent that printed one sends invalid JSON.
    { name: 'a NaN value', body: () => JSON.stringify(report(0)).replace('0.42', 'NaN'), status: 400, code: 'TRIPLINE_MALFORMED_JSON', message: /JSON/i },
    // JSON.stringify turns NaN into null: the schema names the field.
    { name: 'a null value', body: () => JSON.stringify(report(0)).replace('0.42', 'null'), status: 400, code: 'TRIPLINE_VALIDATION_FAILED', message: /body\/observations\/0\/value must be number/ },
    // A required field is missing.
    { name: 'a missing field', body: () => JSON.stringify({ ...report(0), sequence: undefined }), status: 400, code: 'TRIPLINE_VALIDATION_FAILED', message: /must have required property 'sequence'/ },
    // A typo in a required field's name is not silently dropped: the field is missing. (Unknown fields
    // themselves are a newer minor's additions and are ignored: reportContractVersions.test.ts.)
    { name: 'a misspelt required field', body: () => JSON.stringify({ ...report(0), sequence: undefined, sequnce: 1 }), status: 400, code: 'TRIPLINE_VALIDATION_FAILED', message: /must have required property 'sequence'/ },
    // Strings are not coerced into numbers.
    { name: 'a string number', body: () => JSON.stringify(report(0)).replace('0.42', '"0.42"'), status: 400, code: 'TRIPLINE_VALIDATION_FAILED', message: /observations\/0\/value must be number/ },
    // A future schema version is refused rather than misread.
    { name: 'a wrong schema version', body: () => JSON.stringify({ ...report(0), schemaVersion: 99 }), status: 400, code: 'TRIPLINE_VALIDATION_FAILED', message: /schemaVersion/ },
    // A bad timestamp.
    { name: 'a bad timestamp', body: () => JSON.stringify(report(0)).replace(/"at":"[^"]+"/, '"at":"yesterday"'), status: 400, code: 'TRIPLINE_VALIDATION_FAILED', message: /observations\/0\/at must match format "date-time"/ },
    // Over the body cap.
    { name: 'an oversized body', body: () => JSON.stringify(report(0, { checks: [{ name: 'x', status: 'ok', output: 'y'.repeat(4000), at: new Date().toISOString(), durationSeconds: 0 }] })).padEnd(70 * 1024, ' '), status: 413, code: 'TRIPLINE_BODY_TOO_LARGE', message: /too large/i },
    // A small gzip that inflates past the cap (a zip bomb) is stopped too.
    { name: 'a gzip bomb', body: () => gzipSync(Buffer.alloc(10 * 1024 * 1024, 32)), headers: { 'content-encoding': 'gzip' }, status: 413, code: 'TRIPLINE_BODY_TOO_LARGE', message: /too large/i },
    // Corrupt gzip.
    { name: 'corrupt gzip', body: () => Buffer.from('not gzip at all'), headers: { 'content-encoding': 'gzip' }, status: 400, code: 'TRIPLINE_MALFORMED_GZIP', message: /gzip/ },
    // An encoding we do not speak.
    { name: 'brotli', body: () => JSON.stringify(report(0)), headers: { 'content-encoding': 'br' }, status: 415, code: 'TRIPLINE_UNSUPPORTED_ENCODING', message: /br/ },
    // A sample far ahead of the collector clock (an agent whose clock is weeks off): refused, named by its path.
    { name: 'a timestamp 30 days ahead', body: () => JSON.stringify(report(0)).replace(/"at":"[^"]+"/, `"at":"${new Date(Date.now() + 30 * 86_400_000).toISOString()}"`), status: 400, code: 'TRIPLINE_VALIDATION_FAILED', message: /body\/observations\/0\/at .* ahead of the collector clock/ },
    // The first observation's time is fine and the second's is not: each distinct time is judged, not only the first (path of the second).
    { name: 'a second observation 30 days ahead', body: () => JSON.stringify(report(0, { observations: [report(0).observations[0]!, { ...report(0).observations[1]!, at: new Date(Date.now() + 30 * 86_400_000).toISOString() }] })), status: 400, code: 'TRIPLINE_VALIDATION_FAILED', message: /body\/observations\/1\/at .* ahead of the collector clock/ },
    // A gzip body with a bad time in its second observation: the date-time format check remembers its last answer, not a wrong one.
    { name: 'a gzip body with a bad second timestamp', body: () => gzipSync(JSON.stringify(report(0, { observations: [report(0).observations[0]!, { ...report(0).observations[1]!, at: '2026-13-01T00:00:00Z' }] }))), headers: { 'content-encoding': 'gzip' }, status: 400, code: 'TRIPLINE_VALIDATION_FAILED', message: /observations\/1\/at must match format "date-time"/ },
    // And one far behind it: the year 0, which date-time accepts.
    { name: 'a timestamp in the year 0', body: () => JSON.stringify(report(0, { checks: [{ name: 'x', status: 'ok', output: '', at: '0000-01-01T00:00:00Z', durationSeconds: 0 }] })), status: 400, code: 'TRIPLINE_VALIDATION_FAILED', message: /body\/checks\/0\/at .* behind the collector clock/ },
    // Label names follow Prometheus's rules on every label set: an empty name, a leading digit, a reserved __ name.
    { name: 'an empty label name', body: () => JSON.stringify(report(0)).replace('"labels":{}', '"labels":{"":"x"}'), status: 400, code: 'TRIPLINE_VALIDATION_FAILED', message: /body\/observations\/0\/labels/ },
    { name: 'a label name with a leading digit and a number value', body: () => JSON.stringify(report(0)).replace('"labels":{}', '"labels":{"1a":12345}'), status: 400, code: 'TRIPLINE_VALIDATION_FAILED', message: /labels/ },
    { name: 'an object as a label value', body: () => JSON.stringify(report(0)).replace('"labels":{}', '"labels":{"a":{"x":[1,2]}}'), status: 400, code: 'TRIPLINE_VALIDATION_FAILED', message: /labels\/a must be string/ },
    { name: 'a reserved label name', body: () => JSON.stringify(report(0)).replace('"labels":{"group":"web"}', '"labels":{"__name__":"web"}'), status: 400, code: 'TRIPLINE_VALIDATION_FAILED', message: /body\/agent\/labels/ },
    { name: 'a 100,000-character host label', body: () => JSON.stringify(report(0)).replace('"labels":{"group":"web"}', `"labels":{"group":"${'w'.repeat(100_000)}"}`), status: 413, code: 'TRIPLINE_BODY_TOO_LARGE', message: /too large/i },
    { name: 'a 2,000-character host label', body: () => JSON.stringify(report(0)).replace('"labels":{"group":"web"}', `"labels":{"group":"${'w'.repeat(2000)}"}`), status: 400, code: 'TRIPLINE_VALIDATION_FAILED', message: /body\/agent\/labels\/group must NOT have more than 1024 characters/ },
    // A hostname with terminal escape sequences in it.
    { name: 'a hostname with control characters', body: () => JSON.stringify(report(0)).replace('"hostname":"intake-host"', '"hostname":"evil\\u001b[2Jhost"'), status: 400, code: 'TRIPLINE_VALIDATION_FAILED', message: /body\/agent\/hostname must match pattern/ },
    // Invalid UTF-8 is refused, not turned into U+FFFD.
    { name: 'invalid UTF-8', body: () => Buffer.concat([Buffer.from(JSON.stringify(report(0)).replace('intake-host', 'intake-')), Buffer.from([0xc3, 0x28])]).subarray(0), status: 400, code: 'TRIPLINE_INVALID_UTF8', message: /UTF-8/ },
    { name: 'a host name with a lone continuation byte', body: () => Buffer.concat([Buffer.from(JSON.stringify(report(0)).split('intake-host')[0]!), Buffer.from([0x80]), Buffer.from(JSON.stringify(report(0)).split('intake-host')[1]!)]), status: 400, code: 'TRIPLINE_INVALID_UTF8', message: /UTF-8/ },
    // Only JSON in UTF-8.
    { name: 'charset utf-16', body: () => JSON.stringify(report(0)), headers: { 'content-type': 'application/json; charset=utf-16' }, status: 415, code: 'TRIPLINE_UNSUPPORTED_MEDIA_TYPE', message: /utf-16/ },
    { name: 'text/plain', body: () => JSON.stringify(report(0)), headers: { 'content-type': 'text/plain' }, status: 415, code: 'TRIPLINE_UNSUPPORTED_MEDIA_TYPE', message: /text\/plain|content-type/i },
    // A wrong token, and no token at all.
    { name: 'a wrong token', body: () => JSON.stringify(report(0)), headers: { authorization: 'Bearer wrong-token-wrong-token' }, status: 401, code: 'TRIPLINE_UNAUTHORIZED', message: /token/ },
    { name: 'no token', body: () => JSON.stringify(report(0)), headers: { authorization: '' }, status: 401, code: 'TRIPLINE_UNAUTHORIZED', message: /token/ },
  ];

  it.each(badInputs)('rejects $name with $status $code and stores nothing', async ({ body, headers, status, code, message }) => {
    const response = await post(body(), headers);
    expect(response.status).toBe(status);
    const answer = (await response.json()) as { error: { code: string; message: string } };
    expect(answer.error.code).toBe(code);
    expect(answer.error.message).toMatch(message);
    expect(collector.store.listHosts()).toEqual([]);
  });

  it('never echoes the presented token in an error', async () => {
    const response = await post(JSON.stringify(report(0)), { authorization: 'Bearer secret-looking-token-value' });
    expect(await response.text()).not.toContain('secret-looking-token-value');
  });

  it('stores a gzip report, acknowledges after commit, and acknowledges a re-sent sequence once', async () => {
    const first = await post(gzipSync(JSON.stringify(report(0))), { 'content-encoding': 'gzip' });
    expect(first.status).toBe(200);
    // Every answer says how long the collector took to make it (the bench prints it beside the round trip).
    expect(first.headers.get('server-timing')).toMatch(/^app;dur=\d+\.\d\d$/);
    expect(await first.json()).toEqual({ sequence: 0, duplicate: false });
    const again = await post(JSON.stringify(report(0)));
    expect(await again.json()).toEqual({ sequence: 0, duplicate: true });
    const next = await post(JSON.stringify(report(1)));
    expect(await next.json()).toEqual({ sequence: 1, duplicate: false });
    expect(storedReports()).toBe(2);
    const series = collector.store.querySeries('memory_used_ratio', { group: 'web', host: 'intake-host' }, 0, Date.now() + 1000);
    expect(series.map((s) => s.value)).toEqual([0.42, 0.42]);
  });

  it('publishes an OpenAPI document generated from the schemas that validate', async () => {
    const doc = (await (await fetch(`${collector.url}/api/v1/openapi.json`, asAdmin)).json()) as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown>; required: string[] } }> } }>>;
    };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/deliveries', '/api/v1/hosts', '/api/v1/incidents', '/api/v1/incidents/{id}', '/api/v1/reports', '/healthz', '/metrics', '/readyz']));
    expect(Object.keys(doc.paths)).not.toContain('/api/v1/openapi.json');
    const body = doc.paths['/api/v1/reports']!.post!.requestBody!.content['application/json']!.schema;
    expect(body.required).toEqual(expect.arrayContaining(['schemaVersion', 'agent', 'sequence', 'checks']));
    // Required but in a report of values against a series set (test/collector/seriesSets.test.ts): the collector checks it beside the schema.
    expect(body.required).not.toContain('observations');
    expect(body.properties.observations).toMatchObject({ type: 'array', description: expect.stringContaining('Required') });
  });

  it('serves hosts, incidents, health and Prometheus metrics', async () => {
    const hosts = (await (await fetch(`${collector.url}/api/v1/hosts`, asAdmin)).json()) as { hosts: Array<{ hostname: string; labels: object }> };
    expect(hosts.hosts.map((h) => h.hostname)).toEqual(['intake-host']);
    expect(await (await fetch(`${collector.url}/api/v1/incidents`, asAdmin)).json()).toEqual({ incidents: [] });
    const badQuery = await fetch(`${collector.url}/api/v1/incidents?status=bogus`, asAdmin);
    expect(badQuery.status).toBe(400);
    expect((await fetch(`${collector.url}/api/v1/incidents/999`, asAdmin)).status).toBe(404);
    expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    expect(metrics).toMatch(/^tripline_reports_received_total\{outcome="stored"\} 2$/m);
    expect(metrics).toMatch(/^tripline_reports_received_total\{outcome="duplicate"\} 1$/m);
    expect(metrics).toMatch(/^tripline_reports_received_total\{outcome="unauthorized"\} \d+$/m);
    // The embedded store's write-ahead log, with the reports stored in it: its header (32 bytes), then frames of a page (4 kB) and 24 bytes.
    const logBytes = Number(/^tripline_sqlite_wal_bytes (\d+)$/m.exec(metrics)?.[1]);
    expect(logBytes).toBeGreaterThan(0);
    expect((logBytes - 32) % (24 + 4096)).toBe(0);
  });

  it('takes charset=utf-8 in any spelling', async () => {
    for (const [sequence, contentType] of [[100, 'application/json; charset=UTF-8'], [101, 'application/json;charset="utf-8"']] as const) {
      const response = await post(JSON.stringify(report(sequence, { agent: { ...report(0).agent, id: 'agent-charset', hostname: 'charset-host' } })), { 'content-type': contentType });
      expect(response.status).toBe(200);
    }
    expect(collector.store.listHosts().map((h) => h.hostname)).toContain('charset-host');
  });
});
