/**
 * The report sender against a real HTTP server on loopback: body encoding and headers, in-order
 * delivery across retries, permanent rejections, unreachable collectors, timeouts, Retry-After, and
 * the bounded queue.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REPORTS_PATH, REPORT_SCHEMA_VERSION, type Report } from '../../contract/report.js';
import { createDiskReportQueue, spoolFileName } from '../../agent/transport/diskReportQueue.js';
import { createMemoryReportQueue } from '../../agent/transport/memoryReportQueue.js';
import { classifyStatus, createReportSender, parseRetryAfter, type ReportSenderOptions } from '../../agent/transport/reportSender.js';
import { startCollectorStub, type CollectorStub } from './collectorStub.js';
import { createManualTime } from './manualTime.js';
import { okResponse, startRawHttpServer, type RawHttpServer } from './rawHttpServer.js';

const TOKEN = 'sender-test-token-0123456789abcdef';
const AT = '2025-01-01T00:00:00.000Z';

function report(sequence: number): Report {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    agent: { id: 'agent-1', hostname: 'host-1', version: 'test', intervalSeconds: 15, labels: { role: 'web' } },
    sequence,
    sentAt: AT,
    observations: [{ metric: 'load1', labels: {}, value: sequence / 10, at: AT }],
    checks: [],
  };
}

/** A logger whose JSON lines are kept for assertions. */
function capturingLog() {
  const lines: string[] = [];
  return { lines, log: pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) }) };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const stubs: Array<CollectorStub | RawHttpServer> = [];
const senders: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(senders.splice(0).map((s) => s.close()));
  await Promise.all(stubs.splice(0).map((s) => s.close()));
});

async function stub(port?: number): Promise<CollectorStub> {
  const started = await startCollectorStub(port);
  stubs.push(started);
  return started;
}

function sender(collectorUrl: string, overrides: Partial<ReportSenderOptions> = {}) {
  const created = createReportSender({
    collectorUrls: [collectorUrl],
    token: TOKEN,
    timeoutSeconds: 2,
    queue: createMemoryReportQueue({ maxReports: 100, maxBytes: 1024 * 1024 }),
    log: pino({ level: 'silent' }),
    ...overrides,
  });
  senders.push(created);
  return created;
}

