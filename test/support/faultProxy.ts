/**
 * An HTTP proxy on loopback in front of a desk (real or fake) that injects the failures a desk
 * adapter must survive: an answer of 429 or 5xx (with Retry-After), a 4xx, a lost response (the
 * request reaches the desk, the answer never comes back), and refused connections.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { Socket } from 'node:net';

/** Which requests a fault applies to; without it, the next request of any kind. */
export interface FaultMatch {
  method?: string;
  path?: RegExp;
}

export type InjectedFault = (
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  /** Forwards the request to the desk, then drops the connection instead of answering. */
  | { kind: 'lose-response' }
  /** Forwards the request to the desk, then never answers (the caller is left waiting: kill it now). */
  | { kind: 'hang' }
) & { match?: FaultMatch };

export interface FaultProxy {
  url: string;
  port: number;
  /** Faults applied to the next requests, one each, in order. */
  inject(...faults: InjectedFault[]): void;
  /** Every request that reached the desk, as "METHOD path". */
  forwarded: string[];
  /** Requests forwarded under a `hang` fault whose answers are being held back. */
  hung: string[];
  /** Faults not used yet. */
  pendingFaults(): number;
  /** Stops accepting connections (refused) until `resume()`, on the same port. */
  refuse(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string, port = 0): Promise<FaultProxy> {
  const upstream = new URL(target);
  const faults: InjectedFault[] = [];
  const forwarded: string[] = [];
  const hung: string[] = [];
  const sockets = new Set<Socket>();
  const forward = (method: string, path: string, headers: Record<string, unknown>, body: Buffer) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((ok, fail) => {
      forwarded.push(`${method} ${path}`);
      const outgoing = httpRequest(
        { host: upstream.hostname, port: upstream.port, method, path, headers: { ...headers, host: upstream.host } as Record<string, string> },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (c: Buffer) => chunks.push(c));
          incoming.on('end', () => ok({ status: incoming.statusCode ?? 502, headers: incoming.headers, body: Buffer.concat(chunks) }));
        },
      );
      outgoing.on('error', fail);
      outgoing.end(body);
    });
  const handler = async (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const index = faults.findIndex((f) => (!f.match?.method || f.match.method === req.method) && (!f.match?.path || f.match.path.test(req.url ?? '')));
    const fault = index >= 0 ? faults.splice(index, 1)[0] : undefined;
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
      res.writeHead(fault.status, headers).end(fault.body ?? '{"error":"injected"}');
      return;
    }
    try {
      const answer = await forward(req.method ?? 'GET', req.url ?? '/', { ...req.headers }, body);
      if (fault?.kind === 'lose-response') {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'hang') {
        hung.push(`${req.method} ${req.url}`);
        return;
      }
      const headers = { ...answer.headers };
      delete headers['transfer-encoding'];
      delete headers.connection;
      res.writeHead(answer.status, headers as Record<string, string>).end(answer.body);
    } catch {
      res.writeHead(502).end('{"error":"upstream unreachable"}');
    }
  };
  let server: Server = createServer((req, res) => void handler(req, res));
  const listen = (p: number) =>
    new Promise<number>((ok, fail) => {
      server.on('connection', (s: Socket) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      server.once('error', fail);
      server.listen(p, '127.0.0.1', () => ok((server.address() as { port: number }).port));
    });
  const stop = () =>
    new Promise<void>((ok) => {
      for (const s of sockets) s.destroy();
      server.close(() => ok());
    });
  const boundPort = await listen(port);
  return {
    url: `http://127.0.0.1:${boundPort}`,
    port: boundPort,
    forwarded,
    hung,
    pendingFaults: () => faults.length,
    inject: (...more) => faults.push(...more),
    async refuse() {
      await stop();
    },
    async resume() {
      server = createServer((req, res) => void handler(req, res));
      await listen(boundPort);
    },
    close: stop,
  };
}
