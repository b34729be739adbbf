/**
 * An aggregate rule over hosts that report to different collectors on one real PostgreSQL: three
 * collectors, six simulated agents spread over them, a rule on the sum of their memory ratios that no
 * collector's own hosts can reach. The group fires and resolves exactly once (one incident, one open
 * and one resolve at the webhook desk), judged by the collector holding the `aggregates` lease over
 * every collector's members; after that collector is SIGKILLed while the group fires, the lease moves
 * within its stated time (ttl + renew interval, plus slack for a busy machine) and the new judge
 * resolves the incident once.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryReport, useClusterBed } from '../support/clusterCollectors.js';
import { asAdmin, waitFor } from '../support/processes.js';

const SECRET = 'pg-aggregates-webhook-secret';
const AGENT_TOKEN = 'pg-aggregates-agent-token-0123456789abcdef';
const TTL_SECONDS = 2;
const RENEW_SECONDS = 0.5;
const FAILOVER_MS = (TTL_SECONDS + RENEW_SECONDS) * 1000;
const SLACK_MS = 15_000;
const AGENTS = 6;
/**
 * Six hosts at 0.2 sum to 1.2; with four of them at 0.9 the sum is 4.0, above 3. Agent a reports to
 * collector a % 3, so each collector holds two hosts: at most 1.8, never above 3 on its own.
 */
const SUM_RULE = `rules:
  - name: fleet_memory_pressure
    metric: memory_used_ratio
    aggregate: { by: [], function: sum }
    above: 3
    severity: critical
    summary: 'memory of {{ seriesCount }} hosts sums above 3'
`;

interface ClusterJob {
  job: string;
  leader: boolean;
}
interface ListedIncident {
  id: number;
  status: string;
  ruleName: string;
  summary: string;
}

