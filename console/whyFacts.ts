/**
 * The why-record's facts as an operator reads them: times as times (with how long ago), durations
 * as durations, measured values rounded in their metric's unit, a window as its span. The gates and
 * the earlier occurrences are shown elsewhere on the page, so they are not facts here.
 */
import { ago, formatValue, when } from './format.js';

/** Keys of the why-record that are not listed as facts (the page shows them in their own way). */
const NOT_FACTS = new Set(['gates', 'earlier']);

/** `breachingSinceMs` → `breaching since`: the unit suffix goes, camel case becomes words. */
export function factName(key: string): string {
  return key
    .replace(/Ms$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

/** A duration in milliseconds as the largest units that matter: `45 s`, `3 min 20 s`, `2 h 5 min`, `3 d 4 h`. */
export function durationText(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return ms < 1000 ? `${Math.round(ms)} ms` : `${s} s`;
  const [d, h, m] = [Math.floor(s / 86400), Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60)];
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  const rest = s % 60;
  return rest > 0 ? `${m} min ${rest} s` : `${m} min`;
}

function timeText(ms: number, nowMs: number): string {
  const iso = new Date(ms).toISOString();
  return `${when(iso)} (${ago(iso, nowMs)})`;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** One fact's value in words; `metric` gives measured values their unit. */
export function factText(key: string, value: unknown, metric: string, nowMs = Date.now()): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'number') {
    if (/(At|Since|From|To)Ms$/.test(key) || key === 'fromMs' || key === 'toMs') return timeText(value, nowMs);
    if (key.endsWith('Ms')) return durationText(value);
    if (key === 'value') return formatValue(metric, value);
    return formatValue('', value);
  }
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map((item) => factText(key, item, metric, nowMs)).join(', ');
  if (isRecord(value)) {
    if (typeof value.fromMs === 'number' && typeof value.toMs === 'number') {
      return `${when(new Date(value.fromMs).toISOString())} – ${when(new Date(value.toMs).toISOString())} (${durationText(value.toMs - value.fromMs)})`;
    }
    if (key === 'threshold' && typeof value.value === 'number') return `${typeof value.op === 'string' ? `${value.op} ` : ''}${formatValue(metric, value.value)}`;
    return Object.entries(value)
      .map(([k, v]) => `${factName(k)}: ${factText(k, v, metric, nowMs)}`)
      .join('; ');
  }
  return String(value);
}

/** The facts of a why-record, named and in words, in its order. */
export function whyFacts(why: Record<string, unknown>, nowMs = Date.now()): Array<[string, string]> {
  const metric = typeof why.metric === 'string' ? why.metric : '';
  return Object.entries(why)
    .filter(([key]) => !NOT_FACTS.has(key))
    .map(([key, value]) => [factName(key), factText(key, value, metric, nowMs)]);
}
