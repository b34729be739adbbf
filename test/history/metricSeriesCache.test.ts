/** The fleet's series kept per metric (metricSeriesCache.ts): a record budget, least recently read first out, frozen records. */
import { describe, expect, it } from 'vitest';
import { createMetricSeriesCache } from '../../collector/store/metricSeriesCache.js';

const series = (metric: string, n: number) => Array.from({ length: n }, (_, i) => ({ seriesId: i, hostId: i, hostname: `h${i}`, metric, labels: { host: `h${i}` } }));

describe('the series kept per metric', () => {
  it('keeps lists within the budget, dropping the least recently read, and never one longer than it', () => {
    const cache = createMetricSeriesCache(5);
    cache.set('a', series('a', 2));
    cache.set('b', series('b', 2));
    expect(cache.get('a')).toHaveLength(2); // a is now the most recently read
    cache.set('c', series('c', 2)); // 6 > 5: b goes
    expect([cache.get('a')?.length, cache.get('b'), cache.get('c')?.length]).toEqual([2, undefined, 2]);
    expect(cache.set('d', series('d', 6))).toHaveLength(6); // answered, not kept
    expect(cache.get('d')).toBeUndefined();
    cache.forget('a');
    expect(cache.get('a')).toBeUndefined();
    cache.clear();
    expect(cache.get('c')).toBeUndefined();
  });

  it('hands out frozen records, so no caller changes what the next one reads', () => {
    const cache = createMetricSeriesCache();
    const [first] = cache.set('a', series('a', 1));
    expect(() => {
      (first!.labels as Record<string, string>).host = 'other';
    }).toThrow(TypeError);
    expect(cache.get('a')![0]!.labels).toEqual({ host: 'h0' });
  });
});
