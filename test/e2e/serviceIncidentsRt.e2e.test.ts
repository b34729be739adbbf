/**
 * The service view end to end with the real Request Tracker 5: a collector and two agents spawned
 * from the compiled CLI, RT with a `Service` ticket custom field added as an RT admin adds one
 * (an initialdata file through rt-setup-database, scripts/rt/service-field.initialdata).
 *
 * A service of two hosts (payments: svc-pay-1, svc-pay-2, impact high). A fault on one (its TCP
 * port closes; the rule is critical, so urgency high) gives one ticket with the matrix's P1 in
 * RT's Priority (100) and "payments" in the Service custom field, and a parent ticket for the
 * service with the host ticket linked under it as a child; the fault's clearing resolves both.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAdmin, freePort, REPO_ROOT, spawnTripline, startTcpTarget, waitFor, type TriplineProcess } from '../support/processes.js';
import { rtInstalled, startRequestTracker, type RunningRequestTracker } from '../support/requestTracker.js';

const AGENT_TOKEN = 'rt-service-e2e-agent-token-0123456789';
const missing = rtInstalled() ? undefined : 'Request Tracker 5 is not installed (run scripts/rt/install.sh as root)';
const suite = missing && !process.env.CI ? describe.skip : describe;

interface IncidentView {
  id: number;
  key: string;
  status: string;
  host: string;
  ruleName: string;
  priority: string;
}
interface RtTicket {
  id: number;
  Status: string;
  Priority: string | number;
  Subject: string;
  CustomFields?: Array<{ name: string; values: string[] }>;
  _hyperlinks?: Array<{ ref: string; id?: string | number; type?: string }>;
}
type Target = Awaited<ReturnType<typeof startTcpTarget>>;

suite(`Service incidents with Request Tracker${missing && !process.env.CI ? ` (skipped: ${missing})` : ''}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-rt-service-e2e-'));
  let rt: RunningRequestTracker;
  let collectorPort: number;
  const ports: Record<'1' | '2', number> = { '1': 0, '2': 0 };
  const targets: Partial<Record<'1' | '2', Target>> = {};
  let collector: TriplineProcess | undefined;
  const agents: TriplineProcess[] = [];

  const api = async (path: string) => (await fetch(`http://127.0.0.1:${collectorPort}${path}`, asAdmin)).json() as Promise<Record<string, unknown>>;
  const incidents = async () => ((await api('/api/v1/incidents')).incidents as IncidentView[]).sort((x, y) => x.id - y.id);
  const rtApi = async (path: string) => (await fetch(`${rt.baseUrl}/REST/2.0${path}`, { headers: { authorization: `token ${rt.token}` } })).json() as Promise<Record<string, unknown>>;
  /** RT's own record of the ticket carrying an incident key. */
  const rtTicketFor = async (key: string): Promise<RtTicket | undefined> => {
    const found = (await rtApi(`/tickets?query=${encodeURIComponent(`CF.{${rt.customField}} = '${key}'`)}`)) as { items?: Array<{ id: string }> };
    const id = found.items?.[0]?.id;
    return id === undefined ? undefined : ((await rtApi(`/ticket/${id}`)) as unknown as RtTicket);
  };
  const customField = (ticket: RtTicket, name: string) => ticket.CustomFields?.find((f) => f.name === name)?.values ?? [];
  const links = (ticket: RtTicket, ref: 'parent' | 'child') => (ticket._hyperlinks ?? []).filter((l) => l.ref === ref).map((l) => String(l.id));

  beforeAll(async () => {
    if (missing) throw new Error(missing);
    rt = await startRequestTracker({ port: await freePort(), workers: 2, initialData: [join(REPO_ROOT, 'scripts/rt/service-field.initialdata')] });
    collectorPort = await freePort();
    for (const n of ['1', '2'] as const) {
      ports[n] = await freePort();
      targets[n] = await startTcpTarget(ports[n]);
    }
    writeFileSync(
      join(dir, 'rules.yaml'),
      `rules:
  - name: e2e_service_port_down
    metric: tcp_up
    matchers: ['target=~"svc-.*"']
    below: 1
    for: 1s
    severity: critical
    summary: 'Port {{ labels.target }} on {{ labels.host }} is down'
`,
    );
    const collectorConfig = join(dir, 'collector.yaml');
    writeFileSync(
      collectorConfig,
      `dataDir: ${join(dir, 'collector-data')}
log: { level: info }
collector:
  listen: { host: 127.0.0.1, port: ${collectorPort} }
  agentTokens: ['${AGENT_TOKEN}']
  rules: [rules.yaml]
  evaluationInterval: 1s
services:
  payments:
    description: Card payments
    owner: payments-team
    impact: high
    members: { hosts: [svc-pay-1, svc-pay-2] }
desks:
  - type: request-tracker
    name: rt
    url: ${rt.baseUrl}
    queue: General
    customField: ${rt.customField}
    serviceField: Service
    timeout: 20s
delivery: { initialBackoff: 200ms, maxBackoff: 1s, pollInterval: 100ms, maxAttempts: 100, coalesceWindow: 0s }
# No ping of silent hosts: tests send traffic only to loopback.
incidents: { reopenWindow: 0s, resolveSettle: 0s, reachability: { enabled: false } }
`,
    );
    collector = spawnTripline(['collector', '--config', collectorConfig], join(dir, 'collector.log'), { TRIPLINE_DESK_RT_SECRET: rt.token });
    await waitFor('collector ready', async () => (await fetch(`http://127.0.0.1:${collectorPort}/readyz`)).ok);
    for (const n of ['1', '2'] as const) {
      const file = join(dir, `agent-${n}.yaml`);
      writeFileSync(
        file,
        `dataDir: ${join(dir, `agent-data-${n}`)}
log: { level: info }
agent:
  collectorUrl: http://127.0.0.1:${collectorPort}
  token: '${AGENT_TOKEN}'
  hostname: svc-pay-${n}
  interval: 1s
  # Tests send traffic only to loopback: no ping of this machine's real default gateway.
  ping: { gateway: false }
  sendTimeout: 2s
  tcp:
    targets:
      - { name: svc-port-${n}, host: 127.0.0.1, port: ${ports[n]}, timeout: 500ms }
`,
      );
      agents.push(spawnTripline(['agent', '--config', file], join(dir, `agent-${n}.log`)));
    }
    await waitFor('both agents reporting', async () => ((await api('/api/v1/hosts')).hosts as unknown[]).length === 2);
  }, 180_000);

  afterAll(async () => {
    for (const agent of agents) await agent.kill('SIGTERM');
    await collector?.kill('SIGTERM');
    for (const n of ['1', '2'] as const) await targets[n]?.close();
    await rt?.stop();
  });

  it('a fault on one host: one ticket with the matrix priority and the service, under a parent ticket for the service; its resolve resolves both', async () => {
    await targets['1']!.close();
    delete targets['1'];
    const host = await waitFor('the host incident', async () => (await incidents()).find((i) => i.host === 'svc-pay-1' && i.status === 'open' && i.ruleName === 'e2e_service_port_down'));
    expect(host.priority).toBe('P1'); // impact high (service payments) x urgency high (severity critical)
    const service = await waitFor('the service incident', async () => (await incidents()).find((i) => i.ruleName === 'tripline:service' && i.status === 'open'));

    const child = await waitFor('the host ticket linked under the service ticket', async () => {
      const ticket = await rtTicketFor(host.key);
      return ticket && links(ticket, 'parent').length > 0 ? ticket : undefined;
    });
    const parent = (await rtTicketFor(service.key))!;
    expect(Number(child.Priority)).toBe(100); // P1 in RT's Priority
    expect(customField(child, 'Service')).toEqual(['payments']);
    expect(child.Subject).toBe('Port svc-port-1 on svc-pay-1 is down');
    expect(links(child, 'parent')).toEqual([String(parent.id)]);
    expect(links(parent, 'child')).toEqual([String(child.id)]);
    expect(parent.Subject).toBe('Service payments is degraded (1 of 2 member hosts unhealthy: svc-pay-1)');
    expect(Number(parent.Priority)).toBe(100);
    expect(customField(parent, 'Service')).toEqual(['payments']);
    // exactly two tickets in RT: the host's and the service's
    const all = (await rtApi(`/tickets?query=${encodeURIComponent('id > 0')}`)) as { total?: number; count?: number; items?: unknown[] };
    expect(all.items).toHaveLength(2);

    targets['1'] = await startTcpTarget(ports['1']);
    await waitFor('the host ticket resolved in RT', async () => (await rtTicketFor(host.key))?.Status === 'resolved');
    await waitFor('the service ticket resolved in RT', async () => (await rtTicketFor(service.key))?.Status === 'resolved');
    expect((await incidents()).filter((i) => i.status !== 'resolved')).toEqual([]);
    expect(((await api('/api/v1/deliveries?state=dead')).deliveries as unknown[]).length).toBe(0);
  }, 120_000);
});
