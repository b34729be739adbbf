/**
 * Once-only jobs move between real collector processes sharing one SQLite file (two collectors on one
 * host): the first to start runs every job; when it is SIGKILLed the other takes its leases (a dead
 * process of this host: at its next round) and the outbox delivers through it; when the holder is
 * paused (SIGSTOP, alive but silent) the other takes them once they run out, within the stated
 * failover time (lease ttl + renew interval) plus slack for a busy machine, and the paused one, woken,
 * stops its jobs instead of running them beside the new holder.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_SCHEMA_VERSION } from '../../contract/report.js';
import { asAdmin, freePort, spawnTripline, startWebhookReceiver, waitFor, type TriplineProcess, type WebhookReceiver } from '../support/processes.js';

const SECRET = 'lease-webhook-secret-value';
const AGENT_TOKEN = 'lease-agent-token-0123456789abcdef';
const TTL_SECONDS = 2;
const RENEW_SECONDS = 0.5;
/** What the README states: a dead holder's jobs move within ttl + renew interval. */
const FAILOVER_MS = (TTL_SECONDS + RENEW_SECONDS) * 1000;
/** Slack for a loaded 2-core machine (process scheduling, the outbox poll, HTTP round trips). */
const SLACK_MS = 10_000;

interface ClusterView {
  holder: string;
  failoverSeconds: number;
  jobs: Array<{ job: string; leader: boolean; holder: string | null }>;
}

