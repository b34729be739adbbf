/**
 * The agent reports ratios, byte rates and load per core at a stated precision (reportedPrecision.ts)
 * so that compressed history packs them: the rounding is exact where it should be, leaves every
 * other value and the special floats alone, and moves no threshold of the default pack (rounding is
 * monotonic, so a value and a threshold the rounding keeps compare as before, ties aside).
 */
import { describe, expect, it } from 'vitest';
import { atReportedPrecision } from '../../agent/probes/reportedPrecision.js';
import { METRIC_CATALOGUE, type MetricName } from '../../contract/metricCatalogue.js';
import { DEFAULT_RULES_DIR, loadRuleFiles } from '../../rules/index.js';

describe('reported precision', () => {
  // Each row: a metric, the value a probe computed, what the agent sends.
  it.each([
    { metric: 'cpu_usage_ratio', value: 1234 / 3001, sent: 0.41120 }, // busy over all jiffies
    { metric: 'filesystem_used_ratio', value: 700 / 900, sent: 0.77778 },
    { metric: 'memory_used_ratio', value: 0.25, sent: 0.25 }, // already short
    { metric: 'network_receive_bytes_per_second', value: 1_234_567 / 15.000731, sent: 82_300 }, // bytes over fractional seconds
    { metric: 'disk_read_bytes_per_second', value: 0.4, sent: 0 }, // less than a byte a second
    { metric: 'load1_per_core', value: 0.37 / 3, sent: 0.12333 },
    { metric: 'load1', value: 0.37, sent: 0.37 }, // counts as measured
    { metric: 'ping_rtt_seconds', value: 0.000123456, sent: 0.000123456 }, // seconds as measured
    { metric: 'network_receive_packets_per_second', value: 1 / 15, sent: 1 / 15 }, // one packet in 15 s stays visible
    { metric: 'cpu_iowait_ratio', value: -1e-7, sent: 0 }, // not -0
    { metric: 'cpu_usage_ratio', value: NaN, sent: NaN },
    { metric: 'network_receive_bytes_per_second', value: Infinity, sent: Infinity },
    { metric: 'network_receive_bytes_per_second', value: 1e300, sent: 1e300 }, // no decimals left to drop
  ] as Array<{ metric: MetricName; value: number; sent: number }>)('$metric: $value is sent as $sent', ({ metric, value, sent }) => {
    expect(Object.is(atReportedPrecision(metric, value), sent)).toBe(true);
  });

  it('sends values the chunk encoder reads back as short decimals (value * 10^5 an integer, exactly)', () => {
    for (let i = 0; i < 1000; i++) {
      const value = atReportedPrecision('cpu_usage_ratio', Math.abs(Math.sin(i * 12.9898)));
      const n = Math.round(value * 1e5);
      expect(n / 1e5).toBe(value);
    }
  });

  it('keeps every threshold of the default pack on a rounded metric as it is', () => {
    const rules = loadRuleFiles([DEFAULT_RULES_DIR]);
    const checked = rules.filter((rule) => rule.metric in METRIC_CATALOGUE);
    expect(checked.length).toBeGreaterThan(5);
    for (const rule of checked) {
      for (const threshold of [rule.fire.threshold, rule.clear.threshold]) {
        expect(atReportedPrecision(rule.metric as MetricName, threshold), `${rule.name} ${threshold}`).toBe(threshold);
      }
    }
  });
});
