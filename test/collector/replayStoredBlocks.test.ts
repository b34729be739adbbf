/**
 * Replays fed stored history as columns (Store.iterateSampleBlocks, replayStoredBlocks) on every
 * store engine: over generated history stored as reports, the first hour compacted into series
 * chunks and the second left hot, the replay must open, resolve and ticket the incidents that
 * pushing iterateSamples' samples one by one gives, listed in full; several replays fed by one read
 * each get their own; a replay that is stopped says how far it got.
 */
import { describe, expect, it } from 'vitest';
import { createReplay, replayStoredBlocks, runBacktest, type ReplayOptions } from '../../collector/backtest/runBacktest.js';
import { incidentPolicy } from '../../collector/incidents/incidentPolicy.js';
import { createStoreEnvironment } from '../../collector/incidents/storeEnvironment.js';
import type { Store, StoredSample } from '../../collector/store/store.js';
import { DEFAULT_RULES_DIR, loadRuleFiles, type Rule } from '../../rules/index.js';
import { fixtureRules, generateHistory, storeGeneratedHistory, type GeneratedHistory } from '../support/generatedHistory.js';
import { incidentsConfig } from '../support/lifecycleHarness.js';
import { storeEngines } from '../support/storeEngines.js';

const START_MS = Date.UTC(2025, 0, 6);
const HOUR = 3_600_000;

/** Stores the history as one report per host and time, then compacts its first hour. */
function storeHistory(store: Store, history: GeneratedHistory): void {
  storeGeneratedHistory(store, history);
  while (store.compactHistory(START_MS + 2 * HOUR) !== undefined);
}

function replayOptions(store: Store, rules: readonly Rule[], history: GeneratedHistory): ReplayOptions {
  const config = incidentsConfig({ grouping: { byHost: true } });
  return { rules, policy: incidentPolicy(config), environment: createStoreEnvironment(store, config, { nowMs: () => history.toMs }), intervalSecondsByHost: history.intervalSecondsByHost, keepIncidents: 1_000_000 };
}

describe.each(storeEngines())('replays of the $name store as columns', (engine) => {
  it.each([
    ['the built-in pack', 31],
    ['the test fixtures', 32],
  ])('give the outcome of pushing iterateSamples one by one, with %s (seed %i)', (which, seed) => {
    const rules = which === 'the built-in pack' ? loadRuleFiles([DEFAULT_RULES_DIR]) : fixtureRules();
    const history = generateHistory(rules, { seed, hosts: 3, hours: 2, startMs: START_MS });
    const store = engine.open();
    storeHistory(store, history);
    const samples = [...store.iterateSamples(START_MS, history.toMs)];
    expect(samples.length).toBe(history.samples.length);
    const pushed = createReplay(replayOptions(store, rules, history));
    for (const sample of samples) pushed.push(sample);
    const expected = pushed.finish(history.toMs);
    const columns = runBacktest({ ...replayOptions(store, rules, history), samples: store.iterateSampleBlocks(START_MS, history.toMs), toMs: history.toMs });
    expect(columns).toEqual(expected);
    expect(expected.incidents).toBeGreaterThan(5);
    expect(expected.samples).toBe(samples.length);
    // Two replays fed by one read: each as if alone.
    const both = [createReplay(replayOptions(store, rules, history)), createReplay(replayOptions(store, fixtureRules(), history))];
    expect(replayStoredBlocks(store.iterateSampleBlocks(START_MS, history.toMs), both)).toEqual({ lastAtMs: samples[samples.length - 1]!.atMs, stopped: false });
    expect(both[0]!.finish(history.toMs)).toEqual(expected);
    expect(both[1]!.finish(history.toMs)).toEqual(runBacktest({ ...replayOptions(store, fixtureRules(), history), samples, toMs: history.toMs }));
    store.close();
  }, 120_000);

  it('stops where it is asked to, between steps, and says how far it got', () => {
    const rules = fixtureRules();
    const history = generateHistory(rules, { seed: 33, hosts: 2, hours: 2, startMs: START_MS });
    const store = engine.open();
    storeHistory(store, history);
    const replay = createReplay(replayOptions(store, rules, history));
    let steps = 0;
    const progress = replayStoredBlocks(store.iterateSampleBlocks(START_MS, history.toMs), [replay], () => ++steps > 300);
    expect(progress.stopped).toBe(true);
    // 300 steps of 15 s with samples (a step across the hour's end counts twice, once per block), about 75 minutes of the two hours:
    // every sample up to the last one replayed, none after.
    expect(progress.lastAtMs).toBeGreaterThanOrEqual(history.samples[0]!.atMs + 298 * 15_000);
    expect(progress.lastAtMs).toBeLessThan(history.toMs);
    const summary = replay.finish(progress.lastAtMs);
    expect(summary.samples).toBe(history.samples.filter((s) => s.atMs <= progress.lastAtMs).length);
    expect(replayStoredBlocks(store.iterateSampleBlocks(START_MS, history.toMs), [createReplay(replayOptions(store, rules, history))], () => true)).toEqual({ lastAtMs: -Infinity, stopped: true });
    store.close();
  }, 120_000);
});
