/**
 * Replays that read stored history without the values of series no rule reads (unreadSeries.ts):
 * a rule set that reads a few series of a history with many must give the outcome of visiting every
 * sample (iterateSamples pushed one by one), agent silence included: a host that stops for good, a
 * host silent for a while, a host whose read series start halfway (its liveness before comes from
 * unread series only), a host none of whose series is read, series that skip reports. Also:
 * splitUnread on hand-made blocks, and chunks of every layout decoding their times alone.
 */
import { describe, expect, it } from 'vitest';
import { createReplay, replayStoredBlocks, runBacktest, type ReplayOptions } from '../../collector/backtest/runBacktest.js';
import { countSkipped, splitUnread } from '../../collector/backtest/unreadSeries.js';
import { decodeSeriesChunk, decodeSeriesChunkTimes, encodeLayout1, encodeLayout2, encodeSeriesChunk } from '../../collector/history/seriesChunkCodec.js';
import { incidentPolicy } from '../../collector/incidents/incidentPolicy.js';
import { createStoreEnvironment } from '../../collector/incidents/storeEnvironment.js';
import { BlockCursor, type SampleBlock, type SampleSource } from '../../collector/store/sampleBlocks.js';
import type { Store } from '../../collector/store/store.js';
import { DEFAULT_RULES_DIR, loadRuleFiles, type Rule } from '../../rules/index.js';
import { generateHistory, storeGeneratedHistory, type GeneratedHistory } from '../support/generatedHistory.js';
import { incidentsConfig } from '../support/lifecycleHarness.js';
import { storeEngines } from '../support/storeEngines.js';

const START_MS = Date.UTC(2025, 0, 6);
const HOUR = 3_600_000;
/** The few rules the replay reads: two metrics of the many the history has, and agent silence. */
const FEW = ['agent_silent', 'cpu_usage_high', 'filesystem_space_low'];

function replayOptions(store: Store, rules: readonly Rule[], history: GeneratedHistory): ReplayOptions {
  const config = incidentsConfig({ grouping: { byHost: true } });
  return { rules, policy: incidentPolicy(config), environment: createStoreEnvironment(store, config, { nowMs: () => history.toMs }), intervalSecondsByHost: history.intervalSecondsByHost, keepIncidents: 1_000_000 };
}

/**
 * The built-in pack's history over 5 hosts and 3 hours, less: h0's series the few rules read before
 * the second hour (they appear halfway), every series h4 has that they read.
 */
function fewReadHistory(seed: number, readMetrics: ReadonlySet<string>): GeneratedHistory {
  const history = generateHistory(loadRuleFiles([DEFAULT_RULES_DIR]), { seed, hosts: 5, hours: 3, startMs: START_MS });
  const samples = history.samples.filter((s) => !readMetrics.has(s.metric) || !((s.labels.host === 'h0' && s.atMs < START_MS + HOUR) || s.labels.host === 'h4'));
  return { ...history, samples };
}

describe.each(storeEngines())('replays of the $name store that read few series', (engine) => {
  it.each([41, 42])('give the outcome of every sample visited (seed %i)', (seed) => {
    const all = loadRuleFiles([DEFAULT_RULES_DIR]);
    const few = all.filter((rule) => FEW.includes(rule.name));
    const history = fewReadHistory(seed, new Set(few.map((rule) => rule.metric)));
    const store = engine.open();
    storeGeneratedHistory(store, history);
    // The first two hours compacted into chunks, the last left hot.
    while (store.compactHistory(START_MS + 3 * HOUR) !== undefined);
    const samples = [...store.iterateSamples(START_MS, history.toMs)];
    expect(samples.length).toBe(history.samples.length);
    const pushed = createReplay(replayOptions(store, few, history));
    for (const sample of samples) pushed.push(sample);
    const expected = pushed.finish(history.toMs);
    expect(runBacktest({ ...replayOptions(store, few, history), samples: store.iterateSampleBlocks(START_MS, history.toMs), toMs: history.toMs })).toEqual(expected);
    expect(expected.samples).toBe(samples.length);
    // Agent silence fired (h3 stops for good two thirds through); h4, none of whose series is read, is silent as often as when every sample is visited (toEqual above).
    expect(expected.incidentList!.some((i) => i.ruleName === 'agent_silent' && i.host === 'h3')).toBe(true);
    // Beside a replay of the whole pack, fed by one read (a series is left out only when neither reads it).
    const both = [createReplay(replayOptions(store, few, history)), createReplay(replayOptions(store, all, history))];
    replayStoredBlocks(store.iterateSampleBlocks(START_MS, history.toMs), both);
    expect(both[0]!.finish(history.toMs)).toEqual(expected);
    expect(both[1]!.finish(history.toMs)).toEqual(runBacktest({ ...replayOptions(store, all, history), samples, toMs: history.toMs }));
    // Stopped halfway: the samples counted are those up to where it got, skipped ones included.
    const stopped = createReplay(replayOptions(store, few, history));
    let steps = 0;
    const progress = replayStoredBlocks(store.iterateSampleBlocks(START_MS, history.toMs), [stopped], () => ++steps > 400);
    expect(progress.stopped).toBe(true);
    expect(stopped.finish(progress.lastAtMs).samples).toBe(samples.filter((s) => s.atMs <= progress.lastAtMs).length);
    store.close();
  }, 180_000);
});

