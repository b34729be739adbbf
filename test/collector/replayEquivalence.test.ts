/**
 * The backtest replay (collector/backtest/runBacktest.ts, on the step evaluator) against the replay
 * it replaced (test/support/referenceReplay.ts, `evaluate` per step): over generated histories with
 * every rule kind of the built-in pack and of the test fixtures, NaN, gaps, silent agents and
 * flapping checks, through the whole lifecycle (topology, grouping, silences, maintenance, flap
 * folding, inhibition), both must open, resolve and ticket the same incidents, listed in full.
 */
import { describe, expect, it } from 'vitest';
import { createReplay, type ReplayOptions } from '../../collector/backtest/runBacktest.js';
import { incidentPolicy } from '../../collector/incidents/incidentPolicy.js';
import { createStoreEnvironment } from '../../collector/incidents/storeEnvironment.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { Store, StoredSample } from '../../collector/store/store.js';
import { DEFAULT_RULES_DIR, loadRuleFiles, type Rule } from '../../rules/index.js';
import { fixtureRules, generateHistory, storeGeneratedHistory, type GeneratedHistory } from '../support/generatedHistory.js';
import { incidentsConfig, type IncidentsOverrides } from '../support/lifecycleHarness.js';
import { createReferenceReplay } from '../support/referenceReplay.js';

const START_MS = Date.UTC(2025, 0, 6);

/** h1 and h2 sit behind h0; incidents of one host group; h2's disks are silenced for an hour; h3 has a nightly window. */
function environmentStore(history: GeneratedHistory): Store {
  const store = openSqliteStore({ file: ':memory:' });
  store.transaction((tx) => {
    tx.insertSilence({ matchers: [{ label: 'host', op: '=', value: 'h2' }, { label: 'mount', op: '=', value: '/var' }], comment: 'c', createdBy: 't', startsAtMs: START_MS + 1_800_000, expiresAtMs: START_MS + 5_400_000, createdAtMs: START_MS });
    tx.insertMaintenance({ cron: '30 0 * * *', durationSeconds: 1800, host: 'h3', group: null, comment: 'm', createdAtMs: START_MS });
  });
  void history;
  return store;
}

const OVERRIDES: IncidentsOverrides = {
  grouping: { byHost: true },
  topology: { hosts: { h1: { address: '10.0.0.11', parents: ['h0'] }, h2: { address: '10.0.0.12', parents: ['h0'] }, h0: { address: '10.0.0.10', parents: [] } } } as never,
};

function replayBoth(rules: readonly Rule[], history: GeneratedHistory, samples: Iterable<StoredSample> = history.samples) {
  const store = environmentStore(history);
  const config = incidentsConfig(OVERRIDES);
  const options: ReplayOptions = {
    rules,
    policy: incidentPolicy(config),
    environment: createStoreEnvironment(store, config, { nowMs: () => history.toMs }),
    intervalSecondsByHost: history.intervalSecondsByHost,
    keepIncidents: 1_000_000,
  };
  const replay = createReplay(options);
  const reference = createReferenceReplay(options);
  for (const sample of samples) {
    replay.push(sample);
    reference.push(sample);
  }
  const result = { replayed: replay.finish(history.toMs), reference: reference.finish(history.toMs) };
  store.close();
  return result;
}

describe('backtest replay', () => {
  it.each([
    ['the built-in pack', 11, false],
    ['the built-in pack', 12, true],
    ['the test fixtures', 13, false],
    ['the test fixtures', 14, true],
  ])('opens, resolves and tickets the incidents of the evaluate-per-step replay, with %s (seed %i, shared labels %s)', (which, seed, sharedLabels) => {
    const rules = which === 'the built-in pack' ? loadRuleFiles([DEFAULT_RULES_DIR]) : fixtureRules();
    const history = generateHistory(rules, { seed, hosts: which === 'the built-in pack' ? 3 : 4, hours: which === 'the built-in pack' ? 1 : 2, startMs: START_MS, sharedLabels });
    const { replayed, reference } = replayBoth(rules, history);
    expect(replayed).toEqual(reference);
    // The history must give the lifecycle work: incidents of many rules, some resolved, some without a ticket.
    expect(reference.incidents).toBeGreaterThan(10);
    expect(Object.keys(reference.perRule).length).toBeGreaterThan(5);
    expect(reference.incidents - reference.stillOpen).toBeGreaterThan(0);
    expect(reference.withoutTicket).toBeGreaterThan(0);
    expect(reference.perRule.agent_silent ?? 0).toBeGreaterThan(0);
  }, 120_000);

  it('gives the same outcome over history read back from the store (one labels object per series)', () => {
    const rules = [...fixtureRules()];
    const history = generateHistory(rules, { seed: 21, hosts: 3, hours: 1, startMs: START_MS });
    const store = openSqliteStore({ file: ':memory:' });
    storeGeneratedHistory(store, history);
    const read = [...store.iterateSamples(START_MS, history.toMs)];
    store.close();
    expect(read.length).toBeGreaterThan(1000);
    const { replayed, reference } = replayBoth(rules, history, read);
    expect(replayed).toEqual(reference);
    expect(reference.incidents).toBeGreaterThan(5);
  }, 120_000);
});
