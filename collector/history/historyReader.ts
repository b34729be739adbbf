/**
 * The read side of stored history, for the console, the service reports and the API: a metric's
 * series over a time range, from raw samples or from rollups depending on the span (or the step
 * asked for), and the latest values of many hosts at once. Both merge the compressed history with
 * the hot, not yet compacted reports, so an answer never has a gap at its recent end.
 *
 * Stable surface (other parts build on it): `readSeries` and `latestValues` of `createHistoryReader`.
 */
import { compileLabelMatchers, type LabelMatcher } from '../../rules/index.js';
import type { Clock } from '../clock.js';
import { ROLLUP_BUCKET_MS, type RollupBucket, type RollupResolution, type SeriesRecord } from '../domain/history.js';
import type { StoreReads } from '../store/store.js';
import { addToBucket, addToBuckets, bucketStart, mergeBuckets, mergeIntoSorted } from './rollupBuckets.js';

/** Where a read's points come from: every raw sample, or one of the rollups. */
export type HistoryResolution = 'raw' | RollupResolution;

/** What `readSeries` asks for. */
export interface ReadSeriesQuery {
  /** One host, by id or by name; every host when neither is given. */
  hostId?: number;
  hostname?: string;
  metric: string;
  /** Only series whose labels carry these values. */
  labels?: Readonly<Record<string, string>>;
  /** Only series matching all of these (Prometheus semantics: `=`, `!=`, `=~`, `!~`). */
  matchers?: readonly LabelMatcher[];
  fromMs: number;
  toMs: number;
  /**
   * Points are aggregated per step (min, avg as `value`, max, count) when given; the resolution is
   * the coarsest whose bucket fits in the step. Without it, the resolution follows the span:
   * raw up to 7 days, 5-minute rollups up to 31 days, 1-hour rollups beyond.
   */
  stepMs?: number;
  /** Overrides the choice above. */
  resolution?: HistoryResolution;
}

/** One point of a read: a raw sample (count 1, min = max = value) or an aggregate over a bucket starting at `atMs`. */
export interface HistoryPoint {
  atMs: number;
  /** The sample, or the average of the bucket's finite samples. */
  value: number;
  min: number;
  max: number;
  count: number;
  /** A raw sample's text (a check's output line). */
  text?: string;
}

/** One series of a read. */
export interface SeriesRead {
  series: SeriesRecord;
  resolution: HistoryResolution;
  /** The bucket length of the points, or null for raw samples as stored. */
  stepMs: number | null;
  points: HistoryPoint[];
}

/** What `latestValues` asks for. */
export interface LatestValuesQuery {
  metric: string;
  /** Only these hosts (by name); every host when absent. */
  hostnames?: readonly string[];
  labels?: Readonly<Record<string, string>>;
  matchers?: readonly LabelMatcher[];
}

/** The newest stored sample of one series. */
export interface LatestValue {
  series: SeriesRecord;
  atMs: number;
  value: number;
  text?: string;
}

/** What `readHost` asks for: many metrics of one host at once, always per step. */
export interface ReadHostQuery {
  hostname: string;
  /** These metrics; every series of the host when absent. */
  metrics?: readonly string[];
  /** Only series whose labels carry these values. */
  labels?: Readonly<Record<string, string>>;
  fromMs: number;
  toMs: number;
  stepMs: number;
}

export interface HistoryReader {
  readSeries(query: ReadSeriesQuery): SeriesRead[];
  /**
   * Many series of one host per step, as a host page charts them: the rollups of all of them summed
   * per step by the store in one read, and the host's hot reports decoded once for all its series
   * (not once a series), so a page of 20 charts costs one read of each kind, not twenty. Points as `readSeries` answers them.
   */
  readHost(query: ReadHostQuery): SeriesRead[];
  latestValues(query: LatestValuesQuery): LatestValue[];
}

export interface HistoryReaderOptions {
  store: StoreReads;
  clock: Clock;
  /** How long raw samples are kept (`collector.retention`): older ranges are read from rollups. */
  rawRetentionMs: number;
}