/** A chunk source of series `seriesId` with `times` (values 0). */
const chunk = (seriesId: number, times: number[]): SampleSource => ({ seriesId, seriesIds: undefined, times, values: times.map(() => 0), texts: undefined, start: 0, end: times.length });

describe('splitUnread', () => {
  // Series 1, 2: host a; 3, 4: host b; 5: host c. Read: 1 and 4.
  const hosts = new Map([[1, 'a'], [2, 'a'], [3, 'b'], [4, 'b'], [5, 'c']]);
  const read = (id: number) => id === 1 || id === 4;
  const hostOf = (id: number) => hosts.get(id)!;
  const block: SampleBlock = {
    fromMs: 0,
    toMs: 100,
    sources: [
      chunk(1, [10, 20, 30]),
      // Host a's unread series: 10, 20, 30 come with series 1 before it; 25 and 40 only with it.
      chunk(2, [10, 20, 25, 30, 40]),
      // Host b's unread series comes before its read one: every time stays.
      chunk(3, [10, 20]),
      chunk(4, [10, 20]),
      // Host c has no read series.
      chunk(5, [12, 27]),
    ],
  };

  it('keeps the times of unread series no read chunk of their host before them holds, and counts the rest', () => {
    const { block: split, skipped } = splitUnread(block, read, hostOf);
    expect(split.sources.map((s) => [s.seriesId, Array.from(s.times).slice(s.start, s.end)])).toEqual([
      [1, [10, 20, 30]],
      [2, [25, 40]],
      [3, [10, 20]],
      [4, [10, 20]],
      [5, [12, 27]],
    ]);
    expect(countSkipped(skipped)).toBe(3);
    // Before 25: 10 and 20 of series 2 were left out; after the whole block, 30 too.
    expect(countSkipped(skipped, 25)).toBe(2);
    expect(countSkipped(skipped, 10)).toBe(0);
  });

  it('leaves a block whose series are all read as it is', () => {
    expect(splitUnread(block, () => true, hostOf).block).toBe(block);
  });

  it('gives the cursor every host time at the place of its first sample', () => {
    const firstPlaces = (b: SampleBlock) => {
      const seen = new Set<string>();
      const places: string[] = [];
      new BlockCursor(b).visitUntil(Infinity, (seriesId, atMs) => {
        const key = `${hostOf(seriesId)}@${atMs}`;
        if (!seen.has(key)) places.push(`${key}:${seriesId}`);
        seen.add(key);
      });
      return places;
    };
    expect(firstPlaces(splitUnread(block, read, hostOf).block)).toEqual(firstPlaces(block));
  });
});

describe('series chunks of every layout', () => {
  const times = [1_000, 16_003, 31_001, 46_000, 61_010, 91_000];
  const values = [0.5, NaN, -0, 1e300, 0.25, 3];
  it.each([
    ['layout 3', encodeSeriesChunk],
    ['layout 2', encodeLayout2],
    ['layout 1', encodeLayout1],
  ])('%s: times decode alone, values when asked, as a whole decode gives them', (_name, encode) => {
    const data = encode({ times, values });
    const decoded = decodeSeriesChunkTimes(data);
    expect([...decoded.times]).toEqual(times);
    expect([...decoded.values()]).toEqual(decodeSeriesChunk(data).values);
    expect([...decoded.values()]).toEqual(values);
    expect(decoded.values()).toBe(decoded.values());
  });
});