describe('once-only jobs on two collectors sharing a SQLite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-leases-e2e-'));
  let webhook: WebhookReceiver;
  const ports: number[] = [];
  const processes: TriplineProcess[] = [];
  let sequence = 0;

  const configFor = (port: number) => {
    const file = join(dir, `collector-${port}.yaml`);
    writeFileSync(
      file,
      `dataDir: ${join(dir, 'data')}
log: { level: info }
collector:
  listen: { host: 127.0.0.1, port: ${port} }
  agentTokens: ['${AGENT_TOKEN}']
  rules: [rules.yaml]
  evaluationInterval: 1s
  leases: { ttl: ${TTL_SECONDS}s, renewInterval: ${RENEW_SECONDS * 1000}ms }
desks:
  - type: webhook
    name: ops
    url: ${webhook.url}
    timeout: 2s
delivery: { initialBackoff: 200ms, maxBackoff: 1s, pollInterval: 100ms }
incidents: { reopenWindow: 0s, resolveSettle: 0s, reachability: { enabled: false } }
`,
    );
    return file;
  };
  const start = (port: number) => {
    const child = spawnTripline(['collector', '--config', configFor(port)], join(dir, `collector-${port}.log`), { TRIPLINE_DESK_OPS_SECRET: SECRET });
    processes.push(child);
    return child;
  };
  const cluster = (port: number) => fetch(`http://127.0.0.1:${port}/api/v1/cluster`, asAdmin).then((r) => r.json() as Promise<ClusterView>);
  const leadsAll = async (port: number) => (await cluster(port)).jobs.every((j) => j.leader);
  const leadsNone = async (port: number) => (await cluster(port)).jobs.every((j) => !j.leader);
  /** A report whose value fires the test rule (1) or clears it (0), sent to one collector. */
  const report = async (port: number, host: string, value: number) => {
    const at = new Date().toISOString();
    const body = { schemaVersion: REPORT_SCHEMA_VERSION, agent: { id: host, hostname: host, version: 'test', intervalSeconds: 60, labels: {} }, sequence: ++sequence, sentAt: at, observations: [{ metric: 'memory_used_ratio', labels: {}, value, at }], checks: [] };
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/reports`, { method: 'POST', headers: { authorization: `Bearer ${AGENT_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status).toBe(200);
  };
  /**
   * Opens the desk saw for a host, one per idempotency key: a delivery cut off by a SIGKILL between the
   * desk's answer and our commit is sent again with the same key (at least once, idempotent), while a
   * second ticket would come from a second outbox row, under another key.
   */
  const opensFor = (host: string) => new Set(webhook.received.filter((w) => w.payload.operation === 'open' && w.payload.incident.host === host).map((w) => w.idempotencyKey));
  /** Whether the store records every delivery of the host's incident as delivered. */
  const deliveredFor = async (port: number, host: string) => {
    const { incidents } = (await fetch(`http://127.0.0.1:${port}/api/v1/incidents?host=${host}`, asAdmin).then((r) => r.json())) as { incidents: Array<{ id: number }> };
    if (incidents.length !== 1) return false;
    const detail = (await fetch(`http://127.0.0.1:${port}/api/v1/incidents/${incidents[0]!.id}`, asAdmin).then((r) => r.json())) as { deliveries: Array<{ state: string }> };
    return detail.deliveries.length > 0 && detail.deliveries.every((d) => d.state === 'delivered');
  };

  beforeAll(async () => {
    webhook = await startWebhookReceiver(SECRET);
    writeFileSync(join(dir, 'rules.yaml'), `rules:\n  - name: failover_high\n    metric: memory_used_ratio\n    above: 0.5\n    severity: critical\n    summary: 'high on {{ labels.host }}'\n`);
    ports.push(await freePort(), await freePort(), await freePort());
  });

  afterAll(async () => {
    for (const child of processes) {
      if (child.child.exitCode === null) child.child.kill('SIGCONT');
      await child.kill('SIGTERM');
    }
    await webhook.close();
  });

  it('moves the jobs of a SIGKILLed holder to the other collector, and its outbox delivers', async () => {
    const [portA, portB] = ports as [number, number];
    const a = start(portA);
    await waitFor('collector A ready', async () => (await fetch(`http://127.0.0.1:${portA}/readyz`)).ok);
    await waitFor('A runs every job', () => leadsAll(portA));
    start(portB);
    await waitFor('collector B ready', async () => (await fetch(`http://127.0.0.1:${portB}/readyz`)).ok);
    // B runs nothing while A holds the leases, over several of its rounds
    await new Promise((ok) => setTimeout(ok, RENEW_SECONDS * 4000));
    expect(await leadsNone(portB)).toBe(true);
    expect(new Set((await cluster(portB)).jobs.map((j) => j.holder))).toEqual(new Set([(await cluster(portA)).holder]));
    expect((await cluster(portB)).failoverSeconds).toBe(TTL_SECONDS + RENEW_SECONDS);

    // A report through B opens an incident; A's outbox delivers it (one deliverer).
    await report(portB, 'host-before', 1);
    await waitFor('open delivered for host-before', () => opensFor('host-before').size === 1);
    await waitFor('delivery recorded for host-before', () => deliveredFor(portB, 'host-before'));

    await a.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor('B runs every job', () => leadsAll(portB), FAILOVER_MS + SLACK_MS, 50);
    const movedMs = Date.now() - killedAt;
    // eslint-disable-next-line no-console
    console.log(`jobs moved ${movedMs} ms after SIGKILL (bound ${FAILOVER_MS} ms + ${SLACK_MS} ms slack)`);

    // The outbox now runs on B: a new incident's open is delivered, once.
    await report(portB, 'host-after', 1);
    await waitFor('open delivered for host-after', () => opensFor('host-after').size === 1);
    expect(opensFor('host-before').size).toBe(1);
  }, 180_000);

  it('moves the jobs of a paused holder once its leases run out, and the woken holder stops them', async () => {
    const [, portB, portC] = ports as [number, number, number];
    // B holds every lease now; C joins, then B is paused (alive, silent: a stall or a partition).
    const b = processes[1]!;
    start(portC);
    await waitFor('collector C ready', async () => (await fetch(`http://127.0.0.1:${portC}/readyz`)).ok);
    expect(await leadsNone(portC)).toBe(true);
    b.child.kill('SIGSTOP');
    const pausedAt = Date.now();
    await waitFor('C runs every job', () => leadsAll(portC), FAILOVER_MS + SLACK_MS, 50);
    const movedMs = Date.now() - pausedAt;
    // eslint-disable-next-line no-console
    console.log(`jobs moved ${movedMs} ms after SIGSTOP (bound ${FAILOVER_MS} ms + ${SLACK_MS} ms slack)`);
    // Not before the paused holder's lease could have run out (its last renewal was at most one renew interval before the pause).
    expect(movedMs).toBeGreaterThanOrEqual((TTL_SECONDS - RENEW_SECONDS) * 1000);

    // The outbox delivers through C.
    await report(portC, 'host-paused', 1);
    await waitFor('open delivered for host-paused', () => opensFor('host-paused').size === 1);

    // B wakes: its next round is refused and it stops its jobs; C keeps them.
    b.child.kill('SIGCONT');
    await waitFor('B runs no job', () => leadsNone(portB), FAILOVER_MS + SLACK_MS, 50);
    expect(await leadsAll(portC)).toBe(true);
    await report(portB, 'host-woken', 1);
    await waitFor('open delivered for host-woken', () => opensFor('host-woken').size === 1);
    // No incident was opened twice at the desk (one idempotency key each).
    for (const host of ['host-before', 'host-after', 'host-paused', 'host-woken']) expect(opensFor(host).size, host).toBe(1);
  }, 180_000);
});