describe('an aggregate rule over hosts reporting to three collectors on one PostgreSQL', () => {
  const bed = useClusterBed('tripline-pg-aggregates-', SECRET, AGENT_TOKEN);
  const { dir, ports, running } = bed;
  const sequences = new Map<string, number>();

  const start = (port: number) => {
    bed.startCollector(port, { leases: `{ ttl: ${TTL_SECONDS}s, renewInterval: ${RENEW_SECONDS * 1000}ms }`, delivery: '{ initialBackoff: 200ms, maxBackoff: 1s, pollInterval: 100ms }' });
  };
  /** The port of the collector judging the aggregates, if one does. */
  const judge = async (): Promise<number | undefined> => {
    for (const port of running.keys()) {
      try {
        const { jobs } = (await (await fetch(`http://127.0.0.1:${port}/api/v1/cluster`, asAdmin)).json()) as { jobs: ClusterJob[] };
        if (jobs.some((j) => j.job === 'aggregates' && j.leader)) return port;
      } catch {
        // not up
      }
    }
    return undefined;
  };
  /** One report of agent `a` at `value`, to its own collector or, when that one is down, the next. */
  const send = async (a: number, value: number) => {
    const host = `agent-${a}`;
    const sequence = (sequences.get(host) ?? 0) + 1;
    sequences.set(host, sequence);
    const body = memoryReport(host, sequence, value);
    for (let tried = 0; tried < 3; tried++) {
      const port = ports[(a + tried) % 3]!;
      if (!running.has(port)) continue;
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/reports`, { method: 'POST', headers: { authorization: `Bearer ${AGENT_TOKEN}`, 'content-type': 'application/json' }, body });
      expect(response.status).toBe(200);
      return;
    }
    throw new Error(`no collector took ${host}#${sequence}`);
  };
  /** Every agent reports: those in `breaching` at 0.9, the others at 0.2. */
  const round = (breaching: readonly number[]) => Promise.all(Array.from({ length: AGENTS }, (_, a) => send(a, breaching.includes(a) ? 0.9 : 0.2)));
  const incidents = async (): Promise<ListedIncident[]> => {
    const port = [...running.keys()][0]!;
    const { incidents: list } = (await (await fetch(`http://127.0.0.1:${port}/api/v1/incidents?limit=100`, asAdmin)).json()) as { incidents: ListedIncident[] };
    return list.filter((i) => i.ruleName === 'fleet_memory_pressure').sort((a, b) => a.id - b.id);
  };
  const withStatus = (status: string, count: number) => async () => {
    const list = await incidents();
    return list.length === count && list.every((i) => i.status === status) ? list : undefined;
  };
  const deliveries = (operation: string, id: number) => bed.webhook.received.filter((w) => w.payload.operation === operation && w.payload.incident.id === id);

  it('fires and resolves once, counting every collector, and goes on after the judge is SIGKILLed', async () => {
    writeFileSync(join(dir, 'rules.yaml'), SUM_RULE);
    for (const port of ports) start(port);
    for (const port of ports) await waitFor(`collector ${port} ready`, async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok);
    const judging = (await waitFor('a collector judges the aggregates', judge))!;
    // Each collector's /metrics tells whether it runs each job, the job's lag where it runs, and the outbox depth.
    const other = ports.find((port) => port !== judging)!;
    const [judgeMetrics, otherMetrics] = await Promise.all([judging, other].map((port) => fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text())));
    expect(judgeMetrics).toContain('tripline_lease_held{job="aggregates"} 1');
    expect(judgeMetrics).toMatch(/^tripline_job_run_age_seconds\{job="aggregates"\} \d/m);
    expect(otherMetrics).toContain('tripline_lease_held{job="aggregates"} 0');
    expect(otherMetrics).not.toContain('tripline_job_run_age_seconds{job="aggregates"}');
    for (const text of [judgeMetrics, otherMetrics]) expect(text).toMatch(/^tripline_outbox_pending \d+$/m);

    await round([]);
    await round([0, 1, 2, 3]);
    // the judge's pass runs every second: the group fires once, over all six members
    const [first] = await waitFor('the group fires', withStatus('open', 1));
    expect(first!.summary).toBe('memory of 6 hosts sums above 3');
    await round([0, 1, 2, 3]);
    await round([]);
    await waitFor('the group resolves', withStatus('resolved', 1));
    await waitFor('its resolve delivered', () => deliveries('resolve', first!.id).length > 0);

    // fires again; its judge is SIGKILLed while it fires, and the new judge resolves it
    await round([1, 2, 4, 5]);
    const second = await waitFor('the group fires again', async () => (await incidents()).find((i) => i.id !== first!.id && i.status === 'open'));
    const killed = (await judge())!;
    running.get(killed)!.child.kill('SIGKILL');
    await running.get(killed)!.exited;
    running.delete(killed);
    const killedAt = Date.now();
    const next = await waitFor('another collector judges the aggregates', judge, FAILOVER_MS + SLACK_MS, 50);
    const movedMs = Date.now() - killedAt;
    expect(next).not.toBe(killed);
    await round([]);
    await waitFor('the second incident resolves', withStatus('resolved', 2));
    await waitFor('its resolve delivered', () => deliveries('resolve', second.id).length > 0);
    // eslint-disable-next-line no-console
    console.log(`aggregates lease moved ${movedMs} ms after the SIGKILL (bound ${FAILOVER_MS} ms + ${SLACK_MS} ms slack)`);
    expect(movedMs).toBeLessThanOrEqual(FAILOVER_MS + SLACK_MS);

    // One incident per crossing, each opened once at the desk (one idempotency key) and resolved.
    const all = await incidents();
    expect(all.map((i) => i.id)).toEqual([first!.id, second.id]);
    for (const incident of all) {
      expect(new Set(deliveries('open', incident.id).map((w) => w.idempotencyKey)).size, `incident ${incident.id}`).toBe(1);
      expect(deliveries('resolve', incident.id).length, `incident ${incident.id}`).toBeGreaterThan(0);
    }
    // No collector opened anything from its own share of the members.
    expect(bed.webhook.received.every((w) => w.payload.incident.ruleName === 'fleet_memory_pressure')).toBe(true);
  }, 600_000);
});
