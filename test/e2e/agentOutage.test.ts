/**
 * Store-and-forward on real processes: an agent and a collector spawned from the compiled CLI. The
 * collector is stopped for a while; the agent keeps collecting into its on-disk spool and is itself
 * restarted once during the outage; the collector comes back. Every sequence number is then stored
 * exactly once, with no gap, and reports made during the outage keep their original timestamps.
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { asAdmin, freePort, spawnTripline, waitFor, writeAgentCollectorConfigs, type TriplineProcess } from '../support/processes.js';

const TOKEN = 'outage-agent-token-0123456789abcdef';
const AGENT_ID = 'outage-agent';

describe('agent store-and-forward across a collector outage and an agent restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-outage-'));
  const collectorDir = join(dir, 'collector');
  const agentDir = join(dir, 'agent');
  const spool = join(agentDir, 'agent', 'spool');
  let collector: TriplineProcess | undefined;
  let agent: TriplineProcess | undefined;

  afterAll(async () => {
    await agent?.kill('SIGTERM');
    await collector?.kill('SIGTERM');
  });

  it('delivers every sequence exactly once, oldest first, with original timestamps', async () => {
    const port = await freePort();
    const { collectorConfig, agentConfig } = writeAgentCollectorConfigs({ dir, collectorDir, agentDir: agentDir, port, token: TOKEN, agentId: AGENT_ID });
    const startCollector = () => spawnTripline(['collector', '--config', collectorConfig], join(dir, 'collector.log'));
    const startAgent = () => spawnTripline(['agent', '--config', agentConfig], join(dir, 'agent.log'));
    const lastSequence = async () => {
      const hosts = ((await (await fetch(`http://127.0.0.1:${port}/api/v1/hosts`, asAdmin)).json()) as { hosts: Array<{ agentId: string; lastSequence: number }> }).hosts;
      return hosts.find((h) => h.agentId === AGENT_ID)?.lastSequence;
    };
    const spooled = () => (existsSync(spool) ? readdirSync(spool).filter((f) => f.endsWith('.json.gz')).length : 0);

    collector = startCollector();
    agent = startAgent();
    await waitFor('the first reports', async () => ((await lastSequence()) ?? -1) >= 2);

    // Outage: the collector stops; the agent keeps collecting into its spool.
    expect(await collector.kill('SIGTERM')).toBe(0);
    const outageStartedMs = Date.now();
    await waitFor('reports spooled during the outage', () => spooled() >= 3, 15_000);

    // The agent is restarted during the outage; its spool survives and it goes on collecting.
    expect(await agent.kill('SIGTERM')).toBe(0);
    const spooledAcrossRestart = spooled();
    expect(spooledAcrossRestart).toBeGreaterThanOrEqual(3);
    agent = startAgent();
    await waitFor('more reports spooled after the restart', () => spooled() >= spooledAcrossRestart + 2, 15_000);
    const spooledWhileDown = spooled();
    const collectorBackMs = Date.now();

    collector = startCollector();
    // The drain is timed from when the collector answers: its own start-up is not the agent's doing
    // (it took 25 s once beside two CPU hogs and a loaded machine, which used up the drain's budget).
    await waitFor('the collector ready', async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok);
    await waitFor('the spool drained', () => spooled() === 0, 30_000);
    const drainedUpTo = (await lastSequence())!;
    await waitFor('a report after the drain', async () => ((await lastSequence()) ?? -1) > drainedUpTo + 1);
    expect(await agent.kill('SIGTERM')).toBe(0);
    expect(await collector.kill('SIGTERM')).toBe(0);
    agent = undefined;
    collector = undefined;

    const db = new Database(join(collectorDir, 'tripline.db'), { readonly: true });
    const rows = db
      .prepare('SELECT c.sequence, c.base_at_ms AS atMs, c.received_at_ms AS receivedMs FROM report_chunks c JOIN hosts h USING (host_id) WHERE h.agent_id = ? ORDER BY c.sequence')
      .all(AGENT_ID) as Array<{ sequence: number; atMs: number; receivedMs: number }>;
    db.close();
    const sequences = rows.map((r) => r.sequence);
    // Exactly once and no gap: 0, 1, 2, ... n (a graceful agent restart leaves no gap).
    expect(sequences).toEqual(sequences.map((_, i) => i));
    // Every report spooled while the collector was down was stored after it came back, with the time
    // it was collected (a spooled report may have been collected just before the stop was noticed).
    const deliveredLate = rows.filter((r) => r.atMs < collectorBackMs && r.receivedMs >= collectorBackMs);
    expect(deliveredLate.length).toBeGreaterThanOrEqual(spooledWhileDown);
    expect(spooledWhileDown).toBeGreaterThanOrEqual(5);
    // Nothing collected during the outage was stored before the collector came back.
    const duringOutage = rows.filter((r) => r.atMs > outageStartedMs && r.atMs < collectorBackMs);
    for (const row of duringOutage) expect(row.receivedMs).toBeGreaterThanOrEqual(collectorBackMs);
    // Oldest first: the backlog arrived in sequence order.
    const received = rows.filter((r) => r.receivedMs >= collectorBackMs).map((r) => r.receivedMs);
    expect(received).toEqual([...received].sort((a, b) => a - b));
  }, 120_000);
});
