/**
 * The precision the agent reports values at, so that the collector's compressed history stores them
 * in a few bits (issue 15): a double computed by a division (busy jiffies over all jiffies, bytes
 * over the monotonic clock's fractional seconds) has a mantissa with no structure that no lossless
 * store can shrink, where the same value rounded to a stated precision is a short decimal that the
 * chunk encoder packs as an integer.
 *
 * What rounding loses is below anything an operator or a rule can see:
 * - ratios to 5 decimals (0.001 % of the whole): the console shows percent to one decimal, the
 *   default pack's thresholds have two; the error (at most 0.000005) is a sixth of one jiffy of a
 *   2-core host's 15-s interval (1 / 3,000), the CPU counters' own resolution, and a ten-thousandth
 *   of a 1 TB disk's 1 % step;
 * - byte rates to whole bytes per second: the smallest thing an interface or a disk moves is a
 *   frame or a sector of 60-512 bytes, and thresholds are in kB/s to GB/s;
 * - load per core to 5 decimals: the kernel's load average has two (0.01), so 0.01 / cores keeps
 *   its value for up to 1,000 cores.
 * Counts, bytes and seconds are sent as measured (whole numbers, or a probe's own decimals).
 */
import { METRIC_CATALOGUE, type MetricName, type MetricUnit } from '../../contract/metricCatalogue.js';

/** Decimal places kept, by unit; units not listed are sent as measured. */
const DECIMALS_BY_UNIT: Partial<Record<MetricUnit, number>> = { ratio: 5, bytes_per_second: 0 };
/** Decimal places kept, by metric, where the unit says nothing (a count divided by the cores). */
const DECIMALS_BY_METRIC: Partial<Record<MetricName, number>> = { load1_per_core: 5 };

/**
 * 10 ** decimals kept, by metric, for the catalogued metrics that are rounded: looked up once per
 * observation in one Map instead of in the two tables and the catalogue.
 */
const SCALES: ReadonlyMap<string, number> = new Map(
  Object.entries(METRIC_CATALOGUE).flatMap(([metric, { unit }]) => {
    const decimals = DECIMALS_BY_METRIC[metric as MetricName] ?? DECIMALS_BY_UNIT[unit as MetricUnit];
    return decimals === undefined ? [] : [[metric, 10 ** decimals] as const];
  }),
);

/** `value` of `metric` at the precision the agent reports it (see the module comment). */
export function atReportedPrecision(metric: MetricName, value: number): number {
  const scale = SCALES.get(metric);
  if (scale === undefined || !Number.isFinite(value)) return value;
  // + 0: a tiny negative rounds to 0, not -0 (which a store keeps as a 64-bit exception).
  const rounded = (Math.round(value * scale) + 0) / scale;
  // A value so large that scaling overflows has no decimals left to drop.
  return Number.isFinite(rounded) ? rounded : value;
}
