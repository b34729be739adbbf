/**
 * The outbox shared by three collectors on one real PostgreSQL, with a webhook desk on loopback:
 * every collector claims and delivers its own due rows (Store.claimOutbox), the desk gets each
 * operation exactly once, and every collector delivers some. Then one collector is SIGKILLed while
 * it holds claims on a slow desk: its claimed rows go out from the others once the claims run out,
 * with the same idempotency key, so no incident has two tickets. Prints deliveries per second with
 * one collector and with three (a slow desk: each call waits DESK_DELAY_MS).
 */
import { describe, expect, it } from 'vitest';
import { memoryReport, useClusterBed } from '../support/clusterCollectors.js';
import { asAdmin, waitFor } from '../support/processes.js';

const SECRET = 'pg-outbox-webhook-secret';
const AGENT_TOKEN = 'pg-outbox-agent-token-0123456789abcdef';
/** Each desk answer waits this long: delivery time is the desk's, as with a real one. */
const DESK_DELAY_MS = 20;
const CLAIM_TIMEOUT_SECONDS = 6;
const AGENTS = 60;

describe('the outbox shared by three collectors on one PostgreSQL', () => {
  const bed = useClusterBed('tripline-pg-outbox-', SECRET, AGENT_TOKEN);
  const { ports, running } = bed;
  let sequence = 0;

  const start = async (port: number) => {
    bed.startCollector(port, { deskTimeout: '3s', leases: '{ ttl: 2s, renewInterval: 500ms }', delivery: `{ initialBackoff: 200ms, maxBackoff: 1s, pollInterval: 100ms, claimTimeout: ${CLAIM_TIMEOUT_SECONDS}s }` });
    await waitFor(`collector ${port} ready`, async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok);
  };

  /** One report from each of agents `from`..`from+count-1`, spread over the running collectors. */
  const reportAll = async (from: number, count: number, value: number) => {
    const up = [...running.keys()];
    sequence++;
    await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const host = `agent-${from + i}`;
        const body = memoryReport(host, sequence, value);
        const response = await fetch(`http://127.0.0.1:${up[i % up.length]}/api/v1/reports`, { method: 'POST', headers: { authorization: `Bearer ${AGENT_TOKEN}`, 'content-type': 'application/json' }, body });
        expect(response.status).toBe(200);
      }),
    );
  };
  const received = (operation: string, hosts: ReadonlySet<string>) => bed.webhook.received.filter((w) => w.payload.operation === operation && hosts.has(w.payload.incident.host));
  const hostsOf = (from: number, count: number) => new Set(Array.from({ length: count }, (_, i) => `agent-${from + i}`));
  /** Waits for one `operation` per host and returns the deliveries per second over them (first to last arrival). */
  const deliveredRate = async (operation: string, hosts: ReadonlySet<string>) => {
    await waitFor(`${operation} of ${hosts.size} incidents delivered`, () => new Set(received(operation, hosts).map((w) => w.payload.incident.host)).size === hosts.size, 120_000);
    const times = received(operation, hosts).map((w) => w.receivedAtMs);
    return (hosts.size - 1) / ((Math.max(...times) - Math.min(...times)) / 1000);
  };
  /** Each incident of `hosts` got `operation` exactly once (no retry was needed: nothing failed). */
  const expectOncePerIncident = (operation: string, hosts: ReadonlySet<string>) => {
    const counts = new Map<number, number>();
    for (const w of received(operation, hosts)) counts.set(w.payload.incident.id, (counts.get(w.payload.incident.id) ?? 0) + 1);
    expect(counts.size).toBe(hosts.size);
    expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
  };
  const holderOf = async (port: number) => ((await (await fetch(`http://127.0.0.1:${port}/api/v1/cluster`, asAdmin)).json()) as { holder: string }).holder;
  const deliveredAt = async (port: number) => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, asAdmin)).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith('tripline_desk_deliveries_total{') && line.includes('outcome="delivered"'))
      .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
  };

  it('delivers each operation once, from every collector, and a killed collector\'s claims from the others', async () => {
    bed.webhook.delayMs = DESK_DELAY_MS;
    // One collector alone: its figure.
    await start(ports[0]!);
    const alone = hostsOf(0, AGENTS);
    await reportAll(0, AGENTS, 0.9);
    const aloneRate = await deliveredRate('open', alone);

    // Three collectors: each claims its own rows.
    await start(ports[1]!);
    await start(ports[2]!);
    const shared = hostsOf(AGENTS, AGENTS);
    await reportAll(AGENTS, AGENTS, 0.9);
    const sharedRate = await deliveredRate('open', shared);
    await reportAll(0, 2 * AGENTS, 0.2);
    await deliveredRate('resolve', new Set([...alone, ...shared]));
    // eslint-disable-next-line no-console
    console.log(`opens delivered: ${aloneRate.toFixed(0)}/s with one collector, ${sharedRate.toFixed(0)}/s with three (desk answers after ${DESK_DELAY_MS} ms)`);
    for (const hosts of [alone, shared]) for (const operation of ['open', 'resolve']) expectOncePerIncident(operation, hosts);
    // A collector counts a delivery once the desk's answer is back and recorded: a moment after the
    // desk received it, so the counters may trail the desk's own count briefly (never exceed it).
    const perCollector = await waitFor('every delivery counted', async () => {
      const counts = await Promise.all(ports.map(deliveredAt));
      return counts.reduce((a, b) => a + b, 0) >= 4 * AGENTS ? counts : undefined;
    });
    // eslint-disable-next-line no-console
    console.log(`deliveries per collector (tripline_desk_deliveries_total): ${perCollector.join(', ')}`);
    for (const n of perCollector) expect(n).toBeGreaterThan(0);
    expect(perCollector.reduce((a, b) => a + b, 0)).toBe(4 * AGENTS);
    const holders = new Map(await Promise.all(ports.map(async (port) => [await holderOf(port), port] as const)));
    const byHolder = bed.cluster.psql('shared', "SELECT claimed_by, count(*) FROM outbox WHERE state = 'delivered' GROUP BY 1").trim().split('\n');
    expect(byHolder.map((line) => holders.has(line.split('|')[0]!))).toEqual([true, true, true]);

    // A slow desk: every collector holds claims while it waits; SIGKILL one of them then.
    bed.webhook.delayMs = 1_000;
    const late = hostsOf(2 * AGENTS, 30);
    await reportAll(2 * AGENTS, 30, 0.9);
    // The victim: a collector holding at least 3 claimed rows (the first to claim takes up to 20).
    const victimHolder = await waitFor('a collector holds claims', () => {
      const counts = bed.cluster.psql('shared', "SELECT claimed_by, count(*) FROM outbox WHERE state = 'pending' AND claimed_by IS NOT NULL GROUP BY 1 ORDER BY 2 DESC").trim().split('\n').filter(Boolean);
      const [holder, count] = (counts[0] ?? '|0').split('|');
      return Number(count) >= 3 ? holder : undefined;
    });
    const victim = holders.get(victimHolder)!;
    const claimed = bed.cluster.psql('shared', `SELECT id FROM outbox WHERE state = 'pending' AND claimed_by = '${victimHolder}'`).trim().split('\n').filter(Boolean);
    running.get(victim)!.child.kill('SIGKILL');
    await running.get(victim)!.exited;
    running.delete(victim);
    const killedAt = Date.now();
    bed.webhook.delayMs = DESK_DELAY_MS;
    // Its rows wait for their claims to run out, then go out from the others.
    await waitFor('the killed collector\'s rows delivered by the others', () => bed.cluster.psql('shared', `SELECT count(*) FROM outbox WHERE id IN (${claimed.join(', ')}) AND state = 'delivered'`).trim() === String(claimed.length), 120_000);
    await deliveredRate('open', late);
    const takenOver = bed.cluster.psql('shared', `SELECT id, state, claimed_by FROM outbox WHERE id IN (${claimed.join(', ')}) ORDER BY id`).trim().split('\n');
    for (const line of takenOver) {
      const [, state, by] = line.split('|');
      expect(state).toBe('delivered');
      expect(by).not.toBe(victimHolder);
    }
    // eslint-disable-next-line no-console
    console.log(`${claimed.length} rows claimed by the killed collector went out from the others within ${((Date.now() - killedAt) / 1000).toFixed(1)} s (claim timeout ${CLAIM_TIMEOUT_SECONDS} s)`);
    // No incident has two tickets: a re-sent open carries the same idempotency key.
    for (const host of late) {
      const opens = bed.webhook.received.filter((w) => w.payload.operation === 'open' && w.payload.incident.host === host);
      expect(new Set(opens.map((w) => w.idempotencyKey)).size, host).toBe(1);
    }
    await reportAll(2 * AGENTS, 30, 0.2);
    await deliveredRate('resolve', late);
    expectOncePerIncident('resolve', late);
  }, 600_000);
});