const DAY_MS = 86_400_000;

/** Picks raw or a rollup for a read (see ReadSeriesQuery.stepMs). */
export function chooseResolution(query: Pick<ReadSeriesQuery, 'fromMs' | 'toMs' | 'stepMs' | 'resolution'>, rawSinceMs: number): HistoryResolution {
  if (query.resolution !== undefined) return query.resolution;
  let choice: HistoryResolution;
  if (query.stepMs !== undefined) choice = query.stepMs >= ROLLUP_BUCKET_MS['1h'] ? '1h' : query.stepMs >= ROLLUP_BUCKET_MS['5m'] ? '5m' : 'raw';
  else {
    const span = query.toMs - query.fromMs;
    choice = span <= 7 * DAY_MS ? 'raw' : span <= 31 * DAY_MS ? '5m' : '1h';
  }
  // Raw samples older than the raw retention are gone; their rollups are not.
  return choice === 'raw' && query.fromMs < rawSinceMs ? '5m' : choice;
}

export function createHistoryReader(options: HistoryReaderOptions): HistoryReader {
  const { store } = options;

  const selectSeries = (query: { hostId?: number; hostname?: string; metric: string; labels?: Readonly<Record<string, string>>; matchers?: readonly LabelMatcher[] }): SeriesRecord[] => {
    const predicate = compileLabelMatchers([...Object.entries(query.labels ?? {}).map(([label, value]) => ({ label, op: '=' as const, value })), ...(query.matchers ?? [])]);
    return store.findSeries({ metric: query.metric, ...(query.hostId === undefined ? {} : { hostId: query.hostId }), ...(query.hostname === undefined ? {} : { hostname: query.hostname }) }).filter((s) => predicate(s.labels));
  };

  /** Raw samples as points: one object each, made once from the store's columns. */
  const rawPoints = (series: SeriesRecord, fromMs: number, toMs: number): HistoryPoint[] => {
    const { times, values, texts } = store.seriesColumns(series, fromMs, toMs);
    const points = new Array<HistoryPoint>(times.length);
    for (let i = 0; i < times.length; i++) {
      const value = values[i]!;
      points[i] = { atMs: times[i]!, value, min: value, max: value, count: 1 };
    }
    if (texts !== undefined) for (const [i, text] of texts) points[i]!.text = text;
    return points;
  };

  /** Stored rollups plus the hot samples' buckets, so the recent end has no gap; by start. */
  const rollupBuckets = (series: SeriesRecord, resolution: RollupResolution, fromMs: number, toMs: number): RollupBucket[] => {
    const bucketMs = ROLLUP_BUCKET_MS[resolution];
    const stored = store.rollups(series.seriesId, resolution, bucketStart(fromMs, bucketMs), toMs);
    const hot = store.seriesColumns(series, bucketStart(fromMs, bucketMs), toMs, { hotOnly: true });
    return hot.times.length === 0 ? stored : mergeIntoSorted(stored, addToBuckets(new Map(), hot.times, hot.values, bucketMs).values());
  };

  const toPoint = (b: RollupBucket): HistoryPoint => ({ atMs: b.startMs, value: b.sum / b.count, min: b.min, max: b.max, count: b.count });

  const toPoints = (buckets: Map<number, RollupBucket>): HistoryPoint[] => [...buckets.values()].sort((a, b) => a.startMs - b.startMs).map(toPoint);

  return {
    readSeries(query) {
      if (!(query.toMs >= query.fromMs)) throw new RangeError(`history read: from (${query.fromMs}) is after to (${query.toMs})`);
      if (query.stepMs !== undefined && !(query.stepMs > 0)) throw new RangeError(`history read: step must be positive, got ${query.stepMs}`);
      const resolution = chooseResolution(query, options.clock.nowMs() - options.rawRetentionMs);
      return selectSeries(query).map((series) => {
        if (resolution === 'raw') {
          const raw = rawPoints(series, query.fromMs, query.toMs);
          if (query.stepMs === undefined) return { series, resolution, stepMs: null, points: raw };
          const buckets = addToBuckets(new Map(), raw.map((p) => p.atMs), raw.map((p) => p.value), query.stepMs);
          return { series, resolution, stepMs: query.stepMs, points: toPoints(buckets) };
        }
        const buckets = rollupBuckets(series, resolution, query.fromMs, query.toMs);
        const stepMs = Math.max(query.stepMs ?? 0, ROLLUP_BUCKET_MS[resolution]);
        if (stepMs === ROLLUP_BUCKET_MS[resolution]) return { series, resolution, stepMs, points: buckets.map(toPoint) };
        const wider = new Map<number, RollupBucket>();
        for (const bucket of buckets) mergeBuckets(wider, [{ ...bucket, startMs: bucketStart(bucket.startMs, stepMs) }]);
        return { series, resolution, stepMs, points: toPoints(wider) };
      });
    },

    readHost(query) {
      if (!(query.toMs >= query.fromMs)) throw new RangeError(`history read: from (${query.fromMs}) is after to (${query.toMs})`);
      if (!(query.stepMs > 0)) throw new RangeError(`history read: step must be positive, got ${query.stepMs}`);
      const metrics = query.metrics === undefined ? undefined : new Set(query.metrics);
      const wanted = Object.entries(query.labels ?? {});
      const series = store.seriesOfHost(query.hostname).filter((s) => (metrics === undefined || metrics.has(s.metric)) && wanted.every(([k, v]) => s.labels[k] === v));
      const resolution = chooseResolution(query, options.clock.nowMs() - options.rawRetentionMs);
      const stepMs = resolution === 'raw' ? query.stepMs : Math.max(query.stepMs, ROLLUP_BUCKET_MS[resolution]);
      // Stored rollups start at their bucket; the hot samples join them from that bucket's start.
      const fromMs = resolution === 'raw' ? query.fromMs : bucketStart(query.fromMs, ROLLUP_BUCKET_MS[resolution]);
      const steps = new Map<number, Map<number, RollupBucket>>(series.map((s) => [s.seriesId, new Map()]));
      const byHost = new Map<number, Set<number>>();
      for (const s of series) byHost.set(s.hostId, (byHost.get(s.hostId) ?? new Set()).add(s.seriesId));
      // A hot sample joins the step of its rollup bucket's start, as the compacted rollups do.
      const rollupMs = resolution === 'raw' ? 1 : ROLLUP_BUCKET_MS[resolution];
      const add = (seriesId: number, atMs: number, value: number) => addToBucket(steps.get(seriesId)!, bucketStart(bucketStart(atMs, rollupMs), stepMs), value);
      for (const [hostId, ids] of byHost) store.visitHostPoints(hostId, ids, fromMs, query.toMs, add, { hotOnly: resolution !== 'raw' });
      if (resolution !== 'raw') {
        const rollups = store.rollupSteps(series.map((s) => s.seriesId), resolution, fromMs, query.toMs, stepMs);
        for (const [seriesId, buckets] of rollups) mergeBuckets(steps.get(seriesId)!, buckets);
      }
      return series.map((s) => ({ series: s, resolution, stepMs, points: toPoints(steps.get(s.seriesId)!) }));
    },

    latestValues(query) {
      const hostnames = query.hostnames === undefined ? undefined : new Set(query.hostnames);
      const series = selectSeries(query).filter((s) => hostnames === undefined || hostnames.has(s.hostname));
      const latest = store.latestPoints(series);
      const values: LatestValue[] = [];
      for (const s of series) {
        const point = latest.get(s.seriesId);
        if (point === undefined) continue;
        values.push(point.text === undefined ? { series: s, atMs: point.atMs, value: point.value } : { series: s, atMs: point.atMs, value: point.value, text: point.text });
      }
      return values;
    },
  };
}
