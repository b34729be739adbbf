/**
 * End to end on real processes with the real Request Tracker 5: a collector and an agent spawned
 * from the compiled CLI, a TCP port per fault that the test closes and opens, RT behind a fault
 * proxy. A fault opens an RT ticket and its clearing resolves it; a person resolving an RT ticket
 * is reflected on the incident; the desk refuses connections, then answers 500 and 429 while
 * incidents open and resolve, and afterwards every ticket is in the right state with no duplicate
 * and no orphan; the collector is SIGKILLed while RT holds its create call, and after a restart
 * the ticket is recovered by the incident key, not duplicated.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy.js';
import { asAdmin, freePort, spawnTripline, startTcpTarget, waitFor, type TriplineProcess } from '../support/processes.js';
import { rtInstalled, startRequestTracker, type RunningRequestTracker } from '../support/requestTracker.js';

const AGENT_TOKEN = 'rt-e2e-agent-token-0123456789';
const missing = rtInstalled() ? undefined : 'Request Tracker 5 is not installed (run scripts/rt/install.sh as root)';
const suite = missing && !process.env.CI ? describe.skip : describe;

interface IncidentView {
  id: number;
  key: string;
  status: string;
  labels: Record<string, string>;
}
type Target = Awaited<ReturnType<typeof startTcpTarget>>;

suite(`Request Tracker end to end${missing && !process.env.CI ? ` (skipped: ${missing})` : ''}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-rt-e2e-'));
  const configFile = join(dir, 'tripline.yaml');
  let rt: RunningRequestTracker;
  let proxy: FaultProxy;
  let collectorPort: number;
  const ports: Record<'a' | 'b' | 'c', number> = { a: 0, b: 0, c: 0 };
  const targets: Partial<Record<'a' | 'b' | 'c', Target>> = {};
  let collector: TriplineProcess | undefined;
  let agent: TriplineProcess | undefined;

  const api = async (path: string) => (await fetch(`http://127.0.0.1:${collectorPort}${path}`, asAdmin)).json() as Promise<Record<string, unknown>>;
  const incidents = async () => ((await api('/api/v1/incidents')).incidents as IncidentView[]).sort((x, y) => x.id - y.id);
  const incidentFor = async (target: string, status?: string) => (await incidents()).filter((i) => i.labels.target === `fault-${target}` && (!status || i.status === status)).at(-1);
  const rtApi = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${rt.baseUrl}/REST/2.0${path}`, { ...init, headers: { authorization: `token ${rt.token}`, 'content-type': 'application/json' } });
    return response.json() as Promise<Record<string, unknown>>;
  };
  /** RT's own record: every ticket carrying an incident key, with its status. */
  const rtTickets = async (key?: string) => {
    const query = encodeURIComponent(key ? `CF.{${rt.customField}} = '${key}'` : 'id > 0');
    const found = (await rtApi(`/tickets?query=${query}&per_page=100`)) as { items?: Array<{ id: string }> };
    const out: Array<{ id: string; status: string; key: string }> = [];
    for (const item of found.items ?? []) {
      const ticket = (await rtApi(`/ticket/${item.id}`)) as { Status: string; CustomFields?: Array<{ name: string; values: string[] }> };
      out.push({ id: String(item.id), status: ticket.Status, key: ticket.CustomFields?.find((f) => f.name === rt.customField)?.values[0] ?? '' });
    }
    return out;
  };
  const faultOn = async (name: 'a' | 'b' | 'c') => {
    await targets[name]?.close();
    delete targets[name];
  };
  const faultOff = async (name: 'a' | 'b' | 'c') => {
    targets[name] = await startTcpTarget(ports[name]);
  };
  const startCollector = () => spawnTripline(['collector', '--config', configFile], join(dir, 'collector.log'), { TRIPLINE_DESK_RT_SECRET: rt.token });

  beforeAll(async () => {
    if (missing) throw new Error(missing);
    rt = await startRequestTracker({ port: await freePort(), workers: 2 });
    proxy = await startFaultProxy(rt.baseUrl);
    collectorPort = await freePort();
    for (const name of ['a', 'b', 'c'] as const) ports[name] = await freePort();
    writeFileSync(
      join(dir, 'rules.yaml'),
      `rules:
  - name: e2e_port_down
    metric: tcp_up
    matchers: ['target=~"fault-.*"']
    below: 1
    for: 1s
    severity: critical
    summary: 'Port {{ labels.target }} on {{ labels.host }} is down'
`,
    );
    writeFileSync(
      configFile,
      `dataDir: ${join(dir, 'data')}
log: { level: info }
collector:
  listen: { host: 127.0.0.1, port: ${collectorPort} }
  agentTokens: ['${AGENT_TOKEN}']
  rules: [rules.yaml]
  evaluationInterval: 1s
agent:
  collectorUrl: http://127.0.0.1:${collectorPort}
  token: '${AGENT_TOKEN}'
  hostname: rt-e2e-host
  interval: 1s
  # Tests send traffic only to loopback: no ping of this machine's real default gateway.
  ping: { gateway: false }
  sendTimeout: 2s
  tcp:
    targets:
${(['a', 'b', 'c'] as const).map((n) => `      - { name: fault-${n}, host: 127.0.0.1, port: ${ports[n]}, timeout: 500ms }`).join('\n')}
desks:
  - type: request-tracker
    name: rt
    url: ${proxy.url}
    queue: General
    customField: ${rt.customField}
    timeout: 20s
delivery: { initialBackoff: 200ms, maxBackoff: 1s, pollInterval: 100ms, maxAttempts: 100, coalesceWindow: 0s }
sync: { interval: 1s, onDeskResolved: acknowledge, onProblemPersistsAfterClose: comment }
# Each returning fault is meant to be a new incident with a new ticket here.
incidents: { reopenWindow: 0s, resolveSettle: 0s, reachability: { enabled: false } }
`,
    );
    for (const name of ['a', 'b', 'c'] as const) await faultOff(name);
    collector = startCollector();
    await waitFor('collector ready', async () => (await fetch(`http://127.0.0.1:${collectorPort}/readyz`)).ok);
    agent = spawnTripline(['agent', '--config', configFile], join(dir, 'agent.log'));
    await waitFor('agent reports arriving', async () => ((await api('/api/v1/hosts')).hosts as unknown[]).length === 1);
  }, 120_000);

  afterAll(async () => {
    await agent?.kill('SIGTERM');
    await collector?.kill('SIGTERM');
    for (const name of ['a', 'b', 'c'] as const) await targets[name]?.close();
    await proxy?.close();
    await rt?.stop();
  });

  it('a fault opens a ticket in RT, and its clearing resolves it', async () => {
    await faultOn('a');
    const incident = await waitFor('incident for fault a', () => incidentFor('a', 'open'));
    const [ticket] = await waitFor('RT ticket with the incident key', async () => {
      const found = await rtTickets(incident.key);
      return found.length > 0 ? found : undefined;
    });
    expect(ticket!.status).toMatch(/^(new|open)$/);
    await faultOff('a');
    await waitFor('incident resolved', async () => (await incidents()).find((i) => i.id === incident.id)?.status === 'resolved');
    await waitFor('RT ticket resolved', async () => (await rtTickets(incident.key))[0]?.status === 'resolved');
    expect(await rtTickets(incident.key)).toHaveLength(1);
  }, 60_000);

  it('a person resolving the RT ticket is reflected on the incident', async () => {
    await faultOn('b');
    const incident = await waitFor('incident for fault b', () => incidentFor('b', 'open'));
    const [ticket] = await waitFor('RT ticket for b', async () => {
      const found = await rtTickets(incident.key);
      return found.length > 0 ? found : undefined;
    });
    // A person resolves it in RT while the port is still down.
    await rtApi(`/ticket/${ticket!.id}`, { method: 'PUT', body: JSON.stringify({ Status: 'resolved' }) });
    await waitFor('incident acknowledged by two-way sync', async () => (await incidents()).find((i) => i.id === incident.id)?.status === 'acknowledged', 20_000);
    const detail = await api(`/api/v1/incidents/${incident.id}`);
    const sync = (detail.timeline as Array<{ kind: string; text: string }>).find((e) => e.kind === 'desk-sync');
    expect(sync?.text).toMatch(new RegExp(`a person resolved ticket ${ticket!.id} at rt .*incident acknowledged; the problem persists: commented on the ticket`));
    await waitFor('the comment delivered', async () => ((await api(`/api/v1/incidents/${incident.id}`)).deliveries as Array<{ operation: string; state: string }>).some((d) => d.operation === 'comment' && d.state === 'delivered'));
    expect((await rtTickets(incident.key))[0]!.status).toBe('resolved'); // policy comment: the ticket is not re-opened
    await faultOff('b');
    await waitFor('incident resolved when the port is back', async () => (await incidents()).find((i) => i.id === incident.id)?.status === 'resolved');
    expect(await rtTickets(incident.key)).toEqual([expect.objectContaining({ status: 'resolved' })]);
  }, 60_000);

  it('while RT refuses connections, then answers 500 and 429, incidents open and resolve; afterwards every ticket is right, none duplicated or orphaned', async () => {
    await proxy.refuse();
    await faultOn('c');
    const c = await waitFor('incident for fault c', () => incidentFor('c', 'open'));
    await faultOn('a');
    const a2 = await waitFor('second incident for fault a', () => incidentFor('a', 'open'));
    await waitFor('failed attempts while refused', async () => ((await api(`/api/v1/incidents/${c.id}`)).deliveries as Array<{ attempts: number; lastError: string | null }>).some((d) => d.attempts > 1 && /TRIPLINE_DESK_UNREACHABLE/.test(d.lastError ?? '')));
    await faultOff('c'); // c resolves while the desk is still down: open and resolve both wait
    await waitFor('incident c resolved', async () => (await incidents()).find((i) => i.id === c.id)?.status === 'resolved');
    await proxy.resume();
    proxy.inject(
      { kind: 'status', status: 500, body: '{"message":"Internal Server Error"}' },
      { kind: 'status', status: 429, retryAfter: '1' },
      { kind: 'status', status: 503 },
      { kind: 'status', status: 429, retryAfter: '1' },
    );
    await waitFor('every delivery done', async () => {
      const rows = (await api('/api/v1/deliveries?state=pending')).deliveries as unknown[];
      return rows.length === 0 && proxy.pendingFaults() === 0;
    }, 60_000);
    expect((await rtTickets(c.key)).map((t) => t.status)).toEqual(['resolved']);
    expect((await rtTickets(a2.key)).map((t) => t.status)).toEqual([expect.stringMatching(/^(new|open)$/)]);
    expect(((await api('/api/v1/deliveries?state=dead')).deliveries as unknown[]).length).toBe(0);
    await faultOff('a');
    await waitFor('a2 resolved in RT', async () => (await rtTickets(a2.key))[0]?.status === 'resolved');
    // No orphan: every RT ticket belongs to exactly one incident, and every incident has exactly one ticket.
    const all = await rtTickets();
    const keys = (await incidents()).map((i) => i.key).sort();
    expect(all.map((t) => t.key).sort()).toEqual(keys);
  }, 120_000);

  it('the collector SIGKILLed while RT holds its create call: after restart the ticket is recovered, not duplicated', async () => {
    proxy.inject({ kind: 'hang', match: { method: 'POST', path: /\/REST\/2\.0\/ticket$/ } });
    await faultOn('b');
    const b2 = await waitFor('second incident for fault b', () => incidentFor('b', 'open'));
    await waitFor('the create reached RT and hangs', () => proxy.hung.length === 1);
    await waitFor('RT holds the ticket', async () => (await rtTickets(b2.key)).length === 1);
    expect(await collector!.kill('SIGKILL')).toBeNull();
    collector = startCollector();
    await waitFor('collector ready again', async () => (await fetch(`http://127.0.0.1:${collectorPort}/readyz`)).ok);
    const detail = await waitFor('open delivered after restart', async () => {
      const d = await api(`/api/v1/incidents/${b2.id}`);
      return (d.deliveries as Array<{ operation: string; state: string }>).some((r) => r.operation === 'open' && r.state === 'delivered') ? d : undefined;
    }, 60_000);
    expect((detail.timeline as Array<{ kind: string; text: string }>).find((e) => e.kind === 'desk-open')?.text).toMatch(/recovered ticket \d+ at rt by incident key/);
    await faultOff('b');
    await waitFor('b2 resolved in RT', async () => (await rtTickets(b2.key))[0]?.status === 'resolved', 30_000);
    expect(await rtTickets(b2.key)).toHaveLength(1);
    const all = await rtTickets();
    expect(all.map((t) => t.key).sort()).toEqual((await incidents()).map((i) => i.key).sort());
    expect(readFileSync(join(dir, 'collector.log'), 'utf8')).not.toContain(rt.token);
  }, 120_000);
});
