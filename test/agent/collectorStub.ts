/**
 * A minimal stand-in for the collector's ingest endpoint on loopback: records every request
 * (headers and gunzipped JSON body) and answers with scripted statuses; with `seriesSets`, its 200
 * answers name series sets and it reads compact reports back, as the collector does.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { Report } from '../../contract/report.js';
import { createStubSeriesSets, type StubSeriesSets } from '../../bench/stubSeriesSets.js';

/** One request as the stub saw it. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The report as sent (a compact one as it is). */
  report: Report;
  /** The report as stored, a compact one read back into observations; absent when it was not taken. */
  stored?: Report;
  /** Bytes of the body as sent. */
  bytes: number;
}

/** What to answer: a status (with optional headers and delay), or `hang` to never answer. */
export type StubReply = number | { status: number; headers?: Record<string, string>; delayMs?: number } | 'hang';

/** A running stub. */
export interface CollectorStub {
  url: string;
  port: number;
  received: ReceivedRequest[];
  /** Replies used in order; when exhausted, every request gets 200. */
  replies: StubReply[];
  /** Responses fully written. */
  answered: number;
  /** The series sets it keeps, when it names them (`forget()` is a restart). */
  seriesSets?: StubSeriesSets;
  close(): Promise<void>;
}

/** Starts a stub on 127.0.0.1, on `port` or a free one; `seriesSets` makes it name and keep series sets. */
export function startCollectorStub(port = 0, options: { seriesSets?: boolean } = {}): Promise<CollectorStub> {
  const received: ReceivedRequest[] = [];
  const seriesSets = options.seriesSets === true ? createStubSeriesSets() : undefined;
  const stub = { received, replies: [] as StubReply[], answered: 0, ...(seriesSets ? { seriesSets } : {}) } as unknown as CollectorStub;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const json = request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
      const entry: ReceivedRequest = { method: request.method!, url: request.url!, headers: request.headers, report: JSON.parse(json.toString('utf8')) as Report, bytes: body.length };
      received.push(entry);
      const reply = stub.replies.shift() ?? 200;
      if (reply === 'hang') return;
      const { status, headers = {}, delayMs = 0 } = typeof reply === 'number' ? { status: reply } : reply;
      const { report } = entry;
      const answer = status === 200 && seriesSets ? seriesSets.receive(report) : undefined;
      if (answer?.status === 200) entry.stored = answer.report;
      else if (status === 200 && answer === undefined) entry.stored = report;
      setTimeout(() => {
        response.writeHead(answer?.status ?? status, { 'content-type': 'application/json', ...headers });
        if (answer !== undefined) response.end(answer.body);
        else response.end(status === 200 ? JSON.stringify({ sequence: report.sequence, duplicate: false }) : JSON.stringify({ error: { code: 'X', message: `status ${status}` } }));
        stub.answered += 1;
      }, delayMs);
    });
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const actual = (server.address() as { port: number }).port;
      Object.assign(stub, {
        port: actual,
        url: `http://127.0.0.1:${actual}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
      resolve(stub);
    });
  });
}
