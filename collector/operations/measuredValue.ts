/**
 * A measured value as an operator reads it: rounded (three significant digits below 1, three
 * decimals at most above), in the unit its metric's name states (the metric catalogue's), so that
 * `3.0138000000000003` reads `3.014` and a ratio of `0.95001220703125` reads `95%`.
 */
import { isMetricName, METRIC_CATALOGUE, type MetricUnit } from '../../contract/metricCatalogue.js';
import { formatBytes, formatNumber, formatPercent, formatSeconds } from '../../rules/index.js';

export function measuredValue(value: unknown, metric: unknown): string | null {
  if (typeof value !== 'number') return null;
  const unit = (typeof metric === 'string' && isMetricName(metric) ? METRIC_CATALOGUE[metric].unit : undefined) as MetricUnit | undefined;
  switch (unit) {
    case 'ratio':
      return formatPercent(value);
    case 'bytes':
      return formatBytes(value);
    case 'bytes_per_second':
      return `${formatBytes(value)}/s`;
    case 'seconds':
      return formatSeconds(value);
    case 'per_second':
      return `${formatNumber(value)}/s`;
    case 'celsius':
      return `${formatNumber(value)} °C`;
    case 'count':
    case 'boolean':
    case 'status':
    case undefined:
      return formatNumber(value);
    default:
      return unit satisfies never;
  }
}
