/**
 * The series of a metric across the fleet, as `findSeries({ metric })` last read them, kept by the
 * store that makes every series (the embedded engine's collector): a fleet-wide read of one metric
 * (the latest values of 10,000 hosts, a Prometheus query without a host) takes the list from memory
 * instead of 10,000 rows joined with their hosts and their labels parsed again.
 *
 * The store drops a metric's list when it makes a series of that metric, and every list when a host
 * may have changed its name (the records carry it) or a transaction rolled back. Lists are read
 * only outside transactions (a series made inside one may yet roll back). The records are frozen:
 * callers share them. At most `budget` records are kept, the least recently read metrics go first.
 */
import type { SeriesRecord } from '../domain/history.js';

export interface MetricSeriesCache {
  get(metric: string): readonly SeriesRecord[] | undefined;
  /** Keeps a metric's series (frozen, in the order given); a list longer than the budget is not kept. */
  set(metric: string, series: readonly SeriesRecord[]): readonly SeriesRecord[];
  forget(metric: string): void;
  clear(): void;
}

/** Records kept by default: 3 metrics of 10,000 hosts, about 11 MB (a record with two labels took 360 bytes of heap: 100,000 in 36 MB, measured). */
export const DEFAULT_SERIES_BUDGET = 30_000;

export function createMetricSeriesCache(budget = DEFAULT_SERIES_BUDGET): MetricSeriesCache {
  // A Map iterates in insertion order: re-inserting on read keeps the least recently read first.
  const lists = new Map<string, readonly SeriesRecord[]>();
  let kept = 0;
  const forget = (metric: string) => {
    const list = lists.get(metric);
    if (list === undefined) return;
    lists.delete(metric);
    kept -= list.length;
  };
  return {
    get(metric) {
      const list = lists.get(metric);
      if (list !== undefined) {
        lists.delete(metric);
        lists.set(metric, list);
      }
      return list;
    },
    set(metric, series) {
      const list = Object.freeze(series.map((s) => Object.freeze({ ...s, labels: Object.freeze(s.labels) })));
      forget(metric);
      if (list.length > budget) return list;
      for (const [oldest] of lists) {
        if (kept + list.length <= budget) break;
        forget(oldest);
      }
      lists.set(metric, list);
      kept += list.length;
      return list;
    },
    forget,
    clear() {
      lists.clear();
      kept = 0;
    },
  };
}
