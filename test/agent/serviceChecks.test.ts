/**
 * HTTP(S), DNS and systemd checks against real loopback servers (an https server with a private CA
 * made by openssl, a tiny DNS responder on UDP) and a fake systemctl: up and down, certificate
 * expiry, and the configs that must be refused.
 */
import type { Socket } from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDnsProbe } from '../../agent/probes/dnsProbe.js';
import { createHttpProbe, type HttpTarget } from '../../agent/probes/httpProbe.js';
import { createSystemdProbe, parseSystemctlShow } from '../../agent/probes/systemdProbe.js';
import { makeCertificates } from '../support/certificates.js';
import { startDnsResponder } from '../support/dnsResponder.js';
import { freePort } from '../support/processes.js';
import { loadPatchedAgentConfig } from './agentConfigFile.js';

const NOW = new Date();
const values = (observations: Array<{ metric: string; value: number }>) => Object.fromEntries(observations.map((o) => [o.metric, o.value]));

describe('HTTP checks', () => {
  let plain: Server;
  let secure: Server;
  let plainUrl: string;
  let secureUrl: string;
  let ca: Buffer;

  beforeAll(async () => {
    const certs = makeCertificates(mkdtempSync(join(tmpdir(), 'tripline-http-')), 10);
    ca = readFileSync(certs.ca);
    const handler = (request: { url?: string }, response: { writeHead(s: number): { end(b: string): void } }) => response.writeHead(request.url === '/fail' ? 500 : 200).end('hello');
    plain = createHttpServer(handler as never);
    secure = createHttpsServer({ cert: readFileSync(certs.cert), key: readFileSync(certs.key) }, handler as never);
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
    plainUrl = `http://127.0.0.1:${(plain.address() as { port: number }).port}`;
    secureUrl = `https://127.0.0.1:${(secure.address() as { port: number }).port}`;
  }, 30_000);
  afterAll(() => {
    plain.close();
    secure.close();
  });

  const target = (name: string, url: string, extra: Partial<HttpTarget> = {}): HttpTarget => ({ name, url, timeoutSeconds: 3, expectStatus: [], ...extra });

  it('reports status and time; 500 is down unless expected', async () => {
    const probe = createHttpProbe({ targets: [target('ok', `${plainUrl}/`), target('fail', `${plainUrl}/fail`), target('expected', `${plainUrl}/fail`, { expectStatus: [500] })] });
    const result = await probe.collect(NOW);
    const by = (name: string) => values(result.observations.filter((o) => o.labels.target === name));
    expect(by('ok')).toMatchObject({ http_up: 1, http_status_code: 200 });
    expect(by('ok').http_response_seconds).toBeGreaterThan(0);
    expect(by('fail')).toMatchObject({ http_up: 0, http_status_code: 500 });
    expect(by('expected')).toMatchObject({ http_up: 1 });
    expect(result.checks?.map((c) => [c.name, c.status])).toEqual([['http:ok', 'ok'], ['http:fail', 'critical'], ['http:expected', 'ok']]);
  });

  it('reads the certificate expiry over https with a private CA, and fails without trusting it', async () => {
    const trusted = await createHttpProbe({ targets: [target('tls', secureUrl, { ca })] }).collect(NOW);
    const expiry = values(trusted.observations).http_tls_cert_expiry_seconds!;
    expect(expiry / 86400).toBeGreaterThan(9);
    expect(expiry / 86400).toBeLessThanOrEqual(10.01);
    const untrusted = await createHttpProbe({ targets: [target('tls', secureUrl)] }).collect(NOW);
    expect(values(untrusted.observations)).toEqual({ http_up: 0 });
    expect(untrusted.checks?.[0]?.status).toBe('critical');
  });

  it('reports a closed port as down', async () => {
    const result = await createHttpProbe({ targets: [target('closed', `http://127.0.0.1:${await freePort()}/`)] }).collect(NOW);
    expect(values(result.observations)).toEqual({ http_up: 0 });
    expect(result.checks?.[0]?.output).toMatch(/ECONNREFUSED/);
  });

  // Each row: a URL the config must refuse for the probe.
  it.each([
    ['file:///etc/passwd', /http/],
    ['http://user:pass@example.com/', /credentials/],
    ['http://-oops/', /starts with "-"/],
    ['not a url', /not a URL/],
  ])('refuses %s', (url, message) => {
    expect(() => loadPatchedAgentConfig((agent) => void (agent.http.targets = [{ name: 'x', url, timeout: '3s', expectStatus: [] }]))).toThrow(message);
  });
});

describe('DNS checks', () => {
  let responder: { port: number; socket: Socket };
  beforeAll(async () => {
    responder = await startDnsResponder('app.example.test');
  });
  afterAll(() => responder.socket.close());

  it('resolves a name at the configured server and reports a missing name as down', async () => {
    const server = `127.0.0.1:${responder.port}`;
    const probe = createDnsProbe({
      targets: [
        { name: 'app', query: 'app.example.test', type: 'A', server, timeoutSeconds: 2 },
        { name: 'missing', query: 'nope.example.test', type: 'A', server, timeoutSeconds: 2 },
      ],
    });
    const result = await probe.collect(NOW);
    expect(values(result.observations.filter((o) => o.labels.target === 'app'))).toMatchObject({ dns_up: 1 });
    expect(values(result.observations.filter((o) => o.labels.target === 'missing'))).toEqual({ dns_up: 0 });
    expect(result.checks?.map((c) => [c.name, c.status])).toEqual([['dns:app', 'ok'], ['dns:missing', 'critical']]);
    expect(result.checks?.[0]?.output).toContain('192.0.2.7');
  });

  // Each row: a config that must be refused.
  it.each([
    [{ query: '-x.example' }, /starts with "-"/],
    [{ query: '192.0.2.1' }, /an address, not a name/],
    [{ server: 'dns.example' }, /not an IP address/],
  ])('refuses %j', (patch, message) => {
    expect(() => loadPatchedAgentConfig((agent) => void (agent.dns.targets = [{ name: 'x', query: 'ok.example', type: 'A', timeout: '1s', ...patch }]))).toThrow(message);
  });
});

describe('systemd units', () => {
  const show = 'Id=nginx.service\nLoadState=loaded\nActiveState=active\nSubState=running\n\nId=db.service\nLoadState=loaded\nActiveState=failed\nSubState=failed\n\nId=gone.service\nLoadState=not-found\nActiveState=inactive\nSubState=dead\n';

  it('parses systemctl show and reports active, failed and unknown units', async () => {
    expect(parseSystemctlShow(show)).toHaveLength(3);
    const calls: string[][] = [];
    const probe = createSystemdProbe({ units: ['nginx.service', 'db.service', 'gone.service'], run: async (args) => (calls.push(args), show) });
    const result = await probe.collect(NOW);
    expect(result.observations.map((o) => [o.labels.unit, o.value])).toEqual([['nginx.service', 1], ['db.service', 0], ['gone.service', 0]]);
    expect(result.checks?.map((c) => c.status)).toEqual(['ok', 'critical', 'unknown']);
    expect(calls[0]).toEqual(['show', '--no-pager', '-p', 'Id,LoadState,ActiveState,SubState', '--', 'nginx.service', 'db.service', 'gone.service']);
  });

  it.each(['-H.service', 'nginx', 'a b.service', 'x;reboot.service'])('refuses unit name %s', (unit) => {
    expect(() => loadPatchedAgentConfig((agent) => void (agent.systemd.units = [unit]))).toThrow(/not a systemd unit name/);
  });
});
