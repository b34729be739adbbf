/**
 * Health signals end to end, on real processes: the compiled collector and agent, the default rule
 * pack, a real Nagios plugin (check_tcp from monitoring-plugins-basic), real HTTP and HTTPS servers
 * and TCP ports on loopback, and the webhook desk fake. The scenarios run side by side in one
 * collector, so the suite waits about as long as the slowest of them (a rule's `for: 1m`):
 *
 * - a plugin turning CRITICAL is one ticket titled with the plugin's text, within the plugin's
 *   interval + `for` + 2 s; back to OK resolves it;
 * - a missing process, an HTTP check answered 500, a certificate two days from expiry and a port
 *   failing in short stretches are one ticket each;
 * - two rules on one symptom (a custom rule inhibiting tcp_port_down) are one ticket, resolved at
 *   recovery, and the inhibited incident says what held it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RULES_DIR } from '../../rules/index.js';
import { makeCertificates } from '../support/certificates.js';
import { startWebhookDeskFake, type WebhookDeskFake } from '../support/fakes/webhookDeskFake.js';
import { asAdmin, freePort, spawnTripline, startTcpTarget, waitFor, type TriplineProcess } from '../support/processes.js';

const SECRET = 'e2e-health-webhook-secret';
const AGENT_TOKEN = 'e2e-health-agent-token-0123456789';
const CHECK_TCP = '/usr/lib/nagios/plugins/check_tcp';
/** The plugin rule's `for` in the default pack, and the plugin's (and the agent's) interval below. */
const PLUGIN_FOR_MS = 60_000;
const PLUGIN_INTERVAL_MS = 1_000;

interface IncidentView {
  id: number;
  status: string;
  ruleName: string;
  labels: Record<string, string>;
  hold: string | null;
  ticketed: boolean;
  parentIncidentId: number | null;
  why: { breachingSinceMs: number };
}

type Ticket = WebhookDeskFake['tickets'] extends Map<string, infer T> ? T : never;

