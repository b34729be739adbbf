/**
 * `rules backtest` over history written through the real store: the candidate and the rules in
 * force replayed through the engine and the lifecycle, and the replay agreeing with the live path.
 */
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../collector/backtest/runBacktest.js';
import { incidentPolicy } from '../../collector/incidents/incidentPolicy.js';
import { createStoreEnvironment } from '../../collector/incidents/storeEnvironment.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { Store } from '../../collector/store/store.js';
import { loadConfig } from '../../config/loadConfig.js';
import type { Rule } from '../../rules/index.js';
import { compareBacktest } from '../../collector/operations/backtestComparison.js';
import { formatComparison } from '../../cli/commands/rulesBacktestCommand.js';
import { testRule } from '../rules/ruleScenario.js';
import { agentSilentRule, diskRule, linkRule } from '../incidents/lifecycleRules.js';
import { createLifecycleHarness, incidentsConfig, T0 } from '../support/lifecycleHarness.js';

const HOURS = 3;
const seq = new Map<string, number>();

/** Three hosts, 15 s apart, for three hours: a disk filling, a link flapping for an hour, an agent silent for 10 minutes. */
function history(): Array<{ host: string; atSeconds: number; samples: Array<{ metric: string; labels: Record<string, string>; value: number }> }> {
  const out = [];
  for (let t = 0; t < HOURS * 3600; t += 15) {
    out.push({ host: 'web-1', atSeconds: t, samples: [{ metric: 'filesystem_used_ratio', labels: { mount: '/' }, value: 0.8 + (0.18 * t) / (HOURS * 3600) }] });
    out.push({ host: 'edge-1', atSeconds: t, samples: [{ metric: 'interface_up', labels: { interface: 'eth0' }, value: t < 3600 ? Math.floor(t / 30) % 2 : 1 }] });
    if (t < 3600 || t >= 4200) out.push({ host: 'db-1', atSeconds: t, samples: [{ metric: 'filesystem_used_ratio', labels: { mount: '/' }, value: 0.5 }] });
  }
  return out;
}

function storeWithHistory(): Store {
  const store = openSqliteStore({ file: ':memory:' });
  seq.clear();
  store.transaction((tx) => {
    for (const r of history()) {
      const sequence = (seq.get(r.host) ?? 0) + 1;
      seq.set(r.host, sequence);
      const atMs = T0 + r.atSeconds * 1000;
      tx.insertReport({ agentId: r.host, hostname: r.host, labels: {}, version: 't', intervalSeconds: 15, sequence, receivedAtMs: atMs, samples: r.samples.map((s) => ({ ...s, labels: { ...s.labels, host: r.host }, atMs })), checks: [] });
    }
  });
  return store;
}

const disk95: Rule = testRule({ ...diskRule, name: 'filesystem_space_low', fire: { op: 'above', threshold: 0.95 }, clear: { op: 'below', threshold: 0.9 } });

describe('rules backtest', () => {
  it('iterates every stored sample in time order', () => {
    const store = storeWithHistory();
    const samples = [...store.iterateSamples(T0, T0 + HOURS * 3_600_000)];
    expect(samples).toHaveLength(history().length);
    expect(samples.every((s, i) => i === 0 || s.atMs >= samples[i - 1]!.atMs)).toBe(true);
    expect(samples[0]).toEqual({ metric: 'filesystem_used_ratio', labels: { host: 'web-1', mount: '/' }, value: 0.8, atMs: T0 });
    store.close();
  });

  it('compares the candidate with the rules in force: count, per host, median duration', () => {
    const store = storeWithHistory();
    const { config } = loadConfig(undefined, {});
    const toMs = T0 + HOURS * 3_600_000;
    const comparison = compareBacktest(store, config, [disk95, agentSilentRule], [diskRule, linkRule, agentSilentRule], T0, toMs);
    expect(comparison.inForce).toMatchObject({
      incidents: 3, // web-1 disk, edge-1 link (folded), db-1 silent
      tickets: 3,
      perHost: { 'web-1': 1, 'edge-1': 1, 'db-1': 1 },
      perRule: { filesystem_space_low: 1, interface_down: 1, agent_silent: 1 },
      stillOpen: 1, // the disk
    });
    expect(comparison.candidate).toMatchObject({ incidents: 2, tickets: 2, perHost: { 'web-1': 1, 'db-1': 1 }, stillOpen: 1 });
    // db-1's agent was silent 600 s after its report at 3585 s; agent_silent fires once more than 3 intervals
    // (45 s) are missed, evaluated on 15 s steps, and clears at the first report (4200 s): about 555 s.
    expect(Math.abs(comparison.candidate.medianDurationMs! - 555_000)).toBeLessThanOrEqual(15_000);
    const text = formatComparison(comparison, 'candidate.yaml');
    expect(text).toMatch(/^incidents\s+3\s+2$/m);
    expect(text).toMatch(/^ {2}edge-1\s+1\s+0$/m);
    store.close();
  });

  it('stops at its time budget and says where: both replays end there, nothing beyond is counted', () => {
    const store = storeWithHistory();
    const { config } = loadConfig(undefined, {});
    const toMs = T0 + HOURS * 3_600_000;
    const whole = compareBacktest(store, config, [disk95], [diskRule], T0, toMs, { budgetMs: 60_000 });
    expect(whole.truncatedAtMs).toBeUndefined();
    expect(whole.toMs).toBe(toMs);
    expect(whole.candidate.samples).toBeGreaterThan(0);
    const none = compareBacktest(store, config, [disk95], [diskRule], T0, toMs, { budgetMs: 0 });
    expect(none.truncatedAtMs).toBe(T0);
    expect(none.toMs).toBe(T0);
    expect([none.candidate.samples, none.inForce.samples, none.candidate.incidents, none.inForce.incidents]).toEqual([0, 0, 0, 0]);
    store.close();
  });

  it('replays the flapping link exactly as the live collector decides it', () => {
    const store = storeWithHistory();
    const config = incidentsConfig({ reachability: { enabled: false } });
    const replay = runBacktest({
      rules: [linkRule],
      policy: incidentPolicy(config),
      environment: createStoreEnvironment(store, config, { nowMs: () => T0 }),
      samples: store.iterateSamples(T0, T0 + 3_600_000),
      intervalSecondsByHost: new Map(),
      toMs: T0 + 3_600_000,
    });
    const live = createLifecycleHarness({ rules: [linkRule], incidents: { reachability: { enabled: false } } });
    for (const r of history().filter((h) => h.host === 'edge-1' && h.atSeconds < 3600)) live.at(r.atSeconds).report('edge-1', r.samples);
    const ops = live.deskOperations();
    expect(replay.incidents).toBe(live.incidents().length);
    expect(replay.deskOperations).toEqual({ open: 1, resolve: ops.filter((o) => o.startsWith('resolve')).length, reopen: ops.filter((o) => o.startsWith('reopen')).length });
    live.close();
    store.close();
  });
});