describe('classifyStatus', () => {
  it.each([
    [200, 'acknowledged'], // stored
    [202, 'acknowledged'], // any 2xx
    [400, 'rejected'], // schema violation: the same bytes fail again
    [401, 'rejected'], // wrong token
    [403, 'rejected'], // forbidden
    [404, 'rejected'], // wrong collector URL
    [413, 'rejected'], // too large: resending cannot help
    [415, 'rejected'], // unsupported encoding
    [301, 'rejected'], // redirect: not followed, will not change
    [407, 'retryable'], // a proxy on the way wants credentials: the collector never saw the report
    [408, 'retryable'], // request timeout
    [429, 'retryable'], // rate limited
    [500, 'retryable'], // collector failure
    [502, 'retryable'], // proxy in front of a dead collector
    [503, 'retryable'], // collector shutting down
  ])('%i -> %s', (status, outcome) => {
    expect(classifyStatus(status)).toBe(outcome);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse(AT);
  it.each([
    [undefined, undefined], // absent
    ['5', 5], // delta-seconds
    ['100000', 300], // capped at five minutes
    [new Date(now + 30_000).toUTCString(), 30], // HTTP date
    ['soon', undefined], // garbage
  ])('%j -> %j', (header, seconds) => {
    expect(parseRetryAfter(header, now)).toBe(seconds);
  });
});

describe('createReportSender', () => {
  it('POSTs gzip JSON with the bearer token to collectorUrl + REPORTS_PATH', async () => {
    const collector = await stub();
    const s = sender(`${collector.url}/`);
    await s.enqueue(report(1));
    expect(await s.flush()).toEqual({ delivered: 1, rejected: 0, blocked: false });

    expect(collector.received).toHaveLength(1);
    const [request] = collector.received;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe(REPORTS_PATH);
    expect(request!.headers['content-encoding']).toBe('gzip');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request!.report).toEqual(report(1));
    expect(await s.pending()).toBe(0);
  });

  it('delivers a small report as plain JSON, a larger one gzip, and spools a failed plain one compressed', async () => {
    const collector = await stub();
    const memory = createMemoryReportQueue({ maxReports: 100, maxBytes: 1024 * 1024 });
    const s = sender(collector.url, { gzipAboveBytes: 4096, queue: memory });
    const large: Report = { ...report(2), observations: Array.from({ length: 80 }, (_, i) => ({ metric: 'filesystem_used_bytes', labels: { mount: `/srv/v${i}` }, value: i, at: AT })) };
    expect(JSON.stringify(report(1)).length).toBeLessThan(4096);
    expect(JSON.stringify(large).length).toBeGreaterThan(4096);

    await s.deliver(report(1));
    await s.deliver(large);
    expect(collector.received.map((r) => [r.report.sequence, r.headers['content-encoding'] ?? 'identity'])).toEqual([
      [1, 'identity'],
      [2, 'gzip'],
    ]);
    expect(collector.received.map((r) => r.report)).toEqual([report(1), large]);

    collector.replies = [503];
    expect(await s.deliver(report(3))).toMatchObject({ delivered: 0, blocked: true });
    const spooled = (await memory.peek())!;
    expect(spooled.sequence).toBe(3);
    expect(JSON.parse(gunzipSync(spooled.gzipBody).toString('utf8'))).toEqual(report(3));
    expect(await s.flush()).toMatchObject({ delivered: 1 });
    expect(collector.received.at(-1)!.headers['content-encoding']).toBe('gzip');
    expect(collector.received.at(-1)!.report).toEqual(report(3));
  });

  it('compresses every report with gzipAboveBytes 0', async () => {
    const collector = await stub();
    const s = sender(collector.url, { gzipAboveBytes: 0 });
    await s.deliver(report(1));
    expect(collector.received[0]!.headers['content-encoding']).toBe('gzip');
  });

  it('keeps a path prefix of the collector URL', async () => {
    const collector = await stub();
    const s = sender(`${collector.url}/tripline`);
    await s.enqueue(report(1));
    await s.flush();
    expect(collector.received[0]!.url).toBe(`/tripline${REPORTS_PATH}`);
  });

  it('retries after a 500 and delivers in order', async () => {
    const collector = await stub();
    collector.replies = [500];
    const s = sender(collector.url);
    await s.enqueue(report(1));
    await s.enqueue(report(2));

    expect(await s.flush()).toEqual({ delivered: 0, rejected: 0, blocked: true });
    expect(await s.pending()).toBe(2);
    expect(await s.flush()).toEqual({ delivered: 2, rejected: 0, blocked: false });
    expect(collector.received.map((r) => r.report.sequence)).toEqual([1, 1, 2]);
    expect(await s.pending()).toBe(0);
  });

  it('deliver: sends straight away when nothing waits, spools only what fails, and keeps the order', async () => {
    const collector = await stub();
    const pushed: number[] = [];
    const memory = createMemoryReportQueue({ maxReports: 100, maxBytes: 1024 * 1024 });
    const queue = { ...memory, push: (r: { sequence: number; gzipBody: Buffer }) => (pushed.push(r.sequence), memory.push(r)) };
    const s = sender(collector.url, { queue });

    expect(await s.deliver(report(1))).toEqual({ delivered: 1, rejected: 0, blocked: false });
    expect(pushed).toEqual([]); // the healthy path does not touch the queue

    collector.replies = [503];
    expect(await s.deliver(report(2))).toEqual({ delivered: 0, rejected: 0, blocked: true });
    expect(pushed).toEqual([2]);
    expect(await s.pending()).toBe(1);

    // The queue is not empty: the next report goes behind the spooled one, oldest first.
    expect(await s.deliver(report(3))).toEqual({ delivered: 2, rejected: 0, blocked: false });
    expect(pushed).toEqual([2, 3]);
    expect(await s.pending()).toBe(0);
    expect(collector.received.map((r) => r.report.sequence)).toEqual([1, 2, 2, 3]);
  });

  it('deliver: a report made while one is in flight waits behind it, even when that one fails', async () => {
    const collector = await stub();
    collector.replies = [503];
    const s = sender(collector.url);
    const first = s.deliver(report(1));
    const second = s.deliver(report(2));
    await Promise.all([first, second]);
    expect(await s.pending()).toBe(2);
    expect(await s.flush()).toEqual({ delivered: 2, rejected: 0, blocked: false });
    expect(collector.received.map((r) => r.report.sequence)).toEqual([1, 1, 2]);
  });

  it('drops a report the collector refuses with 401, without retrying it and without logging the token', async () => {
    const collector = await stub();
    collector.replies = [401];
    const { lines, log } = capturingLog();
    const s = sender(collector.url, { log });
    await s.enqueue(report(1));
    await s.enqueue(report(2));

    expect(await s.flush()).toEqual({ delivered: 1, rejected: 1, blocked: false });
    expect(await s.flush()).toEqual({ delivered: 0, rejected: 0, blocked: false });
    expect(collector.received.map((r) => r.report.sequence)).toEqual([1, 2]);
    expect(s.dropped()).toEqual({ spoolFull: 0, rejected: 1 });
    const rejection = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'report rejected by collector; set aside, not retried');
    expect(rejection).toMatchObject({ level: 50, sequence: 1, status: 401 });
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  // Each row: the status a proxy before the collector answers with, its error page quoting the request's headers.
  it.each([
    [401, 'report rejected by collector; set aside, not retried'], // refused: the page names the token it refused
    [502, 'report upload failed; will retry'], // the collector behind it is down
  ])('logs the body of a %i without the token the proxy echoed into it', async (status, msg) => {
    const proxy: RawHttpServer = await startRawHttpServer((socket, request) => {
      const page = `proxy error; you sent:\n${request.head}`;
      socket.end(`HTTP/1.1 ${status} Proxy Error\r\ncontent-length: ${Buffer.byteLength(page)}\r\n\r\n${page}`);
    });
    stubs.push(proxy);
    const { lines, log } = capturingLog();
    const s = sender(proxy.url, { log });
    await s.enqueue(report(1));
    await s.flush();
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === msg);
    expect(logged).toMatchObject({ status, response: expect.stringContaining('authorization: Bearer [redacted]') });
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('sets a spooled report the collector refuses for good (400, 422) aside on disk, counts it, and delivers the ones behind it', async () => {
    const collector = await stub();
    collector.replies = [400, 422];
    const dataDir = mkdtempSync(join(tmpdir(), 'tripline-rejected-'));
    const queue = createDiskReportQueue({ directory: join(dataDir, 'spool'), rejectedDirectory: join(dataDir, 'rejected'), maxReports: 10, maxBytes: 1e6 });
    const s = sender(collector.url, { queue });
    for (const sequence of [1, 2, 3]) await s.enqueue(report(sequence));

    expect(await s.flush()).toEqual({ delivered: 1, rejected: 2, blocked: false });
    // One attempt each: a 4xx is final, never retried like a 5xx.
    expect(collector.received.map((r) => r.report.sequence)).toEqual([1, 2, 3]);
    expect(s.dropped()).toEqual({ spoolFull: 0, rejected: 2 });
    expect(readdirSync(join(dataDir, 'spool'))).toEqual([]);
    expect(readdirSync(join(dataDir, 'rejected'))).toEqual([spoolFileName(1), spoolFileName(2)]);
    expect(JSON.parse(gunzipSync(readFileSync(join(dataDir, 'rejected', spoolFileName(2)))).toString()).sequence).toBe(2);
  });

  it.each([[400], [413]])('drops a report refused with %i', async (status) => {
    const collector = await stub();
    collector.replies = [status];
    const s = sender(collector.url);
    await s.enqueue(report(1));
    expect(await s.flush()).toMatchObject({ rejected: 1, blocked: false });
    expect(await s.pending()).toBe(0);
  });

  it('treats a refused connection as retryable and delivers once the collector is up', async () => {
    const port = await freePort();
    const { lines, log } = capturingLog();
    const s = sender(`http://127.0.0.1:${port}`, { log });
    await s.enqueue(report(1));
    expect(await s.flush()).toEqual({ delivered: 0, rejected: 0, blocked: true });
    expect(await s.pending()).toBe(1);
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toContainEqual(
      expect.objectContaining({ msg: 'report upload failed; will retry', reason: 'ECONNREFUSED', sequence: 1 }),
    );

    const collector = await stub(port);
    expect(await s.flush()).toEqual({ delivered: 1, rejected: 0, blocked: false });
    expect(collector.received.map((r) => r.report.sequence)).toEqual([1]);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  // The upload timeouts below run on a manual clock, stepped once the upload has arrived.
  it('gives up on an upload after its timeout and keeps the report for a retry', async () => {
    const collector = await stub();
    collector.replies = ['hang'];
    const time = createManualTime();
    const s = sender(collector.url, { timeoutSeconds: 0.3, timers: time.timers });
    await s.enqueue(report(1));
    let settled = false;
    const flushing = s.flush().finally(() => void (settled = true));
    await vi.waitFor(() => expect(collector.received).toHaveLength(1), { timeout: 10_000, interval: 5 });
    await time.advance(299);
    expect(settled).toBe(false); // not before its timeout
    await time.advance(1);
    expect(await flushing).toMatchObject({ delivered: 0, blocked: true });
    expect(await s.flush()).toEqual({ delivered: 1, rejected: 0, blocked: false });
  });

  it('waits out a Retry-After before the next attempt', async () => {
    const collector = await stub();
    collector.replies = [{ status: 429, headers: { 'retry-after': '30' } }];
    let now = Date.parse(AT);
    const s = sender(collector.url, { nowMs: () => now });
    await s.enqueue(report(1));
    expect(await s.flush()).toMatchObject({ blocked: true });
    now += 10_000;
    expect(await s.flush()).toMatchObject({ delivered: 0, blocked: true });
    expect(collector.received).toHaveLength(1);
    now += 21_000;
    expect(await s.flush()).toMatchObject({ delivered: 1, blocked: false });
  });

  it('drops the oldest reports beyond the queue bound and counts them', async () => {
    const collector = await stub();
    const s = sender(collector.url, { queue: createMemoryReportQueue({ maxReports: 2, maxBytes: 1024 * 1024 }) });
    for (const sequence of [1, 2, 3, 4]) await s.enqueue(report(sequence));
    expect(s.dropped()).toEqual({ spoolFull: 2, rejected: 0 });
    await s.flush();
    expect(collector.received.map((r) => r.report.sequence)).toEqual([3, 4]);
  });

  it('joins a running flush instead of sending the same report twice', async () => {
    const collector = await stub();
    const s = sender(collector.url);
    await s.enqueue(report(1));
    const [a, b] = await Promise.all([s.flush(), s.flush()]);
    expect(a).toBe(b);
    expect(collector.received.map((r) => r.report.sequence)).toEqual([1]);
  });

  it('compresses with gzip level 1 in a 4 KiB window and a small memLevel, and the body round-trips', async () => {
    const big: Report = { ...report(1), observations: Array.from({ length: 120 }, (_, i) => ({ metric: 'disk_used_bytes', labels: { mount: `/srv/volume-${i}` }, value: i * 1048576, at: AT })) };
    const memory = createMemoryReportQueue({ maxReports: 100, maxBytes: 1024 * 1024 });
    const s = sender('http://127.0.0.1:9', { queue: memory });
    await s.enqueue(big);
    const { gzipBody } = (await memory.peek())!;
    const json = JSON.stringify(big);
    expect(json.length).toBeGreaterThan(10_000);
    expect(gunzipSync(gzipBody).toString('utf8')).toBe(json);
    expect(gzipBody).toEqual(gzipSync(json, { level: 1, windowBits: 12, memLevel: 5 }));
    expect(gzipBody.length).toBeLessThan(json.length / 5);
  });

  it('reads Retry-After whatever the case of its name, from a chunked 429', async () => {
    const collector: RawHttpServer = await startRawHttpServer((socket) =>
      socket.write(
        collector.requests.length === 1
          ? 'HTTP/1.1 429 Too Many Requests\r\nRetry-After: 30\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nslow d\r\n3\r\nown\r\n0\r\n\r\n'
          : okResponse(),
      ),
    );
    stubs.push(collector);
    let now = Date.parse(AT);
    const { lines, log } = capturingLog();
    const s = sender(collector.url, { nowMs: () => now, log });
    expect(await s.deliver(report(1))).toMatchObject({ delivered: 0, blocked: true });
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toContainEqual(expect.objectContaining({ status: 429, response: 'slow down' }));
    now += 29_000;
    expect(await s.flush()).toMatchObject({ delivered: 0, blocked: true });
    expect(collector.requests).toHaveLength(1);
    now += 1_000;
    expect(await s.flush()).toMatchObject({ delivered: 1, blocked: false });
    expect(collector.requests).toHaveLength(2);
  });

  it('treats a token HTTP cannot carry as a failed upload, without logging it', async () => {
    const collector = await stub();
    const { lines, log } = capturingLog();
    const s = sender(collector.url, { log });
    s.setToken(`${TOKEN}\r\nx-injected: 1`);
    expect(await s.deliver(report(1))).toMatchObject({ delivered: 0, blocked: true });
    expect(collector.received).toHaveLength(0);
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toContainEqual(expect.objectContaining({ msg: 'report upload failed; will retry', reason: 'ERR_INVALID_CHAR' }));
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('close() aborts an upload in flight promptly', async () => {
    const collector = await stub();
    collector.replies = ['hang'];
    const time = createManualTime();
    const s = sender(collector.url, { timeoutSeconds: 30, timers: time.timers });
    await s.enqueue(report(1));
    const flushing = s.flush();
    await vi.waitFor(() => expect(collector.received).toHaveLength(1), { timeout: 10_000, interval: 5 });
    // The clock never moves: close() cannot be waiting for the upload's 30 s timeout.
    await s.close();
    expect(await flushing).toMatchObject({ delivered: 0, blocked: true });
    expect(time.pending()).toBe(0); // and the upload's timer is gone
  });
});

/** `deliver` with the report's JSON, as the agent calls it: the direct path (sendDirectNow) when nothing waits. */
const deliverWithJson = (s: { deliver(report: Report, json?: string): Promise<unknown> }, r: Report) => s.deliver(r, JSON.stringify(r));

describe('deliver with the report\'s JSON (the direct upload by callback)', () => {
  // Each row: the collector's answer to the direct upload, what deliver resolves to, and what is left queued.
  it.each([
    [200, { delivered: 1, rejected: 0, blocked: false }, 0, { spoolFull: 0, rejected: 0 }], // acknowledged: nothing touches the queue
    [503, { delivered: 0, rejected: 0, blocked: true }, 1, { spoolFull: 0, rejected: 0 }], // retryable: spooled, compressed
    [400, { delivered: 0, rejected: 1, blocked: false }, 0, { spoolFull: 0, rejected: 1 }], // refused for good: set aside and counted
  ] as const)('a %i resolves to %o and leaves %i queued', async (status, outcome, queued, dropped) => {
    const collector = await stub();
    collector.replies = [status];
    const memory = createMemoryReportQueue({ maxReports: 100, maxBytes: 1024 * 1024 });
    const s = sender(collector.url, { queue: memory });
    expect(await deliverWithJson(s, report(1))).toEqual(outcome);
    expect(collector.received.map((r) => [r.report, r.headers['content-encoding'] ?? 'identity', r.headers.authorization])).toEqual([[report(1), 'identity', `Bearer ${TOKEN}`]]);
    expect(await s.pending()).toBe(queued);
    expect(s.dropped()).toEqual(dropped);
    if (queued > 0) expect(JSON.parse(gunzipSync((await memory.peek())!.gzipBody).toString('utf8'))).toEqual(report(1));
  });

  it('keeps the order: a report made while one is in flight waits behind it, even when that one fails', async () => {
    const collector = await stub();
    collector.replies = [{ status: 503, delayMs: 50 }];
    const s = sender(collector.url);
    const first = deliverWithJson(s, report(1));
    const second = deliverWithJson(s, report(2));
    expect(await first).toMatchObject({ delivered: 0, blocked: true });
    expect(await second).toMatchObject({ delivered: 0, blocked: true });
    expect(await s.pending()).toBe(2);
    expect(await deliverWithJson(s, report(3))).toEqual({ delivered: 3, rejected: 0, blocked: false });
    expect(collector.received.map((r) => r.report.sequence)).toEqual([1, 1, 2, 3]);
  });

  it('runs a flush asked for while the upload is in flight once it is acknowledged, and resolves to both', async () => {
    const collector = await stub();
    collector.replies = [{ status: 200, delayMs: 50 }];
    const memory = createMemoryReportQueue({ maxReports: 100, maxBytes: 1024 * 1024 });
    const s = sender(collector.url, { queue: memory });
    const direct = deliverWithJson(s, report(2));
    await memory.push({ sequence: 3, gzipBody: gzipSync(JSON.stringify(report(3))) });
    const flushing = s.flush();
    expect(await direct).toEqual({ delivered: 2, rejected: 0, blocked: false });
    expect(await flushing).toEqual({ delivered: 2, rejected: 0, blocked: false });
    expect(collector.received.map((r) => r.report.sequence)).toEqual([2, 3]);
  });

  it('waits out a Retry-After: the next report is spooled behind, not sent', async () => {
    const collector = await stub();
    collector.replies = [{ status: 429, headers: { 'retry-after': '30' } }];
    let now = Date.parse(AT);
    const s = sender(collector.url, { nowMs: () => now });
    expect(await deliverWithJson(s, report(1))).toMatchObject({ delivered: 0, blocked: true });
    now += 10_000;
    expect(await deliverWithJson(s, report(2))).toMatchObject({ delivered: 0, blocked: true });
    expect(collector.received).toHaveLength(1);
    now += 21_000;
    expect(await deliverWithJson(s, report(3))).toEqual({ delivered: 3, rejected: 0, blocked: false });
    expect(collector.received.map((r) => r.report.sequence)).toEqual([1, 1, 2, 3]);
  });

  it('spools when nothing listens, and treats a token HTTP cannot carry as a failed upload, logging neither token', async () => {
    const port = await freePort();
    const { lines, log } = capturingLog();
    const s = sender(`http://127.0.0.1:${port}`, { log });
    expect(await deliverWithJson(s, report(1))).toMatchObject({ delivered: 0, blocked: true });
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toContainEqual(expect.objectContaining({ msg: 'report upload failed; will retry', reason: 'ECONNREFUSED', sequence: 1 }));
    const collector = await stub(port);
    expect(await s.flush()).toEqual({ delivered: 1, rejected: 0, blocked: false });
    s.setToken(`${TOKEN}\r\nx-injected: 1`);
    expect(await deliverWithJson(s, report(2))).toMatchObject({ delivered: 0, blocked: true });
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toContainEqual(expect.objectContaining({ msg: 'report upload failed; will retry', reason: 'ERR_INVALID_CHAR', sequence: 2 }));
    expect(collector.received.map((r) => r.report.sequence)).toEqual([1]);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('goes by the disk spool once it is open: the first report decides through it, the next go direct, and a failed one is on disk', async () => {
    const collector = await stub();
    const dataDir = mkdtempSync(join(tmpdir(), 'tripline-direct-'));
    const queue = createDiskReportQueue({ directory: join(dataDir, 'spool'), maxReports: 10, maxBytes: 1e6 });
    expect(queue.sizeNow?.()).toBeUndefined(); // not open yet: the sender cannot know it is empty
    const s = sender(collector.url, { queue });
    expect(await deliverWithJson(s, report(1))).toMatchObject({ delivered: 1 });
    expect(queue.sizeNow?.()).toBe(0);
    collector.replies = [503];
    expect(await deliverWithJson(s, report(2))).toMatchObject({ delivered: 0, blocked: true });
    expect(readdirSync(join(dataDir, 'spool'))).toEqual([spoolFileName(2)]);
    expect(queue.sizeNow?.()).toBe(1);
    expect(await deliverWithJson(s, report(3))).toEqual({ delivered: 2, rejected: 0, blocked: false });
    expect(readdirSync(join(dataDir, 'spool'))).toEqual([]);
    expect(collector.received.map((r) => r.report.sequence)).toEqual([1, 2, 2, 3]);
  });

  it('close() fails a direct upload in flight promptly and keeps the report in the spool', async () => {
    const collector = await stub();
    collector.replies = ['hang'];
    const time = createManualTime();
    const memory = createMemoryReportQueue({ maxReports: 100, maxBytes: 1024 * 1024 });
    const s = sender(collector.url, { timeoutSeconds: 30, timers: time.timers, queue: memory });
    const delivering = deliverWithJson(s, report(1));
    await vi.waitFor(() => expect(collector.received).toHaveLength(1), { timeout: 10_000, interval: 5 });
    await s.close();
    expect(await delivering).toMatchObject({ delivered: 0, blocked: true });
    expect(await memory.size()).toBe(1);
    expect(time.pending()).toBe(0);
  });
});
