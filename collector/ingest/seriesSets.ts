/**
 * Series sets: the series of a report's observations (each one's metric and labels, in order),
 * named, so that an agent whose next reports have the same series sends their values alone
 * (contract/report.ts: `wantsSeriesSet`, then `seriesSet`, `values` and `valueTimes`). An agent
 * sends the same series every cycle; written out, they were most of a report's JSON (a default
 * report's 60 observations: 7.8 of its 8.6 kB on the wire as bench/benchReport.ts makes it), and
 * most of what the collector parsed, validated and let go of again per report.
 *
 * A set's name is the first 128 bits of a SHA-256 of its series' text (base64url), computed here,
 * never taken from an agent: the name says what the set is, so the hosts of one role share one set
 * and one agent cannot name series for another. The registry is this process's memory only: a
 * collector that restarted, or another collector of a cluster, does not know a set, and answers a
 * report against it with TRIPLINE_UNKNOWN_SERIES_SET (409); the agent then sends that report again
 * with its observations, which names the set again. So nothing about sets is stored, and a set is
 * worth keeping only while agents use it: one unused for an hour goes when room is needed, and
 * while the registry is full of sets in use no new set is named (the agents asking keep sending
 * whole reports), so that a fleet of more distinct series than MAX_SERIES_SETS never makes
 * agents go round between a name and a 409.
 */
import { createHash } from 'node:crypto';
import type { Observation, Report, WireReport } from '../../contract/report.js';

/** Sets kept at most. A set of a default report's 60 series holds about 8 kB; the hosts of one role share theirs. */
export const MAX_SERIES_SETS = 4096;

/**
 * Series in all kept sets together at most: a report may have 20,000 observations, so a bound on
 * sets alone would let a few thousand large reports (or one credential asking with made-up series)
 * keep gigabytes. About 100 bytes a series beside the labels objects it keeps: some tens of MB at most.
 */
export const MAX_SERIES_IN_SETS = 262_144;

/** A set not used for this long may go to make room for another. */
export const SERIES_SET_IDLE_MS = 3_600_000;

/** The series of a set, in its order: each metric and labels object (frozen, shared by every report of values against the set). */
export interface SetSeries {
  readonly metrics: readonly string[];
  readonly labels: ReadonlyArray<Readonly<Record<string, string>>>;
}

/** One set: its series, as the report that named it sent them. */
interface SeriesSet extends SetSeries {
  lastUsedMs: number;
}

/**
 * A report of values against a set, checked against it: the report without its set's fields, and
 * what the ingest reads in place of observations (reportToRecord.ts, seriesKeyTemplates.ts): the
 * set's series, one value each, and their times in runs. No observation objects are made for it
 * (60 for bench:ingest's report, 7 % of the bytes the collector allocated at saturation).
 */
export type ValuesReport = Omit<WireReport, 'observations' | 'seriesSet' | 'values' | 'valueTimes'> & {
  observations?: undefined;
  ofSet: { series: SetSeries; values: number[]; valueTimes: Array<{ at: string; count: number }> };
};

/** A report as the ingest takes it: with its observations, or values against a set it keeps. */
export type IngestReport = Report | ValuesReport;

/** Why a report against a set cannot be expanded: the API's code, the field and the message. */
export interface SeriesSetProblem {
  code: 'TRIPLINE_UNKNOWN_SERIES_SET' | 'TRIPLINE_VALIDATION_FAILED';
  path: string;
  message: string;
}

/**
 * The name of the set of these observations' series: the first 128 bits of a SHA-256, base64url,
 * of each series' metric and labels (as JSON, in the order given) on a line of its own. A metric
 * name holds neither `{` nor a line break and JSON holds no raw line break, so the text, and the
 * name short of a collision of SHA-256, tells the series and their order apart.
 */
export function seriesSetId(observations: ReadonlyArray<Pick<Observation, 'metric' | 'labels'>>): string {
  const hash = createHash('sha256');
  for (const { metric, labels } of observations) hash.update(`${metric}${JSON.stringify(labels)}\n`);
  return hash.digest('base64url').slice(0, 22);
}

export class SeriesSetRegistry {
  private readonly sets = new Map<string, SeriesSet>();
  /** Series in the kept sets together. */
  private series = 0;

  constructor(
    private readonly maxSets = MAX_SERIES_SETS,
    private readonly idleMs = SERIES_SET_IDLE_MS,
    private readonly maxSeries = MAX_SERIES_IN_SETS,
  ) {}

  /**
   * The name of the set of `report`'s observations, kept from now on; undefined when it has none
   * (no observations) or the registry has no room under MAX_SERIES_SETS and MAX_SERIES_IN_SETS
   * once the sets unused for the idle time are gone.
   */
  name(report: Report, nowMs: number): string | undefined {
    const { observations } = report;
    if (observations.length === 0) return undefined;
    const id = seriesSetId(observations);
    const known = this.sets.get(id);
    if (known !== undefined) {
      known.lastUsedMs = nowMs;
      return id;
    }
    if (!this.hasRoom(observations.length) && (this.makeRoom(nowMs), !this.hasRoom(observations.length))) return undefined;
    const metrics = observations.map((o) => o.metric);
    const labels = sharedLabels(observations);
    this.sets.set(id, { metrics, labels, lastUsedMs: nowMs });
    this.series += metrics.length;
    return id;
  }

