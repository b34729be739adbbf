/**
 * An agent given two collector URLs, on real processes: collectors A and B (each with its own SQLite
 * file here, so this proves the agent's side; with one shared PostgreSQL store the collector's
 * duplicate check makes a re-sent report one row). A is SIGKILLed: the agent moves to B. B is
 * SIGKILLed while A is still down: the agent spools. A comes back: the spool drains to A. Every
 * sequence is then stored by A or B, none is missing, and a report is in both stores only when a
 * SIGKILL cut its acknowledgement (at most one per kill).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { asAdmin, freePort, spawnTripline, waitFor, type TriplineProcess } from '../support/processes.js';

const TOKEN = 'failover-agent-token-0123456789abcdef';
const AGENT_ID = 'failover-agent';

describe('an agent with two collector URLs across collector crashes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-agent-failover-'));
  const running: TriplineProcess[] = [];
  afterAll(async () => {
    for (const child of running) await child.kill('SIGTERM');
  });

  it('moves to the collector that answers, spools while none does, and loses no report', async () => {
    const ports = { a: await freePort(), b: await freePort() };
    const collectorConfig = (name: 'a' | 'b') => {
      const file = join(dir, `collector-${name}.yaml`);
      writeFileSync(file, `dataDir: ${join(dir, name)}\nlog: { level: warn }\ncollector:\n  listen: { host: 127.0.0.1, port: ${ports[name]} }\n  agentTokens: ['${TOKEN}']\nincidents: { reachability: { enabled: false } }\n`);
      return file;
    };
    const startCollector = (name: 'a' | 'b') => {
      const child = spawnTripline(['collector', '--config', collectorConfig(name)], join(dir, `collector-${name}.log`));
      running.push(child);
      return child;
    };
    const agentConfig = join(dir, 'agent.yaml');
    writeFileSync(
      agentConfig,
      `dataDir: ${join(dir, 'agent')}\nlog: { level: info }\nagent:\n  collectorUrls: [http://127.0.0.1:${ports.a}, http://127.0.0.1:${ports.b}]\n  token: ${TOKEN}\n  id: ${AGENT_ID}\n  interval: 1s\n  sendTimeout: 2s\n  ping: { gateway: false }\n`,
    );
    const lastSequence = async (name: 'a' | 'b') => {
      const hosts = ((await (await fetch(`http://127.0.0.1:${ports[name]}/api/v1/hosts`, asAdmin)).json()) as { hosts: Array<{ agentId: string; lastSequence: number }> }).hosts;
      return hosts.find((h) => h.agentId === AGENT_ID)?.lastSequence ?? -1;
    };
    const stored = (name: 'a' | 'b') => {
      const db = new Database(join(dir, name, 'tripline.db'), { readonly: true });
      try {
        return (db.prepare('SELECT sequence FROM report_chunks ORDER BY sequence').all() as Array<{ sequence: number }>).map((r) => r.sequence);
      } finally {
        db.close();
      }
    };

    let a = startCollector('a');
    const b = startCollector('b');
    await waitFor('both collectors ready', async () => (await fetch(`http://127.0.0.1:${ports.a}/readyz`)).ok && (await fetch(`http://127.0.0.1:${ports.b}/readyz`)).ok);
    const agent = spawnTripline(['agent', '--config', agentConfig], join(dir, 'agent.log'));
    running.push(agent);
    await waitFor('reports at A (the first URL)', async () => (await lastSequence('a')) >= 3);
    expect(await lastSequence('b')).toBe(-1);

    await a.kill('SIGKILL');
    const firstAtB = await waitFor('reports moved to B', async () => ((await lastSequence('b')) >= 0 ? lastSequence('b') : undefined));
    await waitFor('more reports at B', async () => (await lastSequence('b')) >= firstAtB + 2);

    // Both down: the agent spools.
    await b.kill('SIGKILL');
    await new Promise((ok) => setTimeout(ok, 4000));
    a = startCollector('a');
    await waitFor('A ready again', async () => (await fetch(`http://127.0.0.1:${ports.a}/readyz`)).ok);
    const lastAtB = await waitFor('B stopped', () => stored('b').at(-1));
    const afterOutage = await waitFor('the spool drained to A and reports go on', async () => {
      const last = await lastSequence('a');
      return last >= lastAtB + 6 ? last : undefined;
    });
    expect(await agent.kill('SIGTERM')).toBe(0);

    const atA = stored('a');
    const atB = stored('b');
    const union = new Set([...atA, ...atB]);
    const first = Math.min(...union);
    const last = Math.max(...union);
    expect(last).toBeGreaterThanOrEqual(afterOutage);
    const missing = Array.from({ length: last - first + 1 }, (_, i) => first + i).filter((sequence) => !union.has(sequence));
    expect(missing).toEqual([]);
    // B took reports, and A took some after B died (from the spool)
    expect(atB.length).toBeGreaterThanOrEqual(3);
    expect(atA.filter((sequence) => sequence > Math.max(...atB)).length).toBeGreaterThanOrEqual(3);
    const inBoth = atA.filter((sequence) => atB.includes(sequence));
    expect(inBoth.length).toBeLessThanOrEqual(2);
  }, 180_000);
});
