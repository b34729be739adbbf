/**
 * Assembles a Report that the collector will accept: within the contract's item limits and a byte
 * budget (so the collector never answers 413), without observations the schema would refuse (a
 * NaN becomes null in JSON; an over-long label value) since one would fail the whole report, and
 * with check output cut to the contract's length.
 */
import type { AgentIdentity, CheckResult, Observation, Report } from '../../contract/report.js';
// The contract's limits, which its schema is built from (so that the two cannot drift apart), without the schema's TypeBox.
import { MAX_CHECK_OUTPUT_LENGTH as MAX_CHECK_OUTPUT, MAX_LABEL_VALUE_LENGTH as MAX_LABEL_VALUE, MAX_REPORT_CHECKS, MAX_REPORT_OBSERVATIONS, REPORT_SCHEMA_VERSION } from '../../contract/reportLimits.js';

export { MAX_REPORT_OBSERVATIONS };

/** Default uncompressed size budget: under the collector's default `maxBodyBytes` (4 MiB). */
export const DEFAULT_MAX_REPORT_BYTES = 4 * 1024 * 1024 - 64 * 1024;

/** What goes into one report. */
export interface ReportParts {
  agent: AgentIdentity;
  sequence: number;
  sentAt: Date;
  observations: readonly Observation[];
  checks: readonly CheckResult[];
  /** Budget of the uncompressed JSON body. */
  maxBytes?: number;
}

/** The report and what had to be left out of it. */
export interface BuiltReport {
  report: Report;
  /** `JSON.stringify(report)` when it was computed on the way (so that it is not done twice). */
  json?: string;
  /** Valid observations left out over the item or byte limit. */
  omittedObservations: number;
  /** Observations left out because the schema would refuse them (non-finite value, label value too long). */
  invalidObservations: number;
  omittedChecks: number;
}

/** Builds a report; observations beyond the limits are cut from the end, so earlier probes win. */
export function buildReport(parts: ReportParts): BuiltReport {
  const maxBytes = parts.maxBytes ?? DEFAULT_MAX_REPORT_BYTES;
  const checks = parts.checks.slice(0, MAX_REPORT_CHECKS).map((check) =>
    check.output.length > MAX_CHECK_OUTPUT ? { ...check, output: check.output.slice(0, MAX_CHECK_OUTPUT) } : check,
  );
  // Copied only when some observation must go: the usual report keeps every one.
  const valid = parts.observations.every(isAcceptable) ? parts.observations : parts.observations.filter(isAcceptable);
  const skeleton: Report = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    agent: parts.agent,
    sequence: parts.sequence,
    sentAt: parts.sentAt.toISOString(),
    observations: [],
    checks,
  };
  // The common case, a report within both limits, is serialised once and that JSON is kept for
  // the upload; only an oversized one is measured observation by observation.
  if (valid.length <= MAX_REPORT_OBSERVATIONS) {
    // The report carries the caller's list when nothing was left out: nothing changes it after this.
    const report: Report = { ...skeleton, observations: valid as Observation[] };
    const json = JSON.stringify(report);
    // A string of n UTF-16 units is at most 3n UTF-8 bytes: most reports need no byte count.
    if (json.length * 3 <= maxBytes || Buffer.byteLength(json) <= maxBytes) {
      return { report, json, omittedObservations: 0, invalidObservations: parts.observations.length - valid.length, omittedChecks: parts.checks.length - checks.length };
    }
  }
  let bytes = Buffer.byteLength(JSON.stringify(skeleton));
  const observations: Observation[] = [];
  for (const item of valid) {
    if (observations.length >= MAX_REPORT_OBSERVATIONS) break;
    bytes += Buffer.byteLength(JSON.stringify(item)) + 1;
    if (bytes > maxBytes) break;
    observations.push(item);
  }
  return {
    report: { ...skeleton, observations },
    omittedObservations: valid.length - observations.length,
    invalidObservations: parts.observations.length - valid.length,
    omittedChecks: parts.checks.length - checks.length,
  };
}

function isAcceptable(item: Observation): boolean {
  if (!Number.isFinite(item.value)) return false;
  // A loop, not Object.values().every(): no array and no closure per observation.
  const labels = item.labels;
  for (const key in labels) if (labels[key]!.length > MAX_LABEL_VALUE) return false;
  return true;
}