  /**
   * The report `report` stands for: itself when it has observations, and a report against a set
   * (`values`, no `observations`) a ValuesReport of the set's series, its values and its times,
   * the set's fields removed, which the ingest reads as the observations its values stand for; or
   * why it cannot be (an unknown set: 409; values or times that do not fit the set: 400, with the
   * field). A report without values must have observations (the schema lets them be absent for
   * reports of values alone), and one that carries `seriesSet` or `valueTimes` without values is
   * refused too: those mean nothing without values, and a report that sends them is not the one
   * its agent meant.
   */
  expand(report: WireReport, nowMs: number): { report: IngestReport } | { problem: SeriesSetProblem } {
    const { values, valueTimes, seriesSet, observations } = report;
    if (values === undefined) {
      if (observations === undefined) return invalid('body', "body must have required property 'observations'");
      if (seriesSet !== undefined) return invalid('body/seriesSet', 'seriesSet is sent only with values');
      if (valueTimes !== undefined) return invalid('body/valueTimes', 'valueTimes is sent only with values');
      return { report: report as Report };
    }
    if (observations !== undefined) return invalid('body/observations', `a report sends observations or values, not both (${observations.length} observations and ${values.length} values)`);
    if (report.wantsSeriesSet !== undefined) return invalid('body/wantsSeriesSet', 'a report of values is of a set already: wantsSeriesSet goes with observations');
    if (seriesSet === undefined) return invalid('body/seriesSet', 'values need the seriesSet they are of');
    if (valueTimes === undefined) return invalid('body/valueTimes', 'values need their valueTimes');
    const set = this.sets.get(seriesSet);
    if (set === undefined) {
      const message = `body/seriesSet: this collector does not keep series set ${seriesSet} (it restarted, is not the collector that named it, or let it go unused); send the report with its observations`;
      return { problem: { code: 'TRIPLINE_UNKNOWN_SERIES_SET', path: 'body/seriesSet', message } };
    }
    if (values.length !== set.metrics.length) return invalid('body/values', `${values.length} values for series set ${seriesSet} of ${set.metrics.length} series`);
    let counted = 0;
    for (const run of valueTimes) counted += run.count;
    if (counted !== values.length) return invalid('body/valueTimes', `the counts of valueTimes add up to ${counted}, not to the ${values.length} values`);
    set.lastUsedMs = nowMs;
    // A new object rather than `delete` on the parsed one, which would turn it into a dictionary that every later reader looks up slowly;
    // `ofSet` added to the rest, not spread into a literal after it (a hidden class of its own each time: reportToRecord.ts, labelsWithHost).
    const { seriesSet: _set, values: _values, valueTimes: _times, observations: _none, ...rest } = report;
    return { report: Object.assign(rest, { ofSet: { series: set, values, valueTimes } }) };
  }

  /** How many sets are kept (for tests and the collector's metrics). */
  get size(): number {
    return this.sets.size;
  }

  /** Whether a set of `series` more series fits under both bounds. */
  private hasRoom(series: number): boolean {
    return this.sets.size < this.maxSets && this.series + series <= this.maxSeries;
  }

  /** Lets go of every set unused within the idle time. */
  private makeRoom(nowMs: number): void {
    for (const [id, set] of this.sets) {
      if (nowMs - set.lastUsedMs < this.idleMs) continue;
      this.sets.delete(id);
      this.series -= set.metrics.length;
    }
  }
}

/**
 * Calls `take` with each series of `report` in order: its observations', or its series set's. For
 * the paths that run once a shape (the shape's text, what it is written from); the per-report
 * comparison (seriesKeyTemplates.ts, sameShape) reads both forms inline.
 */
export function eachSeries(report: IngestReport, take: (metric: string, labels: Readonly<Record<string, string>>) => void): void {
  if (report.observations !== undefined) {
    for (const o of report.observations) take(o.metric, o.labels);
    return;
  }
  const { metrics, labels } = report.ofSet.series;
  for (let i = 0; i < metrics.length; i++) take(metrics[i]!, labels[i]!);
}

/**
 * The report with the observations `report`'s values stand for (itself when it has them): for
 * readers that want observations, such as the agent's stand-in collectors (bench/stubSeriesSets.ts);
 * the ingest reads a ValuesReport as it is.
 */
export function withObservations(report: IngestReport): Report {
  if (report.observations !== undefined) return report;
  const { ofSet, ...rest } = report;
  const { series, values, valueTimes } = ofSet;
  const observations: Observation[] = [];
  for (const { at, count } of valueTimes) {
    for (let end = observations.length + count, i = observations.length; i < end; i++) observations.push({ metric: series.metrics[i]!, labels: series.labels[i]!, value: values[i]!, at });
  }
  return { ...rest, observations };
}

/**
 * The observations' labels, frozen, one object for each distinct set of names and values (in the
 * order given): an agent sends several series of one device, mount or interface, and none for its
 * host's own (cpu, memory, load), so bench:ingest's report of 60 observations carries 14 distinct
 * labels. reportToRecord and SeriesKeyTemplates make each sample's merged labels and series key once
 * for a run of samples of one labels object, and every expanded report of the set shares these.
 */
function sharedLabels(observations: ReadonlyArray<Pick<Observation, 'labels'>>): Array<Readonly<Record<string, string>>> {
  const byText = new Map<string, Readonly<Record<string, string>>>();
  return observations.map(({ labels }) => {
    const text = JSON.stringify(labels);
    let shared = byText.get(text);
    if (shared === undefined) byText.set(text, (shared = Object.freeze(labels)));
    return shared;
  });
}

function invalid(path: string, message: string): { problem: SeriesSetProblem } {
  return { problem: { code: 'TRIPLINE_VALIDATION_FAILED', path, message: path === 'body' ? message : `${path}: ${message}` } };
}
