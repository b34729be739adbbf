/**
 * A zoomed host page keeps its charts (console/charts.ts keepCharts): a chart without data in the new
 * range stays in its place with empty lines over the range's steps, one with data takes it, a new
 * one joins at the end.
 */
import { describe, expect, it } from 'vitest';
import { keepCharts, type DrawnChart } from '../../console/charts.js';

const chart = (key: string, avg: Array<number | null>): DrawnChart => ({
  key,
  title: key,
  unitMetric: 'cpu_usage_ratio',
  lines: [{ label: key, series: { metric: 'cpu_usage_ratio', labels: {}, points: { at: avg.map((_, i) => i), min: avg, avg, max: avg } } }],
});

describe('charts of a zoomed range', () => {
  it('keeps the charts shown before, empty where the range has no data', () => {
    const before = [chart('CPU:', [0.1]), chart('Load:', [1])];
    const range = { from: '2026-12-03T00:00:00.000Z', to: '2026-12-03T00:01:00.000Z', stepSeconds: 20 };
    const kept = keepCharts(before, [chart('Load:', [2, 3, 4]), chart('Memory:', [5])], range);
    expect(kept.map((c) => c.key)).toEqual(['CPU:', 'Load:', 'Memory:']);
    const start = Date.parse(range.from) / 1000;
    expect(kept[0]!.lines[0]!.series.points).toEqual({ at: [start, start + 20, start + 40], min: [null, null, null], avg: [null, null, null], max: [null, null, null] });
    expect(kept[1]!.lines[0]!.series.points.avg).toEqual([2, 3, 4]);
  });
});
