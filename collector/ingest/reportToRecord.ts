/**
 * Turns a validated wire Report into what the store and the rules engine consume: samples with
 * the collector-side labels (`host` and the agent's own labels) attached, and each check result
 * as a `check_status` sample (its Nagios code, with the output's first line as text), so that
 * rules, backtests and rule tests see checks like any series.
 */
import { CHECK_STATUS_CODES, checkOutputLine, checkSeriesLabels, type COLLECTOR_SERIES } from '../../contract/collectorSeries.js';
import type { CheckResult, Report } from '../../contract/report.js';
import type { ReportRecord } from '../store/store.js';
import type { SeriesKeyTemplates } from './seriesKeyTemplates.js';

/** Labels an observation may not set itself, because the collector owns them. */
const RESERVED_LABELS = new Set(['host']);

/**
 * With `seriesKeys`, each sample carries its series key (SeriesSample.seriesKey) made from the
 * report's shape, the shape text is written only when it is not the host's last, and the record says
 * whether its samples are each of its own series (ReportRecord.seriesOnce; without, never).
 */
export function reportToRecord(report: Report, receivedAtMs: number, seriesKeys?: SeriesKeyTemplates): ReportRecord {
  const hostLabels = labelsWithHost(report.agent.labels, report.agent.hostname);
  const intervalMs = report.agent.intervalSeconds * 1000;
  const timeOf = lastTimeRemembered();
  const samples: Sample[] = [];
  const hostOnly = !hasLabels(report.agent.labels);
  for (const o of report.observations) samples.push(sample(o.metric, hostOnly && Object.isFrozen(o.labels) ? mergedFromTemplate(report.agent.hostname, o.labels) : mergeLabels(hostLabels, o.labels), o.value, timeOf(o.at), undefined, intervalMs));
  for (const check of report.checks) samples.push(checkSample(check, hostLabels, intervalMs, timeOf));
  const resolved = seriesKeys?.resolve(report, samples);
  return {
    agentId: report.agent.id,
    hostname: report.agent.hostname,
    labels: report.agent.labels,
    version: report.agent.version,
    intervalSeconds: report.agent.intervalSeconds,
    ...(report.agent.addresses === undefined ? {} : { addresses: report.agent.addresses }),
    ...(report.agent.defaultGateway === undefined ? {} : { defaultGateway: report.agent.defaultGateway }),
    ...(report.inventory === undefined ? {} : { inventory: report.inventory }),
    sequence: report.sequence,
    receivedAtMs,
    samples,
    checks: report.checks,
    shape: resolved === undefined ? { head: JSON.stringify(report.agent.hostname), body: reportShapeBody(report) } : { head: resolved.head, body: resolved.body },
    seriesOnce: resolved?.seriesOnce === true,
  };
}

/**
 * The shape of a report: its host name, then its agent labels, then per observation its metric and
 * labels as sent, then the check names. Two reports of a host with equal shapes have the same series
 * in the same order (the series' labels follow from exactly these), so the store can reuse the last
 * one's series ids without canonicalising a label. Unambiguous: metric names hold neither `{` nor a
 * line break, JSON holds no raw line break, and check lines alone start with `"`. The host name
 * alone is the first line, so that everything after it is the same text for the hosts of one role
 * and the store keeps one copy of it (reportShapes.ts).
 */
export function reportShape(report: Report): string {
  return JSON.stringify(report.agent.hostname) + '\n' + reportShapeBody(report);
}

/** The body of reportShape's text: everything after its first line. */
export function reportShapeBody(report: Report): string {
  let text = labelsJson(report.agent.labels);
  for (const o of report.observations) text += '\n' + o.metric + labelsJson(o.labels);
  for (const check of report.checks) text += '\n' + JSON.stringify(check.name);
  return text;
}

/**
 * `JSON.stringify(labels)`, without the call for an empty set: a call costs about 0.3 µs however
 * small the object, and a report's unlabelled series (cpu, memory, load) are a sixth of its shape's.
 */
function labelsJson(labels: Readonly<Record<string, string>>): string {
  for (const _ in labels) return JSON.stringify(labels);
  return '{}';
}

type Sample = { -readonly [K in keyof ReportRecord['samples'][number]]: ReportRecord['samples'][number][K] };

/**
 * A sample with every field present, set or undefined: all samples of every report then share one
 * object layout, and the rules engine's and the store's loops over them read each field in one step
 * rather than telling apart plain, check and keyed samples.
 */
function sample(metric: string, labels: Record<string, string>, value: number, atMs: number, text: string | undefined, intervalMs: number): Sample {
  return { metric, labels, value, atMs, text, intervalMs, seriesKey: undefined };
}

/** The `check_status` sample of one check result. */
function checkSample(check: CheckResult, hostLabels: Record<string, string>, intervalMs: number, timeOf: (at: string) => number): Sample {
  return sample(CHECK_STATUS_METRIC, mergeLabels(hostLabels, checkSeriesLabels(check.name)), CHECK_STATUS_CODES[check.status], timeOf(check.at), checkOutputLine(check.output), intervalMs);
}

/** Date.parse that remembers its last text: the observations of one report mostly share their time. */
function lastTimeRemembered(): (at: string) => number {
  let lastAt: string | undefined;
  let lastMs = NaN;
  return (at) => {
    if (at !== lastAt) {
      lastMs = Date.parse(at);
      lastAt = at;
    }
    return lastMs;
  };
}

const CHECK_STATUS_METRIC: keyof typeof COLLECTOR_SERIES = 'check_status';

/**
 * For each frozen labels object of an observation (a series set's: seriesSets.ts, shared by every
 * report of values against the set), its labels merged with an agent's that has none but `host`,
 * the host's value left empty: one object to copy per sample instead of a merge, whose properties,
 * added one by one, also took a second allocation for those past the first. Dropped with the set.
 */
const mergedTemplates = new WeakMap<Readonly<Record<string, string>>, Record<string, string>>();

/** mergeLabels of `own` (frozen) with the labels of an agent that has none: the same names in the same order. */
function mergedFromTemplate(hostname: string, own: Readonly<Record<string, string>>): Record<string, string> {
  let template = mergedTemplates.get(own);
  if (template === undefined) mergedTemplates.set(own, (template = mergeLabels({ host: '' }, own)));
  const merged = { ...template };
  merged.host = hostname;
  return merged;
}

function hasLabels(labels: Readonly<Record<string, string>>): boolean {
  for (const _ in labels) return true;
  return false;
}

/**
 * `{ ...labels, host: hostname }`, without the spread: V8 (11.3, Node 20) gives an object literal
 * that starts with a spread and adds properties after it (and an object a spread made, once a
 * property is added to it) a hidden class of its own every time, made in the runtime and garbage
 * only a full collection frees; Object.assign onto `{}` and plain stores follow the transitions
 * that objects of the same names share. The same object otherwise: label names never start with
 * `__` (contract/report.ts), so assigning cannot reach `__proto__`'s setter.
 */
export function labelsWithHost(labels: Readonly<Record<string, string>>, hostname: string): Record<string, string> {
  const merged: Record<string, string> = Object.assign({}, labels);
  merged.host = hostname;
  return merged;
}

function mergeLabels(hostLabels: Record<string, string>, own: Readonly<Record<string, string>>): Record<string, string> {
  // Object.assign, not a spread: see labelsWithHost.
  const merged: Record<string, string> = Object.assign({}, hostLabels);
  for (const key in own) if (!RESERVED_LABELS.has(key)) merged[key] = own[key]!;
  merged.host = hostLabels.host!;
  return merged;
}
