/**
 * Turns a validated wire Report into what the store and the rules engine consume: samples with
 * the collector-side labels (`host` and the agent's own labels) attached, and each check result
 * as a `check_status` sample (its Nagios code, with the output's first line as text), so that
 * rules, backtests and rule tests see checks like any series.
 */
import { CHECK_STATUS_CODES, checkOutputLine, checkSeriesLabels, type COLLECTOR_SERIES } from '../../contract/collectorSeries.js';
import type { CheckResult } from '../../contract/report.js';
import { eachSeries, type IngestReport } from './seriesSets.js';
import type { ReportRecord } from '../store/store.js';
import type { SeriesKeyTemplates } from './seriesKeyTemplates.js';

/** Labels an observation may not set itself, because the collector owns them. */
const RESERVED_LABELS = new Set(['host']);

/**
 * With `seriesKeys`, each sample carries its series key (SeriesSample.seriesKey) made from the
 * report's shape, the shape text is written only when it is not the host's last, and the record says
 * whether its samples are each of its own series (ReportRecord.seriesOnce; without, never).
 */
export function reportToRecord(report: IngestReport, receivedAtMs: number, seriesKeys?: SeriesKeyTemplates): ReportRecord {
  const hostLabels = labelsWithHost(report.agent.labels, report.agent.hostname);
  const intervalMs = report.agent.intervalSeconds * 1000;
  const timeOf = lastTimeRemembered();
  const samples: Sample[] = [];
  const labelNames = Object.keys(report.agent.labels).join(',');
  // A run of observations of one labels object (a series set's several series of one mount or
  // device: seriesSets.ts, sharedLabels) shares one merged object: nothing changes a sample's labels.
  let lastOwn: Readonly<Record<string, string>> | undefined;
  let lastMerged: Record<string, string> = hostLabels;
  const merged = (own: Readonly<Record<string, string>>): Record<string, string> => {
    if (own !== lastOwn) {
      lastOwn = own;
      lastMerged = Object.isFrozen(own) ? mergedFromTemplate(hostLabels, labelNames, own) : mergeLabels(hostLabels, own);
    }
    return lastMerged;
  };
  if (report.observations !== undefined) {
    for (const o of report.observations) samples.push(sample(o.metric, merged(o.labels), o.value, timeOf(o.at), undefined, intervalMs));
  } else {
    // Values against a series set: the set's series, each run of values at its time.
    const { series, values, valueTimes } = report.ofSet;
    let i = 0;
    for (const { at, count } of valueTimes) {
      const atMs = timeOf(at);
      for (const end = i + count; i < end; i++) samples.push(sample(series.metrics[i]!, merged(series.labels[i]!), values[i]!, atMs, undefined, intervalMs));
    }
  }
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
export function reportShape(report: IngestReport): string {
  return JSON.stringify(report.agent.hostname) + '\n' + reportShapeBody(report);
}

/** The body of reportShape's text: everything after its first line. */
export function reportShapeBody(report: IngestReport): string {
  let text = labelsJson(report.agent.labels);
  eachSeries(report, (metric, labels) => {
    text += '\n' + metric + labelsJson(labels);
  });
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
 * report of values against the set), its merge with the labels of the first host of each set of
 * agent label names (a fleet has a few): a template, copied per sample with the host's values
 * written over it. The copy has the template's hidden class and, the template being parsed from
 * JSON, every property in the object itself, where a merge adding them one by one puts those past
 * the fourth in a property array of their own (40 bytes and more; 64 bytes a copy of five labels
 * against 96) and takes a transition per property (about 35 ns against 80 a copy). Dropped with the set.
 */
const mergedTemplates = new WeakMap<Readonly<Record<string, string>>, Map<string, Readonly<Record<string, string>>>>();

/** The sets of agent label names a frozen labels object keeps a template for; hosts of others are merged property by property. */
export const MAX_TEMPLATES_PER_LABELS = 8;

/**
 * mergeLabels(hostLabels, own), `own` frozen and `labelNames` the agent's label names in their order
 * (joined by commas, which no name holds): the same names in the same order, and the same values.
 */
function mergedFromTemplate(hostLabels: Readonly<Record<string, string>>, labelNames: string, own: Readonly<Record<string, string>>): Record<string, string> {
  let byNames = mergedTemplates.get(own);
  if (byNames === undefined) mergedTemplates.set(own, (byNames = new Map()));
  let template = byNames.get(labelNames);
  if (template === undefined) {
    if (byNames.size >= MAX_TEMPLATES_PER_LABELS) return mergeLabels(hostLabels, own);
    // Parsed from its JSON: an object that JSON.parse makes holds its properties in itself, and so do its copies.
    byNames.set(labelNames, (template = JSON.parse(JSON.stringify(mergeLabels(hostLabels, own))) as Record<string, string>));
  }
  const merged = { ...template };
  // The host's own values where the observation's labels do not set the name (its values win in a merge, and are the template's).
  for (const key in hostLabels) if (key === 'host' || !Object.hasOwn(own, key)) merged[key] = hostLabels[key]!;
  return merged;
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
