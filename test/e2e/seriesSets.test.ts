/**
 * Reports against a series set on real processes: an agent and a collector spawned from the compiled
 * CLI. The agent's first report asks for its set's name and the later ones are values against it;
 * the collector is killed (SIGKILL: its sets, kept in memory only, are gone) and started again; the
 * set is named again (by a 409 and the report sent again whole, or by a whole report from the spool
 * arriving first), and values follow. Every sequence number is stored exactly once with no gap, and
 * every report's series are stored whichever form it came in.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import { databasePath } from '../../collector/store/sqlite/databasePath.js';
import { asAdmin, freePort, spawnTripline, waitFor, writeAgentCollectorConfigs, type TriplineProcess } from '../support/processes.js';

const TOKEN = 'series-sets-agent-token-0123456789abcdef';
const AGENT_ID = 'series-sets-agent';

describe('an agent reporting against its series set across a collector crash', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-series-sets-e2e-'));
  const collectorDir = join(dir, 'collector');
  let collector: TriplineProcess | undefined;
  let agent: TriplineProcess | undefined;

  afterAll(async () => {
    await agent?.kill('SIGTERM');
    await collector?.kill('SIGTERM');
  });

  it('sends values once named, and after the crash has the set named again and sends values, storing every report once', async () => {
    const port = await freePort();
    const { collectorConfig, agentConfig } = writeAgentCollectorConfigs({ dir, collectorDir, agentDir: join(dir, 'agent'), port, token: TOKEN, agentId: AGENT_ID });
    const startCollector = () => spawnTripline(['collector', '--config', collectorConfig], join(dir, 'collector.log'));
    const lastSequence = async () => {
      const answer = await fetch(`http://127.0.0.1:${port}/api/v1/hosts`, asAdmin).catch(() => undefined);
      if (!answer?.ok) return undefined;
      const { hosts } = (await answer.json()) as { hosts: Array<{ agentId: string; lastSequence: number }> };
      return hosts.find((h) => h.agentId === AGENT_ID)?.lastSequence;
    };
    const metric = async (name: string): Promise<number> => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name} `));
      return line === undefined ? 0 : Number(line.slice(name.length + 1));
    };

    collector = startCollector();
    agent = spawnTripline(['agent', '--config', agentConfig], join(dir, 'agent.log'));
    await waitFor('values against the named set', async () => (await metric('tripline_series_set_reports_total')) >= 3, 30_000);
    // One set or two: the first cycle has no rates yet (CPU, traffic), so its series are not the next one's.
    expect(await metric('tripline_series_sets')).toBeGreaterThanOrEqual(1);
    expect(await metric('tripline_reports_received_total{outcome="unknown_series_set"}')).toBe(0);
    // The default pack's window and prediction states of the host's series are new: written with their batch, and counted.
    expect(await metric('tripline_rule_states_written_total{reason="change"}')).toBeGreaterThan(0);

    // The crash: the collector's sets go with its memory.
    await collector.kill('SIGKILL');
    collector = startCollector();
    await waitFor('the collector ready', async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok);
    await waitFor('values against the set named again', async () => (await metric('tripline_series_set_reports_total')) >= 3, 30_000);
    // The set is named again one of two ways: the agent's next report of values is answered 409 and
    // sent again whole; or a report the agent spooled while the collector was down arrives whole first
    // (every whole report asks), and since a set's name is its series' hash, the name the agent holds
    // is known again before it is used. At most one 409 either way.
    expect(await metric('tripline_reports_received_total{outcome="unknown_series_set"}')).toBeLessThanOrEqual(1);
    expect(await metric('tripline_series_sets')).toBeGreaterThanOrEqual(1);
    const last = (await lastSequence())!;
    await waitFor('two more reports', async () => ((await lastSequence()) ?? -1) >= last + 2);
    expect(await agent.kill('SIGTERM')).toBe(0);
    expect(await collector.kill('SIGTERM')).toBe(0);
    agent = undefined;
    collector = undefined;

    // Exactly once and no gap: the SIGKILL may have cost an answer, never a report.
    const db = new Database(join(collectorDir, 'tripline.db'), { readonly: true });
    const sequences = (db.prepare('SELECT c.sequence FROM report_chunks c JOIN hosts h USING (host_id) WHERE h.agent_id = ? ORDER BY c.sequence').all(AGENT_ID) as Array<{ sequence: number }>).map((r) => r.sequence);
    db.close();
    expect(sequences).toEqual(sequences.map((_, i) => i));
    expect(sequences.length).toBeGreaterThanOrEqual(last + 3);
    // Every report's series were stored, whichever form it came in: memory and load are in every cycle.
    const store = openSqliteStore({ file: databasePath(collectorDir), readOnly: true });
    try {
      const hostname = store.listHosts().find((h) => h.agentId === AGENT_ID)!.hostname;
      const counts = { memory_used_ratio: 0, load1: 0 };
      for (const s of store.hostSamples(hostname, 0, Date.now() + 60_000)) if (s.metric in counts) counts[s.metric as keyof typeof counts]++;
      expect(counts).toEqual({ memory_used_ratio: sequences.length, load1: sequences.length });
    } finally {
      store.close();
    }
  }, 120_000);
});
