/** How values and times read on the console: units from the metric's name, as the catalogue names them. */

/** A value with the unit its metric's name implies. */
export function formatValue(metric: string, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (metric.endsWith('_ratio')) return `${(value * 100).toFixed(1)}%`;
  if (metric.endsWith('_bytes_per_second')) return `${bytes(value)}/s`;
  if (metric.endsWith('_bytes') || metric.endsWith('_bytes_total')) return bytes(value);
  if (metric.endsWith('_seconds')) return seconds(value);
  if (metric.endsWith('_celsius')) return `${value.toFixed(1)} °C`;
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3).replace(/\.?0+$/, '');
}

function bytes(value: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = value;
  let unit = 0;
  while (Math.abs(v) >= 1024 && unit < units.length - 1) {
    v /= 1024;
    unit++;
  }
  return `${v.toFixed(v >= 100 || unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function seconds(value: number): string {
  if (value < 0.001) return `${(value * 1e6).toFixed(0)} µs`;
  if (value < 1) return `${(value * 1000).toFixed(1)} ms`;
  if (value < 120) return `${value.toFixed(1)} s`;
  if (value < 7200) return `${(value / 60).toFixed(0)} min`;
  if (value < 172800) return `${(value / 3600).toFixed(1)} h`;
  return `${(value / 86400).toFixed(1)} d`;
}

/** "3 min ago", from an ISO time and now. */
export function ago(iso: string, nowMs = Date.now()): string {
  const s = Math.max(0, (nowMs - Date.parse(iso)) / 1000);
  if (s < 60) return `${Math.round(s)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** An ISO time in the browser's zone, to the second. */
export function when(iso: string | null): string {
  if (iso === null) return '–';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** `{a="1", b="2"}` from labels, in name order. */
export function labelText(labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? '' : `{${keys.map((k) => `${k}="${labels[k]}"`).join(', ')}}`;
}
