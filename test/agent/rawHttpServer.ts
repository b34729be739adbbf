/**
 * A loopback TCP server that reads HTTP/1.1 requests (head and content-length body) and lets a test
 * answer each with exact bytes, or close, reset or ignore the connection: the misbehaviour a real
 * HTTP server library will not produce on request.
 */
import { createServer, type Socket } from 'node:net';

/** One request as the server read it. */
export interface RawRequest {
  /** Request line and headers, without the final CRLFCRLF. */
  head: string;
  body: Buffer;
  /** Which connection it came on, from 1. */
  connection: number;
  /** Its place on that connection, from 1. */
  onConnection: number;
}

/** Answers one request on its socket, any way it likes. */
export type RawAnswer = (socket: Socket, request: RawRequest) => void;

/** A running raw server. */
export interface RawHttpServer {
  port: number;
  url: string;
  requests: RawRequest[];
  /** Connections accepted so far. */
  connections: number;
  /** Connections closed so far (by either side). */
  closedConnections: number;
  /** Resolves once `closedConnections` reaches `count`. */
  connectionsClosed(count: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a raw server on 127.0.0.1 that answers every request with `answer`. */
export function startRawHttpServer(answer: RawAnswer): Promise<RawHttpServer> {
  const sockets = new Set<Socket>();
  const waiters: Array<() => void> = [];
  const state = { requests: [] as RawRequest[], connections: 0, closedConnections: 0 };
  const server = createServer((socket) => {
    const connection = ++state.connections;
    let onConnection = 0;
    let buffered = Buffer.alloc(0);
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      state.closedConnections += 1;
      waiters.splice(0).forEach((wake) => wake());
    });
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buffered.toString('latin1', 0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const request = { head, body: buffered.subarray(end + 4, end + 4 + length), connection, onConnection: ++onConnection };
        buffered = buffered.subarray(end + 4 + length);
        state.requests.push(request);
        answer(socket, request);
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({
        port,
        url: `http://127.0.0.1:${port}`,
        get requests() {
          return state.requests;
        },
        get connections() {
          return state.connections;
        },
        get closedConnections() {
          return state.closedConnections;
        },
        async connectionsClosed(count) {
          while (state.closedConnections < count) await new Promise<void>((wake) => waiters.push(wake));
        },
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A complete 200 response with a content-length body. */
export function okResponse(body = '{"ok":true}', extraHeaders = ''): string {
  return `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extraHeaders}\r\n${body}`;
}
