/**
 * An absent rule when a host's reports move between collectors on one real PostgreSQL: two
 * collectors, host-1 reporting to A and then to B, host-2 to A all along (so A sweeps its rules
 * every second over what it holds, host-1's older copy included). A must not judge host-1 silent
 * while it reports to B (its copy stops at the move; the rows are B's from B's first batch of it);
 * once host-1 stops, it is judged silent once: one incident, one open at the webhook desk.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryReport, useClusterBed } from '../support/clusterCollectors.js';
import { asAdmin, waitFor } from '../support/processes.js';

const SECRET = 'pg-sweeps-webhook-secret';
const AGENT_TOKEN = 'pg-sweeps-agent-token-0123456789abcdef';
const ABSENT_SECONDS = 3;
const RULES = `rules:
  - name: memory_silent
    metric: memory_used_ratio
    absent: { for: ${ABSENT_SECONDS}s }
    severity: critical
    summary: 'no memory figures from {{ labels.host }}'
`;

interface ListedIncident {
  id: number;
  status: string;
  ruleName: string;
  host: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('an absent rule over a host that moves between collectors on one PostgreSQL', () => {
  const bed = useClusterBed('tripline-pg-sweeps-', SECRET, AGENT_TOKEN);
  const { dir, ports, running } = bed;
  const sequences = new Map<string, number>();

  const start = (port: number) => {
    bed.startCollector(port, { leases: '{ ttl: 2s, renewInterval: 500ms }', delivery: '{ initialBackoff: 200ms, maxBackoff: 1s, pollInterval: 100ms }' });
  };
  const send = async (port: number, host: string) => {
    const sequence = (sequences.get(host) ?? 0) + 1;
    sequences.set(host, sequence);
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${AGENT_TOKEN}`, 'content-type': 'application/json' },
      body: memoryReport(host, sequence, 0.2),
    });
    expect(response.status).toBe(200);
  };
  const silentIncidents = async (): Promise<ListedIncident[]> => {
    const { incidents } = (await (await fetch(`http://127.0.0.1:${ports[0]}/api/v1/incidents?limit=100`, asAdmin)).json()) as { incidents: ListedIncident[] };
    return incidents.filter((i) => i.ruleName === 'memory_silent');
  };
  /** Reports every 500 ms for `seconds`: each [collector port, host] of `senders` once per round. */
  const reportFor = async (seconds: number, senders: ReadonlyArray<readonly [number, string]>) => {
    for (const until = Date.now() + seconds * 1000; Date.now() < until; ) {
      await Promise.all(senders.map(([port, host]) => send(port, host)));
      await sleep(500);
    }
  };

  it('is not judged silent by the collector it left, and is judged silent once when it stops', async () => {
    writeFileSync(join(dir, 'rules.yaml'), RULES);
    const [a, b] = ports as [number, number];
    for (const port of [a, b]) start(port);
    for (const port of [a, b]) await waitFor(`collector ${port} ready`, async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok);
    await reportFor(2, [[a, 'host-1'], [a, 'host-2']]);
    // host-1 moves to B for three times the absent limit; A keeps sweeping on host-2's batches
    await reportFor(3 * ABSENT_SECONDS, [[b, 'host-1'], [a, 'host-2']]);
    expect(await silentIncidents()).toEqual([]);
    // host-1 stops: B, holding its rows, judges it silent (on host-3's batches), once
    await reportFor(3 * ABSENT_SECONDS, [[a, 'host-2'], [b, 'host-3']]);
    const ofHostOne = async () => (await silentIncidents()).filter((i) => i.host === 'host-1');
    const [incident] = await waitFor('host-1 judged silent', async () => ((await ofHostOne()).length > 0 ? ofHostOne() : undefined));
    const opens = () => bed.webhook.received.filter((w) => w.payload.operation === 'open' && w.payload.incident.id === incident!.id);
    await waitFor('its open delivered', () => opens().length > 0);
    await sleep(1000);
    expect((await ofHostOne()).map((i) => i.status)).toEqual(['open']);
    expect(new Set(opens().map((w) => w.idempotencyKey)).size).toBe(1);
  }, 300_000);
});
