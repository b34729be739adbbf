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
  const skeleton: Report = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    agent: parts.agent,
    sequence: parts.sequence,
    sentAt: parts.sentAt.toISOString(),
    observations: [],
    checks,
  };
  // The common case, a report within both limits and with every observation acceptable, is
  // serialised once and that JSON is kept for the upload; only an oversized one is measured
  // observation by observation.
  if (parts.observations.length <= MAX_REPORT_OBSERVATIONS) {
    // The report carries the caller's list: nothing changes it after this.
    const report: Report = { ...skeleton, observations: parts.observations as Observation[] };
    const json = reportJson(report);
    // A string of n UTF-16 units is at most 3n UTF-8 bytes: most reports need no byte count.
    if (json !== undefined && (json.length * 3 <= maxBytes || Buffer.byteLength(json) <= maxBytes)) {
      return { report, json, omittedObservations: 0, invalidObservations: 0, omittedChecks: parts.checks.length - checks.length };
    }
  }
  const valid = parts.observations.filter(isAcceptable);
  if (valid.length <= MAX_REPORT_OBSERVATIONS && valid.length < parts.observations.length) {
    const report: Report = { ...skeleton, observations: valid };
    const json = reportJson(report)!;
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
  return Number.isFinite(item.value) && pieceOf(item.metric, item.labels) !== undefined;
}

/**
 * The JSON of an observation up to its value (`{"metric":"load1","labels":{},"value":`), by frozen
 * labels object and metric; undefined for labels the schema refuses (a value over MAX_LABEL_VALUE).
 * The probes make each series' labels once and freeze them, so that this is computed once per
 * series, not per report: a frozen object cannot change, so its text cannot go stale, and an entry
 * goes with its labels object (a WeakMap). Labels that are not frozen are serialised every time.
 */
const PIECES = new WeakMap<object, Map<string, string | undefined>>();

function pieceOf(metric: string, labels: Observation['labels']): string | undefined {
  // Only frozen objects are ever keys: a hit needs no isFrozen check (frozen is for good).
  let byMetric = PIECES.get(labels);
  if (byMetric === undefined) {
    if (!Object.isFrozen(labels)) return labelsAcceptable(labels) ? observationPiece(metric, labels) : undefined;
    PIECES.set(labels, (byMetric = new Map()));
  }
  let piece = byMetric.get(metric);
  if (piece === undefined && !byMetric.has(metric)) byMetric.set(metric, (piece = labelsAcceptable(labels) ? observationPiece(metric, labels) : undefined));
  return piece;
}

function labelsAcceptable(labels: Observation['labels']): boolean {
  // A loop, not Object.values().every(): no array and no closure per observation.
  for (const key in labels) if (labels[key]!.length > MAX_LABEL_VALUE) return false;
  return true;
}

function observationPiece(metric: string, labels: Observation['labels']): string {
  return `{"metric":${JSON.stringify(metric)},"labels":${JSON.stringify(labels)},"value":`;
}

/**
 * `JSON.stringify(report)` for a report of the skeleton's fields, or undefined when an observation
 * is not acceptable (a non-finite value, which JSON would make null, or a label value too long):
 * the same text for observations made by `observation()` (keys in the schema's order), the same
 * JSON value for any. One pass that checks each observation and collects the cached piece of its
 * series, its value and its timestamp, then one Array.prototype.join, instead of a validity pass
 * and JSON.stringify walking ~100 observation and labels objects: the interpreter-only agent runs a
 * few bytecodes per observation, and the string is made flat and whole at once (JSON.stringify's
 * is a rope of parts, which the upload's write copies once more).
 */
function reportJson(report: Report): string | undefined {
  const { observations } = report;
  // The head, then per observation its piece, value and `,"at":…},`, then the tail.
  const pieces = new Array<string | number>(observations.length * 3 + 2);
  pieces[0] = `{"schemaVersion":${report.schemaVersion},"agent":${JSON.stringify(report.agent)},"sequence":${report.sequence},"sentAt":${JSON.stringify(report.sentAt)},"observations":[`;
  let at: string | undefined;
  let atPiece = '';
  let p = 1;
  for (let i = 0; i < observations.length; i++) {
    const item = observations[i]!;
    const piece = pieceOf(item.metric, item.labels);
    if (piece === undefined || !Number.isFinite(item.value)) return undefined;
    if (item.at !== at) {
      at = item.at;
      atPiece = `,"at":${JSON.stringify(at)}},`;
    }
    pieces[p++] = piece;
    pieces[p++] = item.value;
    pieces[p++] = atPiece;
  }
  // The last observation's comma goes.
  if (p > 1) pieces[p - 1] = atPiece.slice(0, -1);
  pieces[p] = `],"checks":${JSON.stringify(report.checks)}}`;
  return pieces.join('');
}
