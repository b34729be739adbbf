/**
 * The collector connection against real servers on loopback: a raw TCP server that answers with
 * exact bytes (framings, interim responses, closes and resets at chosen moments, malformed
 * responses), node:http and node:https servers (a private CA made with openssl), and a child process
 * that must exit with the idle connection still open.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCollectorConnection, type CollectorConnection, type CollectorConnectionOptions } from '../../agent/transport/collectorConnection.js';
import { makeCertificates } from '../support/certificates.js';
import { createManualTime } from './manualTime.js';
import { okResponse, startRawHttpServer, type RawAnswer, type RawHttpServer } from './rawHttpServer.js';

const TOKEN = 'connection-test-token-0123456789abcdef';
const HEADERS = { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: `Bearer ${TOKEN}` };
const BODY = Buffer.from('gzip-bytes-stand-in');
const PATH = '/prefix/api/v1/reports?x=1';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const servers: Array<{ close(): Promise<void> }> = [];
const connections: CollectorConnection[] = [];
afterEach(async () => {
  connections.splice(0).forEach((c) => c.destroy(new Error('test over')));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function raw(answer: RawAnswer): Promise<RawHttpServer> {
  const server = await startRawHttpServer(answer);
  servers.push(server);
  return server;
}

function connect(url: string, overrides: Partial<CollectorConnectionOptions> = {}): CollectorConnection {
  const connection = createCollectorConnection({ url: new URL(url), timeoutMs: 2000, maxResponseBytes: 64 * 1024, ...overrides });
  connections.push(connection);
  return connection;
}

/**
 * Runs one POST in a fresh Node process (the compiled module) and returns its outcome (status or
 * error code), the process's active handles and timers once the POST is over, and how long the
 * process took to exit: a clean process, where any socket or timer left behind shows.
 */
async function postInChild(url: string, timeoutMs: number): Promise<{ outcome: number | string; active: string[]; exitMs: number }> {
  const module = join(import.meta.dirname, '../../dist/agent/transport/collectorConnection.js');
  const script = `
    const { createCollectorConnection } = await import(${JSON.stringify(module)});
    const connection = createCollectorConnection({ url: new URL(${JSON.stringify(url)}), timeoutMs: ${timeoutMs}, maxResponseBytes: 1024 });
    const outcome = await connection.post(Buffer.from('x'), {}).then((response) => response.status, (error) => error.code);
    // Let closed handles go (close callbacks), then look from the check phase, outside any timer.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setImmediate(resolve));
    // Stdio pipes aside: Node opens stderr lazily, and a socket's destroy touches it.
    console.log(JSON.stringify({ outcome, active: process.getActiveResourcesInfo().filter((r) => r !== 'PipeWrap') }));`;
  const started = performance.now();
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000 });
  return { ...(JSON.parse(stdout) as { outcome: number | string; active: string[] }), exitMs: performance.now() - started };
}