describe('health signals end to end: checks, services and certificates become one ticket each', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-e2e-health-'));
  const configFile = join(dir, 'tripline.yaml');
  let desk: WebhookDeskFake;
  let collectorPort: number;
  let collector: TriplineProcess | undefined;
  let agent: TriplineProcess | undefined;
  let web: Server;
  let secure: Server;
  const ports = { plugin: 0, payments: 0, flaky: 0 };
  let pluginTarget: Awaited<ReturnType<typeof startTcpTarget>> | undefined;
  let paymentsTarget: Awaited<ReturnType<typeof startTcpTarget>> | undefined;
  let flakyTarget: Awaited<ReturnType<typeof startTcpTarget>> | undefined;

  const api = <T>(path: string) => fetch(`http://127.0.0.1:${collectorPort}${path}`, asAdmin).then((r) => r.json() as Promise<T>);
  const incidents = async () => (await api<{ incidents: IncidentView[] }>('/api/v1/incidents')).incidents;
  /** The desk's tickets of one rule whose labels include `labels`. */
  const tickets = (rule: string, labels: Record<string, string>): Ticket[] =>
    [...desk.tickets.values()].filter((t) => t.incident.ruleName === rule && Object.entries(labels).every(([k, v]) => t.incident.labels[k] === v));
  const oneTicket = (what: string, rule: string, labels: Record<string, string>, timeoutMs: number) =>
    waitFor(what, () => tickets(rule, labels)[0], timeoutMs, 50);

  beforeAll(async () => {
    desk = await startWebhookDeskFake(SECRET);
    collectorPort = await freePort();
    pluginTarget = await startTcpTarget();
    paymentsTarget = await startTcpTarget();
    flakyTarget = await startTcpTarget();
    ports.plugin = pluginTarget.port;
    ports.payments = paymentsTarget.port;
    ports.flaky = flakyTarget.port;
    web = createHttpServer((_request, response) => response.writeHead(500).end('broken'));
    await new Promise<void>((ok) => web.listen(0, '127.0.0.1', ok));
    const certs = makeCertificates(dir, 2);
    secure = createHttpsServer({ cert: readFileSync(certs.cert), key: readFileSync(certs.key) }, (_request, response) => response.end('ok'));
    await new Promise<void>((ok) => secure.listen(0, '127.0.0.1', ok));

    writeFileSync(
      join(dir, 'payments.yaml'),
      `rules:
  - name: payments_api_down
    metric: tcp_up
    matchers: ['target="payments"']
    below: 1
    for: 30s
    severity: critical
    summary: 'Payments API is down ({{ labels.host }})'
    inhibits:
      - rules: [tcp_port_down]
        equal: [host, target]
`,
    );
    writeFileSync(
      configFile,
      `dataDir: ${join(dir, 'data')}
log: { level: info }
collector:
  listen: { host: 127.0.0.1, port: ${collectorPort} }
  agentTokens: ['${AGENT_TOKEN}']
  rules: ['${DEFAULT_RULES_DIR}', payments.yaml]
  evaluationInterval: 1s
agent:
  collectorUrl: http://127.0.0.1:${collectorPort}
  token: '${AGENT_TOKEN}'
  hostname: e2e-health
  interval: 1s
  sendTimeout: 2s
  ping: { gateway: false }
  inventory: { enabled: false }
  processes: { names: [nosuchproc] }
  tcp:
    targets:
      - { name: payments, host: 127.0.0.1, port: ${ports.payments}, timeout: 500ms }
      - { name: flaky, host: 127.0.0.1, port: ${ports.flaky}, timeout: 500ms }
  http:
    targets:
      - { name: broken, url: 'http://127.0.0.1:${(web.address() as { port: number }).port}/health', timeout: 2s }
      - { name: tls, url: 'https://127.0.0.1:${(secure.address() as { port: number }).port}/', timeout: 2s, caFile: ${certs.ca} }
  plugins:
    - { name: port_check, command: ${CHECK_TCP}, args: [-H, 127.0.0.1, -p, '${ports.plugin}', -t, '1'], interval: 1s, timeout: 1s }
desks:
  - type: webhook
    name: ops
    url: ${desk.url}/hook
    timeout: 2s
delivery: { initialBackoff: 200ms, maxBackoff: 1s, pollInterval: 100ms }
incidents: { resolveSettle: 0s, reachability: { enabled: false } }
`,
    );
    collector = spawnTripline(['collector', '--config', configFile], join(dir, 'collector.log'), { TRIPLINE_DESK_OPS_SECRET: SECRET });
    await waitFor('collector ready', async () => (await fetch(`http://127.0.0.1:${collectorPort}/readyz`)).ok);
    agent = spawnTripline(['agent', '--config', configFile], join(dir, 'agent.log'));
    await waitFor('agent reports arriving', async () => (await api<{ hosts: unknown[] }>('/api/v1/hosts')).hosts.length === 1);
  }, 60_000);

  afterAll(async () => {
    await agent?.kill('SIGTERM');
    await collector?.kill('SIGTERM');
    await Promise.all([pluginTarget?.close(), paymentsTarget?.close(), flakyTarget?.close(), desk?.close()]);
    web?.close();
    secure?.close();
  });

  it('turns each health signal into one ticket, and resolves them at recovery', async () => {
    const host = { host: 'e2e-health' };

    const plugin = async () => {
      await pluginTarget!.close();
      const ticket = await oneTicket('plugin ticket', 'nagios_plugin_critical', { ...host, kind: 'plugin', check: 'port_check' }, PLUGIN_INTERVAL_MS + PLUGIN_FOR_MS + 10_000);
      const atDeskMs = Date.now();
      // From the plugin's first CRITICAL result (the incident's breach start: that result's time) to the desk.
      const incident = (await incidents()).find((i) => i.id === ticket.incident.id)!;
      expect(atDeskMs - incident.why.breachingSinceMs, 'interval + for + 2 s').toBeLessThanOrEqual(PLUGIN_INTERVAL_MS + PLUGIN_FOR_MS + 2_000);
      expect(ticket.incident.summary).toBe(`port_check on e2e-health: connect to address 127.0.0.1 and port ${ports.plugin}: Connection refused`);
      pluginTarget = await startTcpTarget(ports.plugin);
      await waitFor('plugin ticket resolved', () => ticket.status === 'resolved', 10_000, 50);
    };

    const inhibition = async () => {
      await paymentsTarget!.close();
      const ticket = await oneTicket('payments ticket', 'payments_api_down', { ...host, target: 'payments' }, 60_000);
      const held = await waitFor('the inhibited tcp_port_down incident', async () => (await incidents()).find((i) => i.ruleName === 'tcp_port_down' && i.labels.target === 'payments'));
      expect([held.hold, held.ticketed]).toEqual(['inhibited', false]);
      const explanation = await api<{ why: { gates: Array<{ gate: string; passed: boolean; reason: string }> } }>(`/api/v1/incidents/${held.id}/explain`);
      expect(explanation.why.gates.find((g) => g.gate === 'inhibition')).toMatchObject({ passed: false, reason: expect.stringContaining('inhibited by payments_api_down') });
      paymentsTarget = await startTcpTarget(ports.payments);
      await waitFor('payments ticket resolved', () => ticket.status === 'resolved', 10_000, 50);
      await waitFor('the inhibited incident resolved too', async () => (await incidents()).find((i) => i.id === held.id)?.status === 'resolved', 10_000);
    };

    const intermittent = async () => {
      let toggling = true;
      const toggle = (async () => {
        while (toggling) {
          await new Promise((ok) => setTimeout(ok, 8_000));
          if (!toggling) break;
          await flakyTarget!.close();
          await new Promise((ok) => setTimeout(ok, 8_000));
          flakyTarget = await startTcpTarget(ports.flaky);
        }
      })();
      try {
        await oneTicket('intermittent ticket', 'check_intermittent', { ...host, kind: 'tcp', check: 'flaky' }, 90_000);
      } finally {
        toggling = false;
        await toggle;
      }
    };

    const certificate = () => oneTicket('certificate ticket', 'tls_certificate_expiring_critical', { ...host, target: 'tls' }, 30_000);
    const missingProcess = () => oneTicket('process ticket', 'process_missing', { ...host, name: 'nosuchproc' }, 90_000);
    const http = () => oneTicket('HTTP ticket', 'http_down', { ...host, target: 'broken' }, 90_000);

    await Promise.all([plugin(), inhibition(), intermittent(), certificate(), missingProcess(), http()]);
    await new Promise((ok) => setTimeout(ok, 1500)); // time for any duplicate to show up

    // One ticket per problem, nothing for the incidents held by inhibition.
    const count = (rule: string, labels: Record<string, string>) => tickets(rule, { ...host, ...labels }).length;
    expect({
      plugin: count('nagios_plugin_critical', { check: 'port_check' }),
      payments: count('payments_api_down', { target: 'payments' }),
      paymentsPortDown: count('tcp_port_down', { target: 'payments' }),
      intermittent: count('check_intermittent', { check: 'flaky' }),
      flakyPortDown: count('tcp_port_down', { target: 'flaky' }),
      certificate: count('tls_certificate_expiring_critical', { target: 'tls' }),
      certificateWarning: count('tls_certificate_expiring', { target: 'tls' }),
      process: count('process_missing', { name: 'nosuchproc' }),
      http: count('http_down', { target: 'broken' }),
    }).toEqual({ plugin: 1, payments: 1, paymentsPortDown: 0, intermittent: 1, flakyPortDown: 0, certificate: 1, certificateWarning: 0, process: 1, http: 1 });
    const warning = (await incidents()).find((i) => i.ruleName === 'tls_certificate_expiring' && i.labels.target === 'tls');
    expect(warning?.hold).toBe('inhibited');
    expect(readFileSync(join(dir, 'collector.log'), 'utf8')).not.toContain(SECRET);
  }, 150_000);
});
