/**
 * bench:agent's stand-in collector frames its answers as the collector does (a content-length, the
 * collector's headers), so that the agent's response parser does in the bench what it does in
 * production; and it still names series sets and reads compact reports back.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BARE_PATH, FLOOR_PATH, startStubCollector, type StubCollector } from '../../bench/agentStubCollector.js';
import { createCollectorConnection } from '../../agent/transport/collectorConnection.js';
import { buildReport, seriesOf } from '../../agent/report/reportBuilder.js';
import type { Observation } from '../../contract/report.js';

const AT = '2026-12-07T18:00:00.000Z';
const IDENTITY = { id: 'bench-stub-test', hostname: 'bench-stub-test', version: '0.1.0', intervalSeconds: 1, labels: {} };
const LOAD_LABELS = Object.freeze({});
const observations = (value: number): Observation[] => [{ metric: 'load1', labels: LOAD_LABELS, value, at: AT }];

let stub: StubCollector | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

/** The raw bytes of the stub's answer to one POST of `body` to `path`, read until the connection is closed. */
async function rawAnswer(url: string, path: string, body: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.write(`POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });
}

describe("bench:agent's stub collector", () => {
  it("answers a report, a compact one and a refusal with a content-length and the collector's headers, never chunked", async () => {
    stub = await startStubCollector();
    const connection = createCollectorConnection({ url: new URL(`${stub.url}/v1/reports`), timeoutMs: 5000, maxResponseBytes: 64 * 1024 });
    const headers = Object.freeze({ 'content-type': 'application/json' });

    const first = buildReport({ agent: IDENTITY, sequence: 1, sentAt: new Date(AT), observations: observations(0.25), checks: [] });
    const named = await connection.post(first.json ?? JSON.stringify(first.report), headers);
    expect(named.status).toBe(200);
    expect(named.headers['transfer-encoding']).toBeUndefined();
    expect(named.headers['content-length']).toBe(String(Buffer.byteLength(named.text)));
    expect(named.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(named.headers['server-timing']).toMatch(/^app;dur=\d+\.\d+$/);
    const { seriesSet } = JSON.parse(named.text) as { seriesSet?: string };
    expect(seriesSet).toMatch(/^[A-Za-z0-9_-]{22}$/);

    const second = buildReport({ agent: IDENTITY, sequence: 2, sentAt: new Date(AT), observations: observations(0.5), checks: [], seriesSets: [{ id: seriesSet!, series: seriesOf(first.report.observations) }] });
    expect(second.compact).toBe(true);
    const acknowledged = await connection.post(second.json!, headers);
    expect(acknowledged).toMatchObject({ status: 200, text: '{"sequence":2,"duplicate":false}' });
    expect(acknowledged.headers['content-length']).toBe(String(acknowledged.text.length));
    expect(stub.compactReports).toBe(1);
    expect(stub.reports.map((report) => report.observations[0]!.value)).toEqual([0.25, 0.5]);

    const refused = await connection.post('{"sequence":', headers);
    expect(refused.status).toBe(400);
    expect(refused.headers['content-length']).toBe(String(Buffer.byteLength(refused.text)));
    expect(JSON.parse(refused.text)).toHaveProperty('error');
    connection.destroy(new Error('test over'));
  });

  it("answers the floor's and the bare agent's POSTs the same way, and refuses a bare report without the agent's number of values", async () => {
    stub = await startStubCollector();
    stub.bareValues = 3;
    const floor = await rawAnswer(stub.url, FLOOR_PATH, '{}');
    expect(floor).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(floor).toMatch(/\r\ncontent-length: 17\r\n/i);
    expect(floor).not.toMatch(/transfer-encoding/i);
    expect(floor.endsWith('\r\n\r\n{"accepted":true}')).toBe(true);

    expect(await rawAnswer(stub.url, BARE_PATH, '{"values":[1,2,3]}')).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\ncontent-length: 17\r\n/i);
    const short = await rawAnswer(stub.url, BARE_PATH, '{"values":[1,2]}');
    expect(short).toMatch(/^HTTP\/1\.1 400 /);
    expect(short).not.toMatch(/transfer-encoding/i);
    expect(short.endsWith('{"error":"expected 3 values"}')).toBe(true);
    expect(stub.floorPosts).toBe(1);
    expect(stub.barePosts).toBe(1);
  });
});
