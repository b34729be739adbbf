/**
 * Three collectors on one real PostgreSQL, simulated agents spread across them (each sends to its own
 * collector and moves to the next when that one cannot take a report), and the collector running the
 * once-only jobs SIGKILLed repeatedly (then started again). Afterwards: every acknowledged report is
 * stored once, no incident was opened twice at the desk (one idempotency key each), every incident
 * resolved and its resolve delivered, and each time the jobs moved within the stated failover time
 * (lease ttl + renew interval) plus slack for a busy machine, to one survivor or shared by both.
 */
import { describe, expect, it } from 'vitest';
import { memoryReport, useClusterBed } from '../support/clusterCollectors.js';
import { asAdmin, waitFor } from '../support/processes.js';

const SECRET = 'pg-cluster-webhook-secret';
const AGENT_TOKEN = 'pg-cluster-agent-token-0123456789abcdef';
const TTL_SECONDS = 2;
const RENEW_SECONDS = 0.5;
const FAILOVER_MS = (TTL_SECONDS + RENEW_SECONDS) * 1000;
const SLACK_MS = 15_000;
const AGENTS = 6;

describe('three collectors on one PostgreSQL, the job holder SIGKILLed repeatedly', () => {
  const bed = useClusterBed('tripline-pg-cluster-', SECRET, AGENT_TOKEN);
  const { ports, running } = bed;

  const start = (port: number) => {
    bed.startCollector(port, { evaluationInterval: '1s', leases: `{ ttl: ${TTL_SECONDS}s, renewInterval: ${RENEW_SECONDS * 1000}ms }`, delivery: '{ initialBackoff: 200ms, maxBackoff: 1s, pollInterval: 100ms }' });
  };
  const cluster_ = (port: number) => fetch(`http://127.0.0.1:${port}/api/v1/cluster`, asAdmin).then((r) => r.json() as Promise<{ jobs: Array<{ job: string; leader: boolean }> }>);
  /**
   * The running collector that leads each job, once every job has one. Leases are taken job by job,
   * so two survivors whose rounds overlap can share the jobs between them (each then renews its own):
   * a busy machine makes that likely, and it is a working cluster.
   */
  const leaders = async (): Promise<Map<string, number> | undefined> => {
    const byJob = new Map<string, number>();
    let jobs = 0;
    for (const port of running.keys()) {
      try {
        const status = await cluster_(port);
        jobs = status.jobs.length;
        for (const j of status.jobs) if (j.leader) byJob.set(j.job, port);
      } catch {
        // not up
      }
    }
    return jobs > 0 && byJob.size === jobs ? byJob : undefined;
  };

  it('loses no acknowledged report, stores none twice, opens no ticket twice, delivers every resolve', async () => {
    for (const port of ports) start(port);
    for (const port of ports) await waitFor(`collector ${port} ready`, async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok);
    const acked = new Map<string, number[]>();
    const sequence = new Map<string, number>();
    /** One report of agent `a`, to its collector or the next that takes it; the value fires for a while in each round. */
    const send = async (a: number, value: number) => {
      const host = `agent-${a}`;
      const next = (sequence.get(host) ?? 0) + 1;
      sequence.set(host, next);
      const body = memoryReport(host, next, value);
      for (let tried = 0; tried < 3 * 20; tried++) {
        const port = ports[(a + tried) % 3]!;
        try {
          const response = await fetch(`http://127.0.0.1:${port}/api/v1/reports`, { method: 'POST', headers: { authorization: `Bearer ${AGENT_TOKEN}`, 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(5000) });
          if (response.status === 200) {
            acked.set(host, [...(acked.get(host) ?? []), next]);
            return;
          }
        } catch {
          // down: the next collector
        }
        if (tried % 3 === 2) await new Promise((ok) => setTimeout(ok, 500));
      }
      throw new Error(`report ${host}#${next} was never acknowledged`);
    };
    const round = async (value: number) => Promise.all(Array.from({ length: AGENTS }, (_, a) => send(a, value)));

    const moves: number[] = [];
    for (let kill = 0; kill < 3; kill++) {
      await round(0.2);
      await round(0.9);
      // The collector that leads the most jobs (all of them unless an earlier failover shared them out).
      const before = await waitFor('every job led by a running collector', leaders);
      const counts = new Map<number, number>();
      for (const port of before.values()) counts.set(port, (counts.get(port) ?? 0) + 1);
      const holder = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
      running.get(holder)!.child.kill('SIGKILL');
      await running.get(holder)!.exited;
      running.delete(holder);
      const killedAt = Date.now();
      await round(0.9);
      await round(0.2);
      const after = await waitFor('every job led by a surviving collector', leaders, FAILOVER_MS + SLACK_MS, 50);
      moves.push(Date.now() - killedAt);
      expect([...after.values()]).not.toContain(holder);
      expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
      // eslint-disable-next-line no-console
      console.log(`after SIGKILL of ${holder}: ${[...after].map(([job, port]) => `${job}@${port}`).join(' ')}`);
      start(holder);
      await waitFor(`collector ${holder} back`, async () => (await fetch(`http://127.0.0.1:${holder}/readyz`)).ok);
    }
    // eslint-disable-next-line no-console
    console.log(`jobs moved after each SIGKILL in ${moves.join(', ')} ms (bound ${FAILOVER_MS} ms + ${SLACK_MS} ms slack)`);
    for (const ms of moves) expect(ms).toBeLessThanOrEqual(FAILOVER_MS + SLACK_MS);

    // Every acknowledged report stored once.
    const stored = bed.cluster.psql('shared', 'SELECT h.agent_id, r.sequence FROM report_chunks r JOIN hosts h USING (host_id) ORDER BY 1, 2').trim().split('\n').filter(Boolean);
    const storedSet = new Set(stored);
    expect(storedSet.size).toBe(stored.length);
    for (const [host, sequences] of acked) for (const s of sequences) expect(storedSet.has(`${host}|${s}`), `${host}#${s}`).toBe(true);

    // Every incident resolved, its resolve delivered; no incident opened twice at the desk.
    const port = [...running.keys()][0]!;
    const incidents = await waitFor('every incident resolved', async () => {
      const list = ((await (await fetch(`http://127.0.0.1:${port}/api/v1/incidents?limit=1000`, asAdmin)).json()) as { incidents: Array<{ id: number; status: string }> }).incidents;
      return list.length > 0 && list.every((i) => i.status === 'resolved') ? list : undefined;
    });
    await waitFor('every resolve delivered', () => incidents.every((i) => bed.webhook.received.some((w) => w.payload.operation === 'resolve' && w.payload.incident.id === i.id)));
    for (const incident of incidents) {
      const opens = new Set(bed.webhook.received.filter((w) => w.payload.operation === 'open' && w.payload.incident.id === incident.id).map((w) => w.idempotencyKey));
      expect(opens.size, `incident ${incident.id}`).toBe(1);
    }
    // one incident per agent and round (fired, then cleared: reopenWindow 0s makes each a new one)
    expect(incidents.length).toBe(AGENTS * 3);
  }, 600_000);
});
