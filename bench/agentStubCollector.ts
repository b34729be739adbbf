/**
 * bench:agent's stand-in collector (bench/agent.ts): on loopback, it acknowledges the agent's reports
 * and keeps them (a compact one read back into observations), naming series sets as the collector
 * does (stubSeriesSets.ts); it answers the floor's POSTs (agentFloor.ts) and checks the bare agent's
 * reports (agentBare.ts). Every answer is framed as the collector's are (`answerAsCollector`), so
 * that what the agent reads back costs what it costs in production.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { Report } from '../contract/report.js';
import { createStubSeriesSets } from './stubSeriesSets.js';

/** The stub's path for the floor's POSTs (agentFloor.ts): answered 200 without reading them as reports. */
export const FLOOR_PATH = '/bench/floor';
/** The stub's path for the bare agent's reports (agentBare.ts): read as JSON and checked for its number of values, not kept. */
export const BARE_PATH = '/bench/bare';
/** The agents' token: the stub takes any. */
const TOKEN = 'bench-agent-token-0123456789abcdef';

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A collector stand-in that acknowledges every report and keeps it (a compact one read back into
 * observations), naming series sets as the collector does.
 */
export interface StubCollector {
  url: string;
  reports: Report[];
  /** Bytes of each report's body as POSTed (after any gzip), and of its full JSON. */
  bodyBytes: number[];
  fullBytes: number[];
  /** Reports that came as values against a series set. */
  compactReports: number;
  /** performance.now() when the first report arrived. */
  firstReportAt: number | undefined;
  /** POSTs of the floor (agentFloor.ts) answered. */
  floorPosts: number;
  /** Reports of the bare agent (agentBare.ts) answered 200: JSON with `bareValues` finite numbers. */
  barePosts: number;
  /** The number of values each of the bare agent's reports must hold (the agent's observations a report). */
  bareValues: number;
  close(): Promise<void>;
}

/**
 * An answer framed as the collector's (Fastify's) are, read off the wire of `npm start`: the same
 * headers with a `content-length`, so that the agent's response parser reads what it reads in
 * production. (node:http's `writeHead` and `end(body)` would answer chunked, with more for the agent
 * to parse.)
 */
function answerAsCollector(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'server-timing': 'app;dur=0.31', 'content-length': Buffer.byteLength(body) }).end(body);
}

export async function startStubCollector(): Promise<StubCollector> {
  const reports: Report[] = [];
  const bodyBytes: number[] = [];
  const fullBytes: number[] = [];
  const seriesSets = createStubSeriesSets();
  const stub = { firstReportAt: undefined as number | undefined, compactReports: 0, floorPosts: 0, barePosts: 0, bareValues: 0 };
  const server = createServer(async (request, response) => {
    try {
      const body = await readBody(request);
      if (request.url === FLOOR_PATH) {
        stub.floorPosts += 1;
        answerAsCollector(response, 200, '{"accepted":true}');
        return;
      }
      if (request.url === BARE_PATH) {
        // Refused (and the bare agent then exits) unless it sent as many numbers as the agent does.
        const { values } = JSON.parse(body.toString('utf8')) as { values?: unknown };
        const whole = Array.isArray(values) && values.length === stub.bareValues && values.every((v) => typeof v === 'number' && Number.isFinite(v));
        if (whole) stub.barePosts += 1;
        answerAsCollector(response, whole ? 200 : 400, whole ? '{"accepted":true}' : `{"error":"expected ${stub.bareValues} values"}`);
        return;
      }
      const json = request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
      const received = JSON.parse(json.toString('utf8')) as Report;
      const answer = seriesSets.receive(received);
      if (answer.status === 200) {
        reports.push(answer.report);
        bodyBytes.push(body.length);
        fullBytes.push(Buffer.byteLength(JSON.stringify(answer.report)));
        if (received.seriesSet !== undefined) stub.compactReports += 1;
        stub.firstReportAt ??= performance.now();
      }
      answerAsCollector(response, answer.status, answer.body);
    } catch (error) {
      // A report this stub cannot read fails the bench (no report arrives), not the process.
      answerAsCollector(response, 400, JSON.stringify({ error: String(error) }));
    }
  });
  // As the collector's http.idleTimeout (75 s by default): the agent's kept-open connection is never closed under it.
  server.keepAliveTimeout = 75_000;
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    reports,
    bodyBytes,
    fullBytes,
    get compactReports() {
      return stub.compactReports;
    },
    get firstReportAt() {
      return stub.firstReportAt;
    },
    get floorPosts() {
      return stub.floorPosts;
    },
    get barePosts() {
      return stub.barePosts;
    },
    get bareValues() {
      return stub.bareValues;
    },
    set bareValues(count: number) {
      stub.bareValues = count;
    },
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/** An agent's config for the benches: every second, to `collectorUrl`, no gateway ping and no inventory (not in the default cycle). */
export function writeBenchAgentConfig(file: string, dataDir: string, collectorUrl: string, id: string): void {
  writeFileSync(
    file,
    [`dataDir: ${dataDir}`, 'log: { level: warn }', 'agent:', `  collectorUrl: ${collectorUrl}`, `  token: ${TOKEN}`, `  id: ${id}`, '  interval: 1s', '  ping: { gateway: false }', '  inventory: { enabled: false }', ''].join('\n'),
  );
}
