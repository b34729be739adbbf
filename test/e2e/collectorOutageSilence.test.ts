/**
 * A collector back from an outage does not call its fleet silent. Real processes: a collector with
 * the default rules judging missed reports every second, two agents reporting every 6 s. The
 * collector is stopped for longer than the agent_silent rule's three intervals; one agent keeps
 * spooling, the other's host "dies" meanwhile (its agent is killed). When the collector is back,
 * the first agent's spool arrives within one of its intervals, while the missed-report pass runs
 * every second: judged from their last reports, both hosts would be silent at the first pass. Only
 * the dead host may be, and only once its intervals have passed since the collector's start.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { asAdmin, freePort, spawnTripline, waitFor, type TriplineProcess } from '../support/processes.js';

const TOKEN = 'outage-silence-agent-token-0123456789abcdef';
const INTERVAL_S = 6;

interface IncidentView {
  ruleName: string;
  host: string;
  status: string;
  openedAt: string;
}

describe('a collector back after an outage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-outage-silence-'));
  let collector: TriplineProcess | undefined;
  const agents = new Map<string, TriplineProcess>();

  afterAll(async () => {
    for (const agent of agents.values()) await agent.kill('SIGTERM');
    await collector?.kill('SIGTERM');
  });

  it('judges silence from its start: the spooling agent is not silent, the dead host is, after three intervals', async () => {
    const port = await freePort();
    const collectorConfig = join(dir, 'collector.yaml');
    writeFileSync(
      collectorConfig,
      `dataDir: ${join(dir, 'collector')}\nlog: { level: info }\ncollector:\n  listen: { host: 127.0.0.1, port: ${port} }\n  agentTokens: ['${TOKEN}']\n  evaluationInterval: 1s\nincidents: { reachability: { enabled: false }, resolveSettle: 0s }\n`,
    );
    const startAgent = (id: string) => {
      const file = join(dir, `${id}.yaml`);
      writeFileSync(file, `dataDir: ${join(dir, id)}\nlog: { level: warn }\nagent:\n  collectorUrl: http://127.0.0.1:${port}\n  token: ${TOKEN}\n  id: ${id}\n  hostname: ${id}\n  interval: ${INTERVAL_S}s\n  sendTimeout: 2s\n  ping: { gateway: false }\n`);
      agents.set(id, spawnTripline(['agent', '--config', file], join(dir, `${id}.log`)));
    };
    const startCollector = () => spawnTripline(['collector', '--config', collectorConfig], join(dir, 'collector.log'));
    const api = async <T>(path: string): Promise<T> => (await (await fetch(`http://127.0.0.1:${port}${path}`, asAdmin)).json()) as T;
    const silent = async () => (await api<{ incidents: IncidentView[] }>('/api/v1/incidents')).incidents.filter((i) => i.ruleName === 'agent_silent');

    collector = startCollector();
    startAgent('spooling-host');
    startAgent('dying-host');
    await waitFor('both hosts reporting', async () => (await api<{ hosts: unknown[] }>('/api/v1/hosts')).hosts.length === 2, 60_000);

    // The outage: longer than three of the agents' intervals; the dying host's agent ends in it.
    expect(await collector.kill('SIGTERM')).toBe(0);
    await agents.get('dying-host')!.kill('SIGKILL');
    agents.delete('dying-host');
    await new Promise((resolve) => setTimeout(resolve, 4.5 * INTERVAL_S * 1000));

    collector = startCollector();
    await waitFor('the collector ready', async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok);
    const backMs = Date.now();
    // The spooling agent delivers within one interval; the missed-report pass ran several times meanwhile.
    await waitFor('the spooling host back', async () => {
      const host = (await api<{ hosts: Array<{ hostname: string; lastReportAt: string }> }>('/api/v1/hosts')).hosts.find((h) => h.hostname === 'spooling-host');
      return host !== undefined && Date.parse(host.lastReportAt) >= backMs;
    }, 30_000);
    expect(await silent()).toEqual([]);

    // The dead host is judged silent once three of its intervals have passed since the start, not before.
    const [opened] = await waitFor('the dead host judged silent', async () => {
      const found = await silent();
      return found.length > 0 ? found : undefined;
    }, 60_000);
    expect(opened).toMatchObject({ host: 'dying-host', status: 'open' });
    expect(Date.parse(opened!.openedAt) - backMs).toBeGreaterThanOrEqual(3 * INTERVAL_S * 1000 - 2000);
    expect((await silent()).map((i) => i.host)).toEqual(['dying-host']);
  }, 180_000);
});
