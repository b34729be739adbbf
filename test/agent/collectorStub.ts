/**
 * A minimal stand-in for the collector's ingest endpoint on loopback: records every request
 * (headers and gunzipped JSON body) and answers with scripted statuses.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { Report } from '../../contract/report.js';

/** One request as the stub saw it. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  report: Report;
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
  close(): Promise<void>;
}

/** Starts a stub on 127.0.0.1, on `port` or a free one. */
export function startCollectorStub(port = 0): Promise<CollectorStub> {
  const received: ReceivedRequest[] = [];
  const stub = { received, replies: [] as StubReply[], answered: 0 } as unknown as CollectorStub;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const json = request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
      received.push({ method: request.method!, url: request.url!, headers: request.headers, report: JSON.parse(json.toString('utf8')) as Report });
      const reply = stub.replies.shift() ?? 200;
      if (reply === 'hang') return;
      const { status, headers = {}, delayMs = 0 } = typeof reply === 'number' ? { status: reply } : reply;
      const report = received.at(-1)!.report;
      setTimeout(() => {
        response.writeHead(status, { 'content-type': 'application/json', ...headers });
        response.end(status === 200 ? JSON.stringify({ sequence: report.sequence, duplicate: false }) : JSON.stringify({ error: { code: 'X', message: `status ${status}` } }));
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