describe('createCollectorConnection over plain TCP', () => {
  it('writes the pre-formatted POST, reads a content-length response and reuses the connection', async () => {
    const server = await raw((socket) => socket.write(okResponse('{"sequence":1}', 'Retry-After: 5\r\n')));
    const connection = connect(`${server.url}${PATH}`);

    const response = await connection.post(BODY, HEADERS);
    expect(response).toEqual({ status: 200, headers: { 'content-type': 'application/json', 'content-length': '14', 'retry-after': '5' }, text: '{"sequence":1}' });
    expect(server.requests[0]!.head.split('\r\n')).toEqual([
      `POST ${PATH} HTTP/1.1`,
      `host: 127.0.0.1:${server.port}`,
      'connection: keep-alive',
      'content-type: application/json',
      'content-encoding: gzip',
      `authorization: Bearer ${TOKEN}`,
      `content-length: ${BODY.length}`,
    ]);
    expect(server.requests[0]!.body).toEqual(BODY);

    expect((await connection.post(Buffer.from('second'), HEADERS)).status).toBe(200);
    expect(server.requests.map((r) => [r.connection, r.onConnection, r.body.toString()])).toEqual([
      [1, 1, BODY.toString()],
      [1, 2, 'second'],
    ]);
  });

  it('sends text bodies as UTF-8 and reuses its request buffer without leaking one request into the next', async () => {
    const server = await raw((socket) => socket.write(okResponse('{}')));
    const connection = connect(`${server.url}${PATH}`);
    const long = JSON.stringify({ padding: 'x'.repeat(20_000) });
    // Two, three and four bytes of UTF-8 (the satellite is a surrogate pair: two UTF-16 units).
    const unicode = JSON.stringify({ host: 'Zürich-π-東京-🛰' });
    const bodies: Array<Buffer | string> = [long, unicode, Buffer.from('bytes'), long + long + long, 'short'];
    for (const body of bodies) expect((await connection.post(body, HEADERS)).status).toBe(200);
    expect(server.requests.map((r) => r.body.toString('utf8'))).toEqual(bodies.map((b) => b.toString()));
    expect(server.requests.map((r) => r.head.split('\r\n').at(-1))).toEqual(bodies.map((b) => `content-length: ${Buffer.byteLength(b)}`));
    expect(new Set(server.requests.map((r) => r.connection)).size).toBe(1);
  });

  it('formats a frozen headers object once and reuses its lines; other headers every time, so a change shows', async () => {
    const server = await raw((socket) => socket.write(okResponse('{}')));
    const connection = connect(server.url);
    const frozen = Object.freeze({ 'content-type': 'application/json', authorization: 'Bearer one' });
    const mutable: Record<string, string> = { 'content-type': 'application/json', authorization: 'Bearer two' };
    await connection.post('{}', frozen);
    await connection.post('{}', mutable);
    mutable.authorization = 'Bearer three';
    await connection.post('{}', mutable);
    await connection.post('{}', frozen);
    await connection.post('{}', Object.freeze({ 'x-other': 'four' }));
    expect(server.requests.map((r) => r.head.split('\r\n').filter((line) => line.startsWith('authorization') || line.startsWith('x-other')))).toEqual([
      ['authorization: Bearer one'],
      ['authorization: Bearer two'],
      ['authorization: Bearer three'],
      ['authorization: Bearer one'],
      ['x-other: four'],
    ]);
    // A frozen object with a forbidden character is refused every time, never cached.
    const bad = Object.freeze({ authorization: 'Bearer x\r\nx-injected: 1' });
    for (let i = 0; i < 2; i++) await expect(connection.post('{}', bad)).rejects.toMatchObject({ code: 'ERR_INVALID_CHAR' });
    expect(server.requests).toHaveLength(5);
  });

  it('reads a chunked response written in pieces, with an extension and a trailer', async () => {
    const server = await raw(async (socket) => {
      for (const piece of ['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n', '4;ext=1\r\n{"se\r', '\nA\r\nquence":1}\r\n', '0\r\nx-trailer: t\r\n', '\r\n']) {
        socket.write(piece);
        await sleep(5);
      }
    });
    const connection = connect(server.url);
    expect(await connection.post(BODY, HEADERS)).toMatchObject({ status: 200, text: '{"sequence":1}' });
    expect(await connection.post(BODY, HEADERS)).toMatchObject({ status: 200, text: '{"sequence":1}' });
    expect(server.connections).toBe(1);
  });

  it('reads a body without framing until the server closes, then connects anew', async () => {
    const server = await raw((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nread until close'));
    const connection = connect(server.url);
    expect(await connection.post(BODY, HEADERS)).toMatchObject({ status: 200, text: 'read until close' });
    expect(await connection.post(BODY, HEADERS)).toMatchObject({ status: 200, text: 'read until close' });
    expect(server.connections).toBe(2);
  });

  it('skips a 100 Continue sent before the final response', async () => {
    const server = await raw(async (socket) => {
      socket.write('HTTP/1.1 100 Continue\r\n\r\n');
      await sleep(20);
      socket.write(okResponse('after continue'));
    });
    const connection = connect(server.url);
    expect(await connection.post(BODY, HEADERS)).toMatchObject({ status: 200, text: 'after continue' });
  });

  it('closes the connection after a connection: close response and opens a new one for the next POST', async () => {
    const server = await raw((socket) => socket.write(okResponse('{}', 'connection: close\r\n'))); // the server leaves it open
    const connection = connect(server.url);
    expect((await connection.post(BODY, HEADERS)).status).toBe(200);
    await server.connectionsClosed(1); // closed by the client
    expect((await connection.post(BODY, HEADERS)).status).toBe(200);
    expect(server.requests.map((r) => r.connection)).toEqual([1, 2]);
  });

  it('reconnects when the server has closed the idle connection between POSTs', async () => {
    const server = await raw((socket) => {
      socket.write(okResponse());
      setTimeout(() => socket.end(), 10);
    });
    const connection = connect(server.url);
    expect((await connection.post(BODY, HEADERS)).status).toBe(200);
    await server.connectionsClosed(1);
    expect((await connection.post(BODY, HEADERS)).status).toBe(200);
    expect(server.requests.map((r) => r.connection)).toEqual([1, 2]); // sent once: no retry was needed
  });

  it('sends once more on a new connection when a reused one is closed unanswered (the keep-alive race)', async () => {
    // The second request on a connection is met with a close, as when the server's idle timeout
    // fires while the request is on its way.
    const server = await raw((socket, request) => (request.onConnection === 1 ? socket.write(okResponse()) : socket.destroy()));
    const connection = connect(server.url);
    expect((await connection.post(BODY, HEADERS)).status).toBe(200);
    expect((await connection.post(Buffer.from('second'), HEADERS)).status).toBe(200);
    expect(server.requests.map((r) => [r.connection, r.body.toString()])).toEqual([
      [1, BODY.toString()],
      [1, 'second'],
      [2, 'second'],
    ]);
  });

  it('sends once more at most, and never again on a new connection', async () => {
    const server = await raw((socket) => (server.requests.length === 1 ? socket.write(okResponse()) : socket.destroy()));
    const connection = connect(server.url);
    expect((await connection.post(BODY, HEADERS)).status).toBe(200);
    await expect(connection.post(BODY, HEADERS)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(server.requests.map((r) => r.connection)).toEqual([1, 1, 2]);
    // A fresh connection closed unanswered is not retried either.
    await expect(connection.post(BODY, HEADERS)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(server.requests.map((r) => r.connection)).toEqual([1, 1, 2, 3]);
  });

  it('fails without a retry when the server resets after the response has started', async () => {
    const server = await raw((socket, request) => {
      if (request.onConnection === 1) return socket.write(okResponse());
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial');
      setTimeout(() => socket.resetAndDestroy(), 20);
    });
    const connection = connect(server.url);
    expect((await connection.post(BODY, HEADERS)).status).toBe(200);
    await expect(connection.post(BODY, HEADERS)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(server.requests).toHaveLength(2);
  });

  it('fails on a malformed status line, closes that connection, and connects anew for the next POST', async () => {
    const server = await raw((socket) => socket.write(server.requests.length === 1 ? 'HTTP/1.1 2OO OK\r\ncontent-length: 0\r\n\r\n' : okResponse()));
    const connection = connect(server.url);
    await expect(connection.post(BODY, HEADERS)).rejects.toMatchObject({ code: 'TRIPLINE_BAD_RESPONSE', message: 'malformed status line "HTTP/1.1 2OO OK"' });
    await server.connectionsClosed(1);
    expect((await connection.post(BODY, HEADERS)).status).toBe(200);
    expect(server.connections).toBe(2);
  });

  it('fails on response headers over 16 KiB and closes the connection', async () => {
    const server = await raw((socket) => socket.write(`HTTP/1.1 200 OK\r\nx-padding: ${'p'.repeat(20 * 1024)}\r\n`));
    const connection = connect(server.url);
    await expect(connection.post(BODY, HEADERS)).rejects.toMatchObject({ code: 'TRIPLINE_BAD_RESPONSE', message: 'response head exceeds 16384 bytes' });
    await server.connectionsClosed(1);
  });

  it('keeps maxResponseBytes of a larger body, reads the rest, and keeps the connection usable', async () => {
    const big = 'a'.repeat(1000) + 'b'.repeat(4000);
    const server = await raw((socket) => socket.write(okResponse(big)));
    const connection = connect(server.url, { maxResponseBytes: 1024 });
    expect((await connection.post(BODY, HEADERS)).text).toBe(`${'a'.repeat(1000)}${'b'.repeat(24)}`);
    expect((await connection.post(BODY, HEADERS)).text).toHaveLength(1024);
    expect(server.connections).toBe(1);
  });

  it('times out a server that never answers (ETIMEDOUT)', async () => {
    let requestArrived: () => void = () => {};
    const arrived = new Promise<void>((resolve) => (requestArrived = resolve));
    const server = await raw(() => requestArrived());
    // The timeout runs on a manual clock, stepped once the request has arrived.
    const time = createManualTime();
    const connection = connect(server.url, { timeoutMs: 200, timers: time.timers });
    let settled = false;
    const posting = connection.post(BODY, HEADERS);
    posting.then(
      () => void (settled = true),
      () => void (settled = true),
    );
    await arrived;
    await time.advance(199);
    expect(settled).toBe(false); // not before its timeout
    await time.advance(1);
    await expect(posting).rejects.toMatchObject({ code: 'ETIMEDOUT', message: 'no response within 0.2s' });
    await server.connectionsClosed(1); // the socket is destroyed
  });

  it('leaves no socket or timer behind after a timeout', async () => {
    const server = await raw(() => undefined);
    const child = await postInChild(server.url, 200);
    expect(child).toMatchObject({ outcome: 'ETIMEDOUT', active: [] });
    expect(child.exitMs).toBeLessThan(5000);
  });

  it('leaves no timer behind after a POST, and the idle socket unref\'d: it never keeps the process alive', async () => {
    const server = await raw((socket) => socket.write(okResponse()));
    const child = await postInChild(server.url, 5000); // a timer left behind would hold the process for 5 s
    expect(child).toMatchObject({ outcome: 200, active: [] }); // the open, idle socket is not an active handle
    expect(child.exitMs).toBeLessThan(4000);
  });

  describe("with node's timers (faked, and stepped by the test)", () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('times out an unanswered POST (ETIMEDOUT) after an answered one whose deadline fired stopped', async () => {
      // The default interval (15 s) against the default upload timeout (10 s): the deadline's one
      // Timeout fires, stopped, between uploads, and the next upload arms it again.
      let answer = true;
      let requestArrived: () => void = () => {};
      const server = await raw((socket) => (answer ? socket.write(okResponse()) : requestArrived()));
      const connection = connect(server.url, { timeoutMs: 10_000 });
      expect((await connection.post(BODY, HEADERS)).status).toBe(200);
      vi.advanceTimersByTime(15_000);
      answer = false;
      const arrived = new Promise<void>((resolve) => (requestArrived = resolve));
      const outcome = connection.post(BODY, HEADERS).then(
        () => 'answered',
        (error: NodeJS.ErrnoException) => error.code,
      );
      await arrived;
      vi.advanceTimersByTime(9_999);
      await Promise.resolve();
      expect(vi.getTimerCount()).toBe(1); // armed, not yet expired
      vi.advanceTimersByTime(1);
      expect(await outcome).toBe('ETIMEDOUT');
    });
  });

  it('swallows a reset of the idle connection and connects anew for the next POST', async () => {
    const server = await raw((socket) => {
      socket.write(okResponse());
      setTimeout(() => socket.resetAndDestroy(), 10);
    });
    const connection = connect(server.url);
    expect((await connection.post(BODY, HEADERS)).status).toBe(200);
    await server.connectionsClosed(1);
    await sleep(20); // the reset reaches the idle client socket: no unhandled error may follow
    expect((await connection.post(BODY, HEADERS)).status).toBe(200);
    expect(server.connections).toBe(2);
  });

  it('refuses a second POST while one is in flight', async () => {
    const server = await raw((socket) => setTimeout(() => socket.write(okResponse()), 50));
    const connection = connect(server.url);
    const first = connection.post(BODY, HEADERS);
    await expect(connection.post(BODY, HEADERS)).rejects.toMatchObject({ code: 'TRIPLINE_CONNECTION_BUSY' });
    expect((await first).status).toBe(200);
    expect(server.requests).toHaveLength(1);
  });

  it('destroy() fails the POST in flight and every later one with its error', async () => {
    const server = await raw(() => undefined);
    const connection = connect(server.url);
    const inFlight = connection.post(BODY, HEADERS);
    await sleep(50);
    const error = Object.assign(new Error('the sender is closed'), { code: 'ABORT_ERR' });
    connection.destroy(error);
    await expect(inFlight).rejects.toBe(error);
    await expect(connection.post(BODY, HEADERS)).rejects.toBe(error);
    await server.connectionsClosed(1);
    expect(server.requests).toHaveLength(1);
  });

  it('refuses a header value with a line break before sending anything, without echoing the value', async () => {
    const server = await raw((socket) => socket.write(okResponse()));
    const connection = connect(server.url);
    const error = (await connection.post(BODY, { authorization: `Bearer ${TOKEN}\r\nx-injected: 1` }).then(() => undefined, (e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: 'ERR_INVALID_CHAR' });
    expect(error.message).not.toContain(TOKEN);
    expect(server.connections).toBe(0);
  });

  it('reads node:http responses, content-length and chunked, over one kept-open connection', async () => {
    let accepted = 0;
    const server: HttpServer = createHttpServer((request, response) => {
      request.resume();
      request.on('end', () => {
        if (request.headers['x-chunked'] === '1') {
          response.write('{"part":');
          setTimeout(() => response.end('2}'), 10);
        } else response.end('{"part":1}');
      });
    }).on('connection', () => (accepted += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push({ close: () => new Promise<void>((done) => (server.closeAllConnections(), server.close(() => done()))) });
    const connection = connect(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
    expect(await connection.post(BODY, HEADERS)).toMatchObject({ status: 200, text: '{"part":1}', headers: { 'content-length': '10', connection: 'keep-alive' } });
    expect(await connection.post(BODY, { ...HEADERS, 'x-chunked': '1' })).toMatchObject({ status: 200, text: '{"part":2}', headers: { 'transfer-encoding': 'chunked' } });
    expect(accepted).toBe(1);
  });
});

describe('createCollectorConnection over TLS with a private CA', () => {
  let dir: string;
  let server: HttpsServer;
  let port: number;
  let ca: Buffer;
  /** Secure connections accepted, and the SNI names the clients sent. */
  let accepted: number;
  let names: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tripline-connection-'));
    const certs = makeCertificates(dir);
    ca = readFileSync(certs.ca);
    const SNICallback = (name: string, done: (error: Error | null) => void) => (names.push(name), done(null));
    server = createHttpsServer({ key: readFileSync(certs.key), cert: readFileSync(certs.cert), SNICallback }, (request, response) => {
      request.resume();
      request.on('end', () => response.end(JSON.stringify({ host: request.headers.host, url: request.url })));
    });
    server.on('secureConnection', () => (accepted += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    accepted = 0;
    names = [];
  });

  it('POSTs over one TLS connection verified against the given CA', async () => {
    const connection = connect(`https://127.0.0.1:${port}/tripline/api/v1/reports`, { ca });
    for (let i = 0; i < 2; i++) {
      expect(await connection.post(BODY, HEADERS)).toMatchObject({ status: 200, text: JSON.stringify({ host: `127.0.0.1:${port}`, url: '/tripline/api/v1/reports' }) });
    }
    expect(accepted).toBe(1);
    expect(names).toEqual([]); // no SNI for an IP address
  });

  it('refuses the server without the CA (rejectUnauthorized stays on)', async () => {
    const connection = connect(`https://127.0.0.1:${port}/`);
    await expect(connection.post(BODY, HEADERS)).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('sends the host name as SNI and checks the certificate against it', async () => {
    // The test certificate is for IP 127.0.0.1 only, so the name "localhost" must not pass.
    const connection = connect(`https://localhost:${port}/`, { ca });
    await expect(connection.post(BODY, HEADERS)).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(names).toEqual(['localhost']);
  });
});
