/**
 * The formatting filters templates may apply to numbers: `number`, `percent`, `bytes`, `seconds`.
 * Each turns a number into the text a human expects in a ticket title.
 */
import { formatDuration } from '../../config/duration.js';

/** The filter names accepted after `|` in a template. */
export type TemplateFilter = 'number' | 'percent' | 'bytes' | 'seconds';

/** Every filter, for validation and "did you mean" hints. */
export const TEMPLATE_FILTERS: readonly TemplateFilter[] = ['number', 'percent', 'bytes', 'seconds'];

/** Applies `filter` to a finite or non-finite number. */
export function applyFilter(filter: TemplateFilter, value: number): string {
  switch (filter) {
    case 'number':
      return formatNumber(value);
    case 'percent':
      return formatPercent(value);
    case 'bytes':
      return formatBytes(value);
    case 'seconds':
      return formatSeconds(value);
    default:
      return assertNever(filter);
  }
}

/**
 * Up to three decimals for values of 1 or more (`12345.678`, `2.5`), three significant digits below 1
 * (`0.934`, `0.000123`), trailing zeros dropped. Also the default for numbers printed without a filter.
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  return Math.abs(value) >= 1 ? String(Number(value.toFixed(3))) : String(Number(value.toPrecision(3)));
}

/** A ratio as a percentage: 0.934 -> "93.4%", 0.9 -> "90%", 0.0004 -> "0.04%". */
export function formatPercent(ratio: number): string {
  if (!Number.isFinite(ratio)) return `${String(ratio)}%`;
  const percent = ratio * 100;
  if (percent === 0) return '0%';
  const text = Math.abs(percent) >= 1 ? String(Number(percent.toFixed(1))) : String(Number(percent.toPrecision(2)));
  return `${text}%`;
}

const IEC_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;

/** Bytes in IEC units with three significant digits: 1610612736 -> "1.5 GiB", 512 -> "512 B". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return `${String(bytes)} B`;
  let scaled = Math.abs(bytes);
  let unit = 0;
  while (scaled >= 1024 && unit < IEC_UNITS.length - 1) {
    scaled /= 1024;
    unit++;
  }
  const text = unit === 0 ? String(Math.round(scaled)) : String(Number(scaled.toPrecision(3)));
  return `${bytes < 0 ? '-' : ''}${text} ${IEC_UNITS[unit]!}`;
}

/** Seconds as a compact human duration: 90 -> "1m30s", 0.25 -> "250ms"; Infinity -> "never" (a prediction that never gets there). */
export function formatSeconds(seconds: number): string {
  if (seconds === Infinity) return 'never';
  if (!Number.isFinite(seconds)) return `${String(seconds)}s`;
  return seconds < 0 ? `-${formatDuration(-seconds)}` : formatDuration(seconds);
}

function assertNever(value: never): never {
  throw new Error(`unexpected template filter ${String(value)}`);
}
