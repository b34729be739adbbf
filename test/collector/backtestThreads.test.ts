/**
 * `rules backtest` with each replay on a worker thread of its own (compareBacktest with `threads`,
 * as the CLI runs it) gives the outcome of running both replays in turn on one thread: over
 * generated history stored as reports (the first hour compacted into chunks, the rest hot), with a
 * silence and a maintenance window in the store, every incident listed. More blocks than the reader
 * may be ahead of the workers and than it has shared slots, so the reader waits for them. A thread
 * that fails fails the comparison with its own error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startReplayThreads } from '../../collector/backtest/replayThread.js';
import type { SilenceRecord } from '../../collector/domain/silence.js';
import { compareBacktest } from '../../collector/operations/backtestComparison.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import { loadConfig } from '../../config/loadConfig.js';
import { DEFAULT_RULES_DIR, loadRuleFiles } from '../../rules/index.js';
import { fixtureRules, generateHistory, storeGeneratedHistory } from '../support/generatedHistory.js';

const START_MS = Date.UTC(2025, 0, 6);
const HOUR = 3_600_000;
const directory = mkdtempSync(join(tmpdir(), 'tripline-backtest-threads-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Two hosts' generated history for `rules` (seed, hours) stored hot in an in-memory store, and the default config. */
function inMemory(rules: ReturnType<typeof fixtureRules>, seed: number, hours: number) {
  const history = generateHistory(rules, { seed, hosts: 2, hours, startMs: START_MS });
  const store = openSqliteStore({ file: ':memory:' });
  storeGeneratedHistory(store, history);
  return { history, store, config: loadConfig(undefined, {}).config };
}

describe('rules backtest on two threads', () => {
  it('gives the outcome of the two replays run in turn', () => {
    const pack = loadRuleFiles([DEFAULT_RULES_DIR]);
    const history = generateHistory(pack, { seed: 41, hosts: 3, hours: 6, startMs: START_MS });
    const store = openSqliteStore({ file: join(directory, 'history.db') });
    storeGeneratedHistory(store, history);
    while (store.compactHistory(START_MS + 2 * HOUR) !== undefined);
    store.transaction((tx) => {
      tx.insertSilence({ matchers: [{ label: 'host', op: '=', value: 'h1' }], comment: 'test', createdBy: 'test', startsAtMs: START_MS + HOUR, expiresAtMs: START_MS + 3 * HOUR, createdAtMs: START_MS });
      tx.insertMaintenance({ cron: '0 4 * * *', durationSeconds: 3600, host: 'h2', group: null, comment: 'test', createdAtMs: START_MS });
    });
    const { config } = loadConfig(undefined, {});
    const inTurn = compareBacktest(store, config, fixtureRules(), pack, START_MS, history.toMs, { keepIncidents: 1_000_000 });
    const threads = compareBacktest(store, config, fixtureRules(), pack, START_MS, history.toMs, { keepIncidents: 1_000_000, threads: true });
    expect(threads.candidate).toEqual(inTurn.candidate);
    expect(threads.inForce).toEqual(inTurn.inForce);
    expect([threads.fromMs, threads.toMs, threads.truncatedAtMs]).toEqual([inTurn.fromMs, inTurn.toMs, undefined]);
    expect(inTurn.candidate.incidents).toBeGreaterThan(5);
    expect(inTurn.inForce.incidents).toBeGreaterThan(5);
    expect(inTurn.candidate).not.toEqual(inTurn.inForce);
    expect(threads.sides!.candidateMs).toBeGreaterThan(0);
    expect(threads.sides!.inForceMs).toBeGreaterThan(0);
    expect(threads.sides!.readingMs).toBeGreaterThan(0);
    expect(inTurn.sides).toBeUndefined();
    store.close();
  }, 120_000);

  it('a time budget keeps both on one thread: it stops where it says', () => {
    const rules = fixtureRules();
    const { history, store, config } = inMemory(rules, 42, 2);
    const none = compareBacktest(store, config, rules, rules, START_MS, history.toMs, { budgetMs: 0, threads: true });
    expect(none.truncatedAtMs).toBe(START_MS);
    expect(none.sides).toBeUndefined();
    store.close();
  });
});

describe('a replay thread that fails', () => {
  it('fails the comparison with the error the thread met', () => {
    // An hour of history is fewer blocks than the reader may be ahead: it never waits, and finish finds the failure.
    const rules = fixtureRules();
    const { history, store, config } = inMemory(rules, 43, 1);
    // A silence the store would never hold (its matcher's pattern does not compile): read when the first incident passes the gates, on the thread.
    const broken: SilenceRecord = { id: 1, matchers: [{ label: 'host', op: '=~', value: '(' }], comment: 'broken', createdBy: 'test', startsAtMs: START_MS, expiresAtMs: history.toMs, createdAtMs: START_MS };
    const good = startReplayThreads([rules], { config, snapshot: { silences: [], maintenance: [], hosts: [] }, intervalSecondsByHost: history.intervalSecondsByHost, keepIncidents: undefined });
    good.feed(store.iterateSampleBlocks(START_MS, history.toMs));
    expect(good.finish(history.toMs)[0]!.summary.incidents).toBeGreaterThan(0);
    const threads = startReplayThreads([rules, rules], { config, snapshot: { silences: [broken], maintenance: [], hosts: [] }, intervalSecondsByHost: history.intervalSecondsByHost, keepIncidents: undefined });
    expect(() => {
      threads.feed(store.iterateSampleBlocks(START_MS, history.toMs));
      threads.finish(history.toMs);
    }).toThrow(/^the backtest's replay thread failed: .*regular expression/i);
    store.close();
  }, 60_000);
});
