/**
 * Which charts the host page draws, from which metrics: one chart per group, or one per value of
 * a label (each filesystem, disk, interface). Series that the host does not report draw nothing.
 */
import type { Series, SeriesHistory } from './types.js';

export interface ChartSpec {
  title: string;
  metrics: readonly string[];
  /** One chart per value of this label; the value joins the title. */
  splitBy?: string;
  /** A label that names each line of a chart. */
  lineLabel?: string;
}

export const HOST_CHARTS: readonly ChartSpec[] = [
  { title: 'CPU', metrics: ['cpu_usage_ratio', 'cpu_iowait_ratio', 'cpu_steal_ratio'] },
  { title: 'Load', metrics: ['load1', 'load5', 'load15'] },
  { title: 'Memory', metrics: ['memory_used_bytes', 'memory_available_bytes'] },
  { title: 'Swap used', metrics: ['swap_used_bytes'] },
  { title: 'Swap in/out', metrics: ['swap_in_pages_per_second', 'swap_out_pages_per_second'] },
  { title: 'Filesystem', metrics: ['filesystem_used_ratio'], splitBy: 'mount' },
  { title: 'Disk I/O', metrics: ['disk_read_bytes_per_second', 'disk_written_bytes_per_second'], splitBy: 'device' },
  { title: 'Disk latency', metrics: ['disk_read_latency_seconds', 'disk_write_latency_seconds'], splitBy: 'device' },
  { title: 'Network', metrics: ['network_receive_bytes_per_second', 'network_transmit_bytes_per_second'], splitBy: 'interface' },
  { title: 'Temperatures', metrics: ['temperature_celsius'], lineLabel: 'sensor' },
];

/** Every metric a host page asks for. */
export const HOST_CHART_METRICS = [...new Set(HOST_CHARTS.flatMap((c) => c.metrics))];

export interface DrawnChart {
  key: string;
  title: string;
  unitMetric: string;
  lines: Array<{ label: string; series: Series }>;
}

/** The charts of `specs` that `series` has data for, in spec order. */
export function chartsOf(specs: readonly ChartSpec[], series: readonly Series[]): DrawnChart[] {
  return specs.flatMap((spec) => {
    const mine = series.filter((s) => spec.metrics.includes(s.metric));
    const groups = new Map<string, Series[]>();
    for (const s of mine) {
      const key = spec.splitBy ? (s.labels[spec.splitBy] ?? '') : '';
      groups.set(key, [...(groups.get(key) ?? []), s]);
    }
    return [...groups.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([value, lines]) => ({
        key: `${spec.title}:${value}`,
        title: value === '' ? spec.title : `${spec.title} ${value}`,
        unitMetric: spec.metrics[0]!,
        lines: [...lines].sort((a, b) => spec.metrics.indexOf(a.metric) - spec.metrics.indexOf(b.metric)).map((s) => ({ label: spec.lineLabel ? [s.labels.chip, s.labels[spec.lineLabel]].filter(Boolean).join(' ') : s.metric, series: s })),
      }));
  });
}

/**
 * The charts of a zoomed range: those `drawn` from its data, and the ones shown before that have no
 * data in it kept in their place with empty lines (axes only), so a zoom or move by keys into a gap
 * leaves the chart, and the keyboard's focus on it, where it was (the keys can move back).
 */
export function keepCharts(before: readonly DrawnChart[], drawn: readonly DrawnChart[], range: Pick<SeriesHistory, 'from' | 'to' | 'stepSeconds'>): DrawnChart[] {
  const byKey = new Map(drawn.map((c) => [c.key, c]));
  const from = Date.parse(range.from) / 1000;
  const steps = Math.max(1, Math.ceil((Date.parse(range.to) / 1000 - from) / range.stepSeconds));
  const at = Array.from({ length: steps }, (_, i) => from + i * range.stepSeconds);
  const none = () => new Array<number | null>(steps).fill(null);
  const kept = before.map((c) => byKey.get(c.key) ?? { ...c, lines: c.lines.map((l) => ({ ...l, series: { ...l.series, points: { at, min: none(), avg: none(), max: none() } } })) });
  const keys = new Set(before.map((c) => c.key));
  return [...kept, ...drawn.filter((c) => !keys.has(c.key))];
}
