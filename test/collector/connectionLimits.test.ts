/**
 * What one client can hold of the collector, over real sockets on loopback: a body that never
 * finishes and headers that never end are answered 408 and their connections closed
 * (`collector.limits.requestTimeout`, `headersTimeout`), a connection that sends nothing is closed
 * at `headersTimeout` without an answer; an idle kept-open connection is closed
 * (`idleTimeout`); report requests in progress are capped (`maxConcurrentReports`); and one agent id
 * gets `reportsPerMinute` reports a minute, then 429 with Retry-After, measured on the injected clock.
 */
import { mkdtempSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../collector/collector.js';
import { loadConfig } from '../../config/loadConfig.js';
import { parseDurationMs } from '../../config/duration.js';
import { REPORT_SCHEMA_VERSION, REPORTS_PATH, type Report } from '../../contract/report.js';

const TOKEN = 'limits-test-token-0123456789';

function report(id: string, sequence: number): Report {
  const at = new Date().toISOString();
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    agent: { id, hostname: `${id}-host`, version: 'test', intervalSeconds: 15, labels: {} },
    sequence,
    sentAt: at,
    observations: [{ metric: 'memory_used_ratio', labels: {}, value: 0.5, at }],
    checks: [],
  };
}

/** Everything the server sends on a raw socket until it closes it. */
function untilClosed(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', () => undefined);
  });
}

describe('connection and report limits', () => {
  let collector: RunningCollector;
  let nowMs = Date.now();
  let port = 0;
  const open = () =>
    new Promise<Socket>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket));
    });
  const post = (body: unknown) =>
    fetch(`${collector.url}${REPORTS_PATH}`, { method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } });

  beforeAll(async () => {
    const { config } = loadConfig(undefined, {});
    config.dataDir = mkdtempSync(join(tmpdir(), 'tripline-limits-'));
    config.collector.listen.port = 0;
    config.collector.agentTokens = [TOKEN];
    config.collector.limits.headersTimeout = parseDurationMs('1s');
    config.collector.limits.requestTimeout = parseDurationMs('2s');
    config.collector.limits.idleTimeout = parseDurationMs('1s');
    config.collector.limits.maxConcurrentReports = 1;
    config.collector.limits.reportsPerMinute = 3;
    // Sample times are judged against the wall clock's now; the rate limiter reads the same clock, moved by hand.
    collector = await startCollector({ config, rules: [], log: pino({ level: 'silent' }), clock: { nowMs: () => nowMs } });
    port = Number(new URL(collector.url).port);
  });
  afterAll(async () => {
    await collector.stop();
  });

  it('answers a body that never finishes with 408 and closes the connection, and takes reports meanwhile', async () => {
    const socket = await open();
    const closed = untilClosed(socket);
    socket.write(`POST ${REPORTS_PATH} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"sche`);
    const answer = await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'TRIPLINE_REQUEST_TIMEOUT', message: expect.stringContaining('requestTimeout') } });
    expect(socket.destroyed).toBe(true);
    expect((await post(report('slow-body-bystander', 0))).status).toBe(200);
  });

  it('answers headers that never end with 408 and closes the connection', async () => {
    const socket = await open();
    const closed = untilClosed(socket);
    socket.write(`POST ${REPORTS_PATH} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\nx-slow: `);
    const answer = await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'TRIPLINE_REQUEST_TIMEOUT' } });
  });

  it('closes a connection that never sent a byte at headersTimeout without a 408, which a pooled client would take for the answer to its next request', async () => {
    const socket = await open();
    const opened = Date.now();
    const answer = await untilClosed(socket);
    expect(Date.now() - opened).toBeGreaterThanOrEqual(900);
    expect(answer).toBe('');
    expect((await post(report('never-used-bystander', 0))).status).toBe(200);
  });

  it('answers what is not HTTP, and headers beyond the limit, in the catalogue shape and closes the connection', async () => {
    for (const [request, status, code] of [
      ['NOT-HTTP at all\r\n\r\n', 400, 'TRIPLINE_BAD_REQUEST'],
      [`GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'TRIPLINE_HEADERS_TOO_LARGE'],
    ] as const) {
      const socket = await open();
      const closed = untilClosed(socket);
      socket.write(request);
      const answer = await closed;
      expect(answer.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code } });
    }
    expect((await post(report('malformed-bystander', 0))).status).toBe(200);
  });

  it('closes a kept-open connection that stays idle', async () => {
    const socket = await open();
    const closed = untilClosed(socket);
    socket.write(`GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n`);
    // One answer, then nothing from us: the server closes the connection.
    expect(await closed).toMatch(/^HTTP\/1\.1 200[\s\S]*"ok"/);
  });

  it('refuses a report while maxConcurrentReports are in progress, with 429 and Retry-After', async () => {
    const socket = await open();
    const closed = untilClosed(socket);
    socket.write(`POST ${REPORTS_PATH} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{`);
    // Let the server take the slow request in.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const refused = await post(report('concurrent', 0));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('server-timing')).toMatch(/^app;dur=\d+\.\d\d$/);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('TRIPLINE_RATE_LIMITED');
    socket.destroy();
    await closed;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await post(report('concurrent', 0))).status).toBe(200);
  });

  it('gives one agent id reportsPerMinute reports a minute, then 429 with Retry-After, other agents unaffected', async () => {
    for (let sequence = 0; sequence < 3; sequence++) expect((await post(report('chatty', sequence))).status).toBe(200);
    const refused = await post(report('chatty', 3));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBe(20);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/agent chatty sent more than 3 reports in a minute/);
    expect((await post(report('quiet', 0))).status).toBe(200);
    expect(collector.store.listHosts().find((h) => h.agentId === 'chatty')?.lastSequence).toBe(2);
    nowMs += 20_000;
    expect((await post(report('chatty', 3))).status).toBe(200);
  });
});
