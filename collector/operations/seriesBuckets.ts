/**
 * Downsampling of raw samples into fixed time steps: per series and per step the minimum, the
 * mean and the maximum, so a chart of 7 days at 15 s resolution (40,000 samples a series) draws
 * from a bounded number of points and still shows every spike (the max) and every dip (the min).
 * Pure: samples in, columns out; the caller reads the store.
 */

/** One series' steps as columns (uPlot's data layout); null where a step holds no sample. */
export interface SeriesPoints {
  /** Start of each step, Unix seconds. */
  at: number[];
  min: Array<number | null>;
  avg: Array<number | null>;
  max: Array<number | null>;
}

/** A downsampled series: its metric, labels (without `host`) and points. */
export interface DownsampledSeries {
  metric: string;
  labels: Record<string, string>;
  points: SeriesPoints;
}

/** Rollup buckets (5 minutes, 1 hour) a step is widened to when it needs at least half of one. */
const ROLLUP_STEPS_MS = [300_000, 3_600_000];

/**
 * The step (ms) that keeps `fromMs`..`toMs` within `maxPoints` steps and is at least `wantedStepMs`
 * and 1 s. Without a wanted step, a step of at least half a rollup bucket (and less than one) is
 * widened to the bucket: a day at 400 points (216 s) reads 288 five-minute rollups instead of every
 * raw sample, for a chart no one can tell apart.
 */
export function stepFor(fromMs: number, toMs: number, maxPoints: number, wantedStepMs = 0): number {
  const needed = Math.max(1000, Math.ceil(Math.ceil((toMs - fromMs) / maxPoints) / 1000) * 1000);
  const bucket = wantedStepMs > 0 ? undefined : ROLLUP_STEPS_MS.find((b) => needed >= b / 2 && needed < b);
  return Math.max(wantedStepMs, bucket ?? needed);
}

/** Accumulates samples of `fromMs`..`toMs` (both included) into steps of `stepMs` from `fromMs`; `result()` answers the series in key order. */
export function createSeriesBuckets(fromMs: number, toMs: number, stepMs: number) {
  const steps = Math.max(1, Math.ceil((toMs - fromMs) / stepMs));
  // Samples of one series share one labels object (StoreReads.hostSamples), so its key is made once.
  const keys = new WeakMap<Record<string, string>, string>();
  const series = new Map<string, { metric: string; labels: Record<string, string>; min: Float64Array; max: Float64Array; sum: Float64Array; count: Uint32Array }>();
  const slot = (metric: string, sampleLabels: Record<string, string>) => {
    let key = keys.get(sampleLabels);
    if (key === undefined || !key.startsWith(`${metric}{`)) {
      key = seriesKey(metric, sampleLabels);
      keys.set(sampleLabels, key);
    }
    let s = series.get(key);
    if (s === undefined) {
      const { host: _host, ...labels } = sampleLabels;
      s = { metric, labels, min: new Float64Array(steps).fill(Infinity), max: new Float64Array(steps).fill(-Infinity), sum: new Float64Array(steps), count: new Uint32Array(steps) };
      series.set(key, s);
    }
    return s;
  };
  return {
    add(sample: { metric: string; labels: Record<string, string>; value: number; atMs: number }): void {
      if (!Number.isFinite(sample.value) || sample.atMs < fromMs || sample.atMs > toMs) return;
      const s = slot(sample.metric, sample.labels);
      const i = Math.min(steps - 1, Math.floor((sample.atMs - fromMs) / stepMs)); // a sample at `toMs` joins the last step
      s.count[i]! += 1;
      s.sum[i]! += sample.value;
      if (sample.value < s.min[i]!) s.min[i] = sample.value;
      if (sample.value > s.max[i]!) s.max[i] = sample.value;
    },
    /** Adds an aggregate (a rollup bucket or a step of a history read) starting at `atMs`. */
    addAggregate(aggregate: { metric: string; labels: Record<string, string>; atMs: number; min: number; max: number; sum: number; count: number }): void {
      if (aggregate.count <= 0 || aggregate.atMs < fromMs || aggregate.atMs > toMs) return;
      const s = slot(aggregate.metric, aggregate.labels);
      const i = Math.min(steps - 1, Math.floor((aggregate.atMs - fromMs) / stepMs));
      s.count[i]! += aggregate.count;
      s.sum[i]! += aggregate.sum;
      if (aggregate.min < s.min[i]!) s.min[i] = aggregate.min;
      if (aggregate.max > s.max[i]!) s.max[i] = aggregate.max;
    },
    result(): DownsampledSeries[] {
      const at = new Array<number>(steps);
      for (let i = 0; i < steps; i++) at[i] = Math.floor((fromMs + i * stepMs) / 1000);
      return [...series.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, s]) => {
          const min = new Array<number | null>(steps);
          const avg = new Array<number | null>(steps);
          const max = new Array<number | null>(steps);
          for (let i = 0; i < steps; i++) {
            const empty = s.count[i] === 0;
            min[i] = empty ? null : s.min[i]!;
            avg[i] = empty ? null : s.sum[i]! / s.count[i]!;
            max[i] = empty ? null : s.max[i]!;
          }
          return { metric: s.metric, labels: s.labels, points: { at, min, avg, max } };
        });
    },
  };
}

/** A series' identity as text: metric and labels in name order. */
export function seriesKey(metric: string, labels: Record<string, string>): string {
  return `${metric}{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',')}}`;
}
