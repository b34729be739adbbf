/**
 * What a probe is and what it returns. One file per probe lives in `agent/probes/`; each exports a
 * factory that returns a `Probe`. The agent runs probes isolated from each other (see
 * `probeRunner.ts`), so a probe may simply throw when it cannot observe.
 */
import type { CheckResult, Observation } from '../../contract/report.js';
import { METRIC_CATALOGUE, type MetricName } from '../../contract/metricCatalogue.js';
import { atReportedPrecision } from './reportedPrecision.js';

/** What one run of a probe observed. */
export interface ProbeResult {
  observations: Observation[];
  /** Check results the probe decides itself (e.g. one per TCP target). */
  checks?: CheckResult[];
}

/** A source of observations, run once per cycle. */
export interface Probe {
  /** Short, stable name; the runner reports the probe's health as check `probe:<name>`. */
  readonly name: string;
  /** How long one run may take before it is reported as unknown; the runner's default when absent. */
  readonly timeoutSeconds?: number;
  /**
   * Observes the system; `now` is the cycle's timestamp, used as every observation's `at`. A probe
   * that only reads `/proc` or `/sys` answers synchronously (the runner then spends no promise and no
   * timer on it); one that waits on the kernel, the network or a process returns a promise, which
   * the runner bounds by `timeoutSeconds`.
   */
  collect(now: Date): ProbeResult | Promise<ProbeResult>;
}

/** The labels a catalogued metric requires, as an object type. */
export type LabelsOf<M extends MetricName> = {
  readonly [K in (typeof METRIC_CATALOGUE)[M]['labels'][number]]: string;
};

/** The labels of every series without labels (cpu_usage_ratio, load1...): one object for all, none made per observation. */
export const NO_LABELS: Readonly<Record<string, never>> = Object.freeze({});

/**
 * Builds one observation of a catalogued metric, its value at the precision the agent reports
 * (reportedPrecision.ts). The label set is checked against the catalogue at compile time, so a probe
 * cannot emit an undocumented metric or label.
 */
export function observation<M extends MetricName>(metric: M, value: number, labels: LabelsOf<NoInfer<M>>, at: Date): Observation {
  // The labels object is shared, not copied: nothing changes an observation's labels once made.
  return { metric, labels, value: atReportedPrecision(metric, value), at: isoTimestamp(at) };
}

let lastTimestampMs = NaN;
let lastTimestamp = '';

/**
 * `at.toISOString()`, formatted once for the many observations of a cycle that share one timestamp
 * (about a hundred per report).
 */
export function isoTimestamp(at: Date): string {
  const ms = at.getTime();
  if (ms !== lastTimestampMs) {
    lastTimestamp = at.toISOString();
    lastTimestampMs = ms;
  }
  return lastTimestamp;
}
