/**
 * The little HTTP server every SaaS desk fake is built on: routes by method and path pattern,
 * JSON bodies, and a real socket on 127.0.0.1 so that adapters talk real HTTP to it.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  params: string[];
  headers: IncomingHttpHeaders;
  body: unknown;
  rawBody: string;
}

export interface FakeAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type FakeRoute = [method: string, pattern: RegExp, handle: (request: FakeRequest) => FakeAnswer];

export interface FakeHttpServer {
  url: string;
  /** Every request received, as "METHOD path". */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Starts a fake. `authorize` runs before every route: return an answer to refuse the request
 * (401/403), or undefined to let it through.
 */
export async function startFakeHttpServer(routes: FakeRoute[], authorize: (request: FakeRequest) => FakeAnswer | undefined): Promise<FakeHttpServer> {
  const requests: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    requests.push(`${method} ${url.pathname}`);
    let body: unknown;
    if (rawBody) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        return send({ status: 400, body: { error: 'malformed JSON' } });
      }
    }
    function send(answer: FakeAnswer) {
      const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
      res.writeHead(answer.status, { ...(text ? { 'content-type': 'application/json' } : {}), ...answer.headers }).end(text);
    }
    const base: Omit<FakeRequest, 'params'> = { method, path: url.pathname, query: url.searchParams, headers: req.headers, body, rawBody };
    const refused = authorize({ ...base, params: [] });
    if (refused) return send(refused);
    for (const [m, pattern, handle] of routes) {
      const match = m === method ? pattern.exec(url.pathname) : null;
      if (match) return send(handle({ ...base, params: match.slice(1).map((p) => decodeURIComponent(p)) }));
    }
    send({ status: 404, body: { error: 'not found' } });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    requests,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** The credential of a Basic Authorization header, decoded, or undefined. */
export function basicCredential(headers: IncomingHttpHeaders): string | undefined {
  const value = headers.authorization;
  if (!value?.startsWith('Basic ')) return undefined;
  return Buffer.from(value.slice(6), 'base64').toString('utf8');
}
