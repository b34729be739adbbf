/**
 * An agent given several collector URLs, against real HTTP servers on loopback: it moves to the next
 * collector when one cannot take a report (no listener, a timeout, a 5xx), stays with the one that
 * answered, does not move on a collector's "come back later" (429) or a refusal (4xx), and spools
 * when none answers, delivering each report once when one is back.
 */
import { createServer } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { REPORT_SCHEMA_VERSION, type Report } from '../../contract/report.js';
import { createMemoryReportQueue } from '../../agent/transport/memoryReportQueue.js';
import { createReportSender, triesNextCollector } from '../../agent/transport/reportSender.js';
import { collectorUrlsOf } from '../../config/collectorUrls.js';
import { loadConfig } from '../../config/loadConfig.js';
import { startCollectorStub, type CollectorStub } from './collectorStub.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TOKEN = 'failover-test-token-0123456789abcdef';
const AT = '2025-01-01T00:00:00.000Z';

function report(sequence: number): Report {
  return { schemaVersion: REPORT_SCHEMA_VERSION, agent: { id: 'agent-1', hostname: 'host-1', version: 'test', intervalSeconds: 15, labels: {} }, sequence, sentAt: AT, observations: [{ metric: 'load1', labels: {}, value: 1, at: AT }], checks: [] };
}

/** A URL where nothing listens (a port taken and released). */
function deadUrl(): Promise<string> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(`http://127.0.0.1:${port}`));
    });
  });
}

const stubs: CollectorStub[] = [];
const senders: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(senders.splice(0).map((s) => s.close()));
  await Promise.all(stubs.splice(0).map((s) => s.close()));
});

async function stub(): Promise<CollectorStub> {
  const started = await startCollectorStub();
  stubs.push(started);
  return started;
}

function sender(collectorUrls: string[], timeoutSeconds = 2) {
  const queue = createMemoryReportQueue({ maxReports: 100, maxBytes: 1024 * 1024 });
  const created = createReportSender({ collectorUrls, token: TOKEN, timeoutSeconds, queue, log: pino({ level: 'silent' }) });
  senders.push(created);
  return { sender: created, queue };
}

const sequences = (s: CollectorStub) => s.received.map((r) => r.report.sequence);

describe('triesNextCollector', () => {
  it.each([
    // no answer at all: refused connection, reset, timeout
    [{ outcome: 'retryable' as const }, true],
    // the collector is failing or stopping
    [{ outcome: 'retryable' as const, status: 500 }, true],
    [{ outcome: 'retryable' as const, status: 503 }, true],
    // this collector asks us to come back later: its limits are its own
    [{ outcome: 'retryable' as const, status: 429 }, false],
    [{ outcome: 'retryable' as const, status: 408 }, false],
    // a proxy on the way wants credentials: every collector behind it would say the same
    [{ outcome: 'retryable' as const, status: 407 }, false],
    // refused or taken: nothing to try elsewhere
    [{ outcome: 'rejected' as const, status: 400 }, false],
    [{ outcome: 'acknowledged' as const, status: 200 }, false],
  ])('%j -> %s', (attempt, expected) => {
    expect(triesNextCollector(attempt)).toBe(expected);
  });
});

// Each row: how the agent hands the report over; with its JSON the first attempt goes by the direct path.
describe.each([
  ['the report only', (s: { deliver(r: Report, json?: string): Promise<unknown> }, r: Report) => s.deliver(r)],
  ['the report and its JSON', (s: { deliver(r: Report, json?: string): Promise<unknown> }, r: Report) => s.deliver(r, JSON.stringify(r))],
] as const)('a sender with several collectors, given %s', (_, deliver) => {
  it('moves past a collector nobody listens at and stays with the one that answered', async () => {
    const second = await stub();
    const { sender: s } = sender([await deadUrl(), second.url]);
    for (let sequence = 1; sequence <= 3; sequence++) expect(await deliver(s, report(sequence))).toEqual({ delivered: 1, rejected: 0, blocked: false });
    expect(sequences(second)).toEqual([1, 2, 3]);
  });

  it('moves on after a 5xx and after a timeout, and comes back round to the first', async () => {
    const [a, b, c] = [await stub(), await stub(), await stub()];
    a.replies.push(503);
    b.replies.push('hang');
    const { sender: s } = sender([a.url, b.url, c.url], 1);
    expect(await deliver(s, report(1))).toMatchObject({ delivered: 1 });
    expect([sequences(a), sequences(b), sequences(c)]).toEqual([[1], [1], [1]]);
    // c answered: it keeps the next reports, until it fails; then a (round the list) takes them
    expect(await deliver(s, report(2))).toMatchObject({ delivered: 1 });
    c.replies.push(500);
    expect(await deliver(s, report(3))).toMatchObject({ delivered: 1 });
    expect([sequences(a), sequences(b), sequences(c)]).toEqual([[1, 3], [1], [1, 2, 3]]);
  });

  it('does not move on a 429 or a refusal', async () => {
    const [a, b] = [await stub(), await stub()];
    a.replies.push({ status: 429, headers: { 'retry-after': '0' } }, 400);
    const { sender: s } = sender([a.url, b.url]);
    expect(await deliver(s, report(1))).toMatchObject({ delivered: 0, blocked: true });
    expect(await s.flush()).toMatchObject({ delivered: 0, rejected: 1 });
    expect(sequences(b)).toEqual([]);
  });

  it('spools while no collector answers and delivers every report once when one is back', async () => {
    const [a, b] = [await stub(), await stub()];
    a.replies.push(503, 503, 503);
    b.replies.push(502, 502, 502);
    const { sender: s, queue } = sender([a.url, b.url]);
    for (let sequence = 1; sequence <= 3; sequence++) await deliver(s, report(sequence));
    expect(await queue.size()).toBe(3);
    // both back: the spool drains in order through one of them
    expect(await s.flush()).toEqual({ delivered: 3, rejected: 0, blocked: false });
    // six refused attempts (each report tried at both while down) and one acknowledged upload per report
    expect(a.received.length + b.received.length).toBe(9);
    expect(await queue.size()).toBe(0);
  });
});

describe('agent.collectorUrls in the config', () => {
  const write = (text: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'tripline-urls-'));
    writeFileSync(join(dir, 'tripline.yaml'), text);
    return join(dir, 'tripline.yaml');
  };

  it.each([
    // the list, in order
    ['agent:\n  collectorUrls: [http://a:9470, https://b:9470]\n', ['http://a:9470', 'https://b:9470']],
    // one collector as before
    ['agent:\n  collectorUrl: http://a:9470\n', ['http://a:9470']],
    // nothing: the collector of this host
    ['{}\n', ['http://127.0.0.1:9470']],
  ])('%j reports to %j', (text, urls) => {
    expect(collectorUrlsOf(loadConfig(write(text), {}).config.agent)).toEqual(urls);
  });

  it.each([
    // both: which one was meant?
    ['agent:\n  collectorUrl: http://a:9470\n  collectorUrls: [http://b:9470]\n', /tripline\.yaml:3:\d+: agent\.collectorUrls: set collectorUrl or collectorUrls, not both/],
    // one of the list is not http(s)
    ['agent:\n  collectorUrls: [http://a:9470, ftp://b]\n', /tripline\.yaml:2:\d+: agent\.collectorUrls\[1\]: must be http:\/\/ or https:\/\/, not ftp:/],
  ])('refuses %j with its line', (text, message) => {
    expect(() => loadConfig(write(text), {})).toThrow(message);
  });
});
