/**
 * Assembles a Report that the collector will accept: within the contract's item limits and a byte
 * budget (so the collector never answers 413), without observations the schema would refuse (a
 * NaN becomes null in JSON; an over-long label value) since one would fail the whole report, and
 * with check output cut to the contract's length.
 *
 * Series sets (contract/report.ts): a full report asks the collector to name the set of its series
 * (`wantsSeriesSet`); when the answer names one, the agent keeps it with the report's series
 * (`seriesOf`, worked out then rather than in every full report: an older collector never names
 * one). A later report whose series are exactly those, in that order, is written as their values
 * against the set (a compact report), about a fifth of the full JSON; its `report` stays the full
 * one, which the sender spools and sends again if the collector does not know the set.
 */
import type { AgentIdentity, CheckResult, Observation, Report } from '../../contract/report.js';
// The contract's limits, which its schema is built from (so that the two cannot drift apart), without the schema's TypeBox.
import { MAX_CHECK_OUTPUT_LENGTH as MAX_CHECK_OUTPUT, MAX_LABEL_VALUE_LENGTH as MAX_LABEL_VALUE, MAX_REPORT_CHECKS, MAX_REPORT_OBSERVATIONS, REPORT_SCHEMA_VERSION } from '../../contract/reportLimits.js';

export { MAX_REPORT_OBSERVATIONS };

/** Default uncompressed size budget: under the collector's default `maxBodyBytes` (4 MiB). */
export const DEFAULT_MAX_REPORT_BYTES = 4 * 1024 * 1024 - 64 * 1024;

/**
 * The series of a report's observations, in order, as a later report's are compared with them: the
 * text of each (`pieceOf`), and its metric and labels object when the labels were frozen (the same
 * frozen object and metric is the same text, found without a lookup).
 */
export interface ReportSeries {
  pieces: readonly string[];
  metrics: readonly string[];
  frozenLabels: readonly (Observation['labels'] | undefined)[];
}

/** A series set a collector named, and its series in the set's order. */
export interface SeriesSet {
  id: string;
  series: ReportSeries;
}

/** What goes into one report. */
export interface ReportParts {
  agent: AgentIdentity;
  sequence: number;
  sentAt: Date;
  observations: readonly Observation[];
  checks: readonly CheckResult[];
  /** Budget of the uncompressed JSON body. */
  maxBytes?: number;
  /**
   * The series sets the agent holds, the most recently named first: a report of exactly the series of
   * one of them, all with finite values, is written against it. More than one, because a host's
   * series may take turns: a probe on its own schedule (the gateway ping every 30 s against a 15-s
   * cycle, a Nagios plugin) is in every other report, and with one set the agent would write every
   * report in full, each naming the set the next one is not of.
   */
  seriesSets?: readonly SeriesSet[];
}

/** The report and what had to be left out of it. */
export interface BuiltReport {
  report: Report;
  /**
   * `JSON.stringify(report)` when it was computed on the way (so that it is not done twice); for a
   * compact report, the report as values against one of `parts.seriesSets`, and `report` its full form.
   */
  json?: string;
  /** True when `json` is the compact form (`seriesSet`, `values`, `valueTimes`) of `report`. */
  compact: boolean;
  /**
   * A compact report's series (the set's own): sent in full when the collector does not know the
   * set, it asks, and the answer may name the set again. A full report's are `seriesOf` its observations.
   */
  series?: ReportSeries;
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
  const omittedChecks = parts.checks.length - checks.length;
  // The usual cycle of an agent that holds a set: the same series as the report that named it.
  for (const seriesSet of parts.seriesSets ?? NO_SETS) {
    if (parts.observations.length !== seriesSet.series.pieces.length) continue;
    const json = compactJson(skeleton, parts.observations, seriesSet);
    if (json === undefined) continue;
    if (!fits(json, maxBytes)) break;
    // Its full form, which reportJson would write, is made only if the spool or a resend needs it.
    const report = withObservations(skeleton, parts.observations as Observation[], true);
    return { report, json, compact: true, series: seriesSet.series, omittedObservations: 0, invalidObservations: 0, omittedChecks };
  }
  // The common full report, within both limits and with every observation acceptable, is
  // serialised once and that JSON is kept for the upload; only an oversized one is measured
  // observation by observation.
  if (parts.observations.length <= MAX_REPORT_OBSERVATIONS) {
    // The report carries the caller's list: nothing changes it after this.
    const report = fullReport(skeleton, parts.observations as Observation[]);
    const json = reportJson(report);
    if (json !== undefined && fits(json, maxBytes)) return { report, json, compact: false, omittedObservations: 0, invalidObservations: 0, omittedChecks };
  }
  const valid = parts.observations.filter(isAcceptable);
  if (valid.length <= MAX_REPORT_OBSERVATIONS && valid.length < parts.observations.length) {
    const report = fullReport(skeleton, valid);
    const json = reportJson(report)!;
    if (fits(json, maxBytes)) return { report, json, compact: false, omittedObservations: 0, invalidObservations: parts.observations.length - valid.length, omittedChecks };
  }
  let bytes = Buffer.byteLength(JSON.stringify(skeleton));
  const observations: Observation[] = [];
  for (const item of valid) {
    if (observations.length >= MAX_REPORT_OBSERVATIONS) break;
    bytes += Buffer.byteLength(JSON.stringify(item)) + 1;
    if (bytes > maxBytes) break;
    observations.push(item);
  }
  // Cut to fit, it does not ask for a set: a report this large is rare, and its JSON is not kept.
  return {
    report: withObservations(skeleton, observations, false),
    compact: false,
    omittedObservations: valid.length - observations.length,
    invalidObservations: parts.observations.length - valid.length,
    omittedChecks,
  };
}

