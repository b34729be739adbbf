/**
 * The agent through a real HTTP proxy (Debian's tinyproxy, Basic authentication, on loopback): report
 * uploads and enrollment to an http collector in absolute form, to an https one inside a CONNECT
 * tunnel with TLS checked end to end; a proxy that refuses or is down leaves the report retryable and
 * never shows the proxy's password.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentFromConfig } from '../../cli/createAgentFromConfig.js';
import { enrollAgent } from '../../agent/lifecycle/agentEnrollment.js';
import { createCollectorConnection } from '../../agent/transport/collectorConnection.js';
import type { ProxyRoute } from '../../agent/transport/proxyRoute.js';
import { loadPatchedAgentConfig } from './agentConfigFile.js';
import { makeCertificates } from '../support/certificates.js';
import { freePort } from '../support/processes.js';
import { startTinyproxy, TINYPROXY, type Tinyproxy } from '../support/tinyproxy.js';
import { existsSync } from 'node:fs';
import pino from 'pino';

const PASSWORD = 'pr0xy-s3cret';
const HEADERS = { 'content-type': 'application/json', authorization: 'Bearer agent-token-123456' };
const haveTinyproxy = existsSync(TINYPROXY);
// CI installs tinyproxy (scripts/install-system-packages.sh): there a missing one fails the suite.
const describeProxy = haveTinyproxy || process.env.CI ? describe : describe.skip;

interface Seen {
  method: string;
  url: string;
  host: string;
  proxyAuthorization: string | undefined;
}

function recordingHandler(seen: Seen[]) {
  return (request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    request.on('end', () => {
      seen.push({ method: request.method!, url: request.url!, host: request.headers.host!, proxyAuthorization: request.headers['proxy-authorization'] });
      const body = request.url!.endsWith('/enroll') ? JSON.stringify({ credential: 'c'.repeat(32) }) : '{"accepted":true}';
      response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
  };
}

describeProxy('the agent through an HTTP proxy (tinyproxy)', () => {
  let dir: string;
  let proxy: Tinyproxy;
  let plain: Server;
  let secure: Server;
  let ca: Buffer;
  const plainSeen: Seen[] = [];
  const secureSeen: Seen[] = [];
  let route: ProxyRoute;
  let wrongPassword: ProxyRoute;

  const listen = (server: Server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tripline-proxy-'));
    const proxyPort = await freePort();
    proxy = await startTinyproxy(dir, proxyPort, 'ops', PASSWORD);
    const certs = makeCertificates(dir);
    ca = readFileSync(certs.ca);
    plain = createHttpServer(recordingHandler(plainSeen));
    secure = createHttpsServer({ key: readFileSync(certs.key), cert: readFileSync(certs.cert) }, recordingHandler(secureSeen));
    await Promise.all([listen(plain), listen(secure)]);
    const basic = (password: string) => `Basic ${Buffer.from(`ops:${password}`).toString('base64')}`;
    route = { host: '127.0.0.1', port: proxyPort, authorization: basic(PASSWORD), display: `http://127.0.0.1:${proxyPort}`, variable: 'https_proxy' };
    wrongPassword = { ...route, authorization: basic('wrong-password') };
  });
  afterAll(async () => {
    await proxy?.stop();
    for (const server of [plain, secure]) {
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const portOf = (server: Server) => (server.address() as { port: number }).port;

  it('sends reports to an http collector through the proxy, in absolute form with proxy credentials', async () => {
    const url = new URL(`http://127.0.0.1:${portOf(plain)}/tripline/api/v1/reports?x=1`);
    const connection = createCollectorConnection({ url, timeoutMs: 5000, maxResponseBytes: 4096, proxy: route });
    for (let i = 0; i < 2; i++) expect(await connection.post('{}', HEADERS)).toMatchObject({ status: 200, text: '{"accepted":true}' });
    connection.destroy(new Error('done'));
    // The collector saw origin-form paths with its own host; the proxy took its credentials off.
    expect(plainSeen.slice(-2)).toEqual(Array(2).fill({ method: 'POST', url: '/tripline/api/v1/reports?x=1', host: `127.0.0.1:${portOf(plain)}`, proxyAuthorization: undefined }));
    expect(proxy.log()).toContain(`POST http://127.0.0.1:${portOf(plain)}/tripline/api/v1/reports?x=1`);
  });

  it('tunnels to an https collector with CONNECT and checks its certificate end to end', async () => {
    const url = new URL(`https://127.0.0.1:${portOf(secure)}/api/v1/reports`);
    const connection = createCollectorConnection({ url, ca, timeoutMs: 5000, maxResponseBytes: 4096, proxy: route });
    for (let i = 0; i < 2; i++) expect(await connection.post('{}', HEADERS)).toMatchObject({ status: 200 });
    connection.destroy(new Error('done'));
    expect(secureSeen.slice(-2).map((seen) => seen.url)).toEqual(['/api/v1/reports', '/api/v1/reports']);
    expect(proxy.log()).toContain(`CONNECT 127.0.0.1:${portOf(secure)}`);
    // Without the private CA the tunnelled TLS fails as a direct connection would.
    const untrusting = createCollectorConnection({ url, timeoutMs: 5000, maxResponseBytes: 4096, proxy: route });
    await expect(untrusting.post('{}', HEADERS)).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('a wrong proxy password: the tunnel is refused (407, or 401 from tinyproxy), named, and the password never shown', async () => {
    const url = new URL(`https://127.0.0.1:${portOf(secure)}/api/v1/reports`);
    const connection = createCollectorConnection({ url, ca, timeoutMs: 5000, maxResponseBytes: 4096, proxy: wrongPassword });
    const error = (await connection.post('{}', HEADERS).catch((failure: unknown) => failure)) as Error & { code: string };
    expect(error.code).toBe('TRIPLINE_PROXY_REFUSED');
    expect(error.message).toMatch(/answered CONNECT 127\.0\.0\.1:\d+ with 40[17] \(proxy authentication required/);
    expect(`${error.message} ${JSON.stringify(error)}`).not.toMatch(/wrong-password|pr0xy/);
    // Forwarded plain http: the refusal is an answer (407; tinyproxy says 401 to wrong credentials), or a
    // reset when the proxy closes without reading the body (a busy machine shows it); either way the
    // sender keeps the report for another try, and nothing reached the collector.
    const before = plainSeen.length;
    const forwarded = createCollectorConnection({ url: new URL(`http://127.0.0.1:${portOf(plain)}/api/v1/reports`), timeoutMs: 5000, maxResponseBytes: 4096, proxy: wrongPassword });
    const outcome = await forwarded.post('{}', HEADERS).then(
      (response) => response.status,
      (failure: NodeJS.ErrnoException) => failure.code,
    );
    expect([401, 407, 'ECONNRESET']).toContain(outcome);
    expect(plainSeen.length).toBe(before);
    forwarded.destroy(new Error('done'));
  });

  it('a proxy that is down: the socket error keeps its code (retryable), for uploads and enrollment', async () => {
    const down: ProxyRoute = { ...route, port: await freePort() };
    const connection = createCollectorConnection({ url: new URL(`https://127.0.0.1:${portOf(secure)}/`), ca, timeoutMs: 5000, maxResponseBytes: 4096, proxy: down });
    await expect(connection.post('{}', HEADERS)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const enrolling = enrollAgent({ collectorUrl: `https://127.0.0.1:${portOf(secure)}`, enrollmentToken: 'enrol-token-123456', agentId: 'a', hostname: 'h', timeoutSeconds: 5, ca, proxy: down }, join(dir, 'never'));
    await expect(enrolling).rejects.toMatchObject({ code: 'TRIPLINE_ENROLL_UNAVAILABLE', retryable: true });
    await expect(enrolling).rejects.toThrow(/ECONNREFUSED/);
  });

  it('enrols through the proxy, to an http and to an https collector', async () => {
    for (const [server, seen, scheme] of [[plain, plainSeen, 'http'], [secure, secureSeen, 'https']] as const) {
      const file = join(dir, `credential-${scheme}`);
      const credential = await enrollAgent({ collectorUrl: `${scheme}://127.0.0.1:${portOf(server)}`, enrollmentToken: 'enrol-token-123456', agentId: 'a', hostname: 'h', timeoutSeconds: 5, ca, proxy: route }, file);
      expect(credential).toBe('c'.repeat(32));
      expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/api/v1/enroll', host: `127.0.0.1:${portOf(server)}`, proxyAuthorization: undefined });
    }
    expect(proxy.log()).toContain(`POST http://127.0.0.1:${portOf(plain)}/api/v1/enroll`);
    // A refused tunnel names the proxy's answer in the enrollment error, and it is retried.
    const refused = enrollAgent({ collectorUrl: `https://127.0.0.1:${portOf(secure)}`, enrollmentToken: 'enrol-token-123456', agentId: 'a', hostname: 'h', timeoutSeconds: 5, ca, proxy: wrongPassword }, join(dir, 'never'));
    await expect(refused).rejects.toMatchObject({ code: 'TRIPLINE_ENROLL_UNAVAILABLE', retryable: true });
    await expect(refused).rejects.toThrow(/answered CONNECT .* with 40[17] \(proxy authentication required/);
  });
});

describe('the agent reads its proxy from the environment', () => {
  it('refuses to start with a proxy variable it cannot use, rather than go around the proxy', () => {
    const { config } = loadPatchedAgentConfig((agent) => {
      agent.collectorUrl = 'https://collector.example.com:8443';
      agent.token = 't'.repeat(32);
    });
    const saved = process.env.HTTPS_PROXY;
    process.env.HTTPS_PROXY = 'socks5://proxy.example.com:1080';
    try {
      expect(() => createAgentFromConfig(config, pino({ level: 'silent' }), '0.0.0')).toThrow(expect.objectContaining({ code: 'TRIPLINE_PROXY_INVALID' }));
    } finally {
      if (saved === undefined) delete process.env.HTTPS_PROXY;
      else process.env.HTTPS_PROXY = saved;
    }
  });
});