const NO_SETS: readonly SeriesSet[] = [];

/** Whether a JSON text is within the byte budget: a string of n UTF-16 units is at most 3n UTF-8 bytes, so most need no count. */
function fits(json: string, maxBytes: number): boolean {
  return json.length * 3 <= maxBytes || Buffer.byteLength(json) <= maxBytes;
}

/** The full report of these observations, asking for its series set when it has any. */
function fullReport(skeleton: Report, observations: Observation[]): Report {
  return withObservations(skeleton, observations, observations.length > 0);
}

/**
 * The skeleton with these observations (in its place, so the JSON's order is the skeleton's) and,
 * when it asks for one, `wantsSeriesSet` last. Not `{ ...skeleton, observations }`: a spread that
 * goes on makes a hidden class a cycle (README, Development); Object.assign onto `{}` and stores
 * follow transitions every report shares.
 */
function withObservations(skeleton: Report, observations: Observation[], wantsSeriesSet: boolean): Report {
  const report = Object.assign({}, skeleton);
  report.observations = observations;
  if (wantsSeriesSet) report.wantsSeriesSet = true;
  return report;
}

/**
 * The series of a report's observations (which the builder let in, so each has a text), for the
 * set the collector named for that report.
 */
export function seriesOf(observations: readonly Observation[]): ReportSeries {
  const count = observations.length;
  const series = { pieces: new Array<string>(count), metrics: new Array<string>(count), frozenLabels: new Array<Observation['labels'] | undefined>(count) };
  for (let i = 0; i < count; i++) {
    const { metric, labels } = observations[i]!;
    series.pieces[i] = pieceOf(metric, labels)!;
    series.metrics[i] = metric;
    series.frozenLabels[i] = Object.isFrozen(labels) ? labels : undefined;
  }
  return series;
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
 * `JSON.stringify(report)` for a report of the skeleton's fields (and `wantsSeriesSet`), or
 * undefined when an observation is not acceptable (a non-finite value, which JSON would make null,
 * or a label value too long): the same text for observations made by `observation()` (keys in the
 * schema's order), the same JSON value for any. One pass that checks each observation and collects
 * the cached piece of its series, its value and its timestamp, then one Array.prototype.join,
 * instead of a validity pass and JSON.stringify walking ~100 observation and labels objects: the
 * interpreter-only agent runs a few bytecodes per observation, and the string is made flat and
 * whole at once (JSON.stringify's is a rope of parts, which the upload's write copies once more).
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
  pieces[p] = `],"checks":${JSON.stringify(report.checks)}${report.wantsSeriesSet === true ? ',"wantsSeriesSet":true' : ''}}`;
  return pieces.join('');
}

/**
 * The JSON of a compact report: the skeleton's fields without `observations` (absent, not empty: a
 * collector of an earlier release, whose schema requires them, refuses the report instead of
 * storing it empty), then `seriesSet`, the values as JSON numbers and their times in runs of equal
 * `at` (the schema's order, so the text is JSON.stringify's of the same object); undefined when an
 * observation's series is not the set's at its place or its value is not finite. One pass and one
 * join, as reportJson: the series are compared, not written; a probe's frozen labels object and
 * metric are those of the set's series at that place (two pointer tests), other labels are compared
 * by their text. Looking each series' text up in pieceOf's cache was a third of this function's
 * time in the interpreter.
 */
function compactJson(skeleton: Report, observations: readonly Observation[], seriesSet: SeriesSet): string | undefined {
  const { pieces, metrics, frozenLabels } = seriesSet.series;
  const count = observations.length;
  if (count === 0) return undefined;
  // Joined with commas: the first value carries the head, the last the tail.
  const parts = new Array<string | number>(count);
  let runs = '';
  let at = observations[0]!.at;
  let runStart = 0;
  for (let i = 0; i < count; i++) {
    const item = observations[i]!;
    if (!Number.isFinite(item.value)) return undefined;
    if ((item.labels !== frozenLabels[i] || item.metric !== metrics[i]) && pieceOf(item.metric, item.labels) !== pieces[i]) return undefined;
    if (item.at !== at) {
      runs += `{"at":${JSON.stringify(at)},"count":${i - runStart}},`;
      at = item.at;
      runStart = i;
    }
    parts[i] = item.value;
  }
  runs += `{"at":${JSON.stringify(at)},"count":${count - runStart}}`;
  parts[count - 1] = `${parts[count - 1]!}],"valueTimes":[${runs}]}`;
  parts[0] = `{"schemaVersion":${skeleton.schemaVersion},"agent":${JSON.stringify(skeleton.agent)},"sequence":${skeleton.sequence},"sentAt":${JSON.stringify(skeleton.sentAt)},"checks":${JSON.stringify(skeleton.checks)},"seriesSet":${JSON.stringify(seriesSet.id)},"values":[${parts[0]!}`;
  return parts.join(',');
}
