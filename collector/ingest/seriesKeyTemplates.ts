/**
 * A report's shape text (reportShape) and the series keys of its samples (their canonical labels,
 * contract/labels.ts, by which the rules engine groups samples and finds a series' rule state),
 * made without canonicalising a label and, for a host that sends the shape of its last report
 * again, without writing the shape's text. A shape's body (everything but its first line, the host)
 * fixes every label of every sample but the `host` value, and the host's place among the sorted
 * names; so per body the keys are kept once as templates, the text before and after the host's
 * value, and a report of a known body costs one concatenation per sample. Bodies are shared by the
 * hosts of one role; the least recently used beyond MAX_BODIES are forgotten (a fleet of unique
 * shapes falls back to canonicalising every report, as before).
 *
 * Per host name, the body of its last report is kept: a report is compared with what the body was
 * written from (sameShape), which builds and hashes no string: writing the shape's text (a
 * JSON.stringify per labelled series) and hashing its body to find the templates were 8 % of the
 * busy time of bench/ingestHeap.ts in a profile, the comparison and the keys a sixth of that.
 */
import { canonicalLabels } from '../../contract/labels.js';
import { eachSeries, type IngestReport } from './seriesSets.js';
import type { ReportShape } from '../store/store.js';
import { AGENT_MISSED_REPORTS_METRIC as AGENT_MISSED_REPORTS } from '../alerting/missedReportWatcher.js';
import { reportShapeBody } from './reportToRecord.js';

/** Distinct shape bodies whose templates are kept (a body of 60 series holds about 10 kB). */
export const MAX_BODIES = 512;

/**
 * Host names whose last body is kept (a map entry each, the body shared); beyond it the oldest
 * entry goes, and its host's next report writes its shape's text again.
 */
export const MAX_HOSTS = 100_000;

/** Distinct strings interned for the kept bodies (Body.sent) before the table starts afresh. */
const MAX_STRINGS = 100_000;

/**
 * A shape body: its text; what it is written from (`sent`: the agent labels' count, then each
 * label's name and value; per observation its metric, its labels' count, then names and values;
 * then the check names), its strings interned so that the bodies of one fleet share them; and per
 * sample its metric and its key's template, the text before and after the host's value as JSON
 * (`after` undefined: labels without `host`, the key is `before`), three entries a sample in one
 * array, made with the body's first report's samples. Once the body is forgotten all are dropped,
 * so that a host still pointing at it holds no more than the empty record.
 */
interface Body {
  text: string;
  sent: readonly unknown[] | undefined;
  templates: Array<string | undefined> | undefined;
  /** Whether no two samples of the body are of one series and none is agent_missed_reports (KeyedShape.seriesOnce); set with `templates`. */
  seriesOnce: boolean;
}

/** The shape of a report and what resolve found of its series. */
export interface KeyedShape extends ReportShape {
  /**
   * No two of the report's samples are of one series (the same metric and labels), and none is
   * `agent_missed_reports`, which the ingest adds for the report's host (ReportRecord.seriesOnce).
   */
  readonly seriesOnce: boolean;
}

/** What resolve reads and sets of a report's samples. */
export interface KeyedSample {
  metric: string;
  labels: Readonly<Record<string, string>>;
  seriesKey?: string | undefined;
}

export class SeriesKeyTemplates {
  private readonly byBody = new Map<string, Body>();
  private readonly lastBodyOf = new Map<string, Body>();
  /** The strings of the kept bodies (their `sent` and metrics), each once. */
  private readonly strings = new Map<string, string>();
  /** The kept string of this text, kept now if there is none. */
  private readonly intern = (text: string): string => {
    const known = this.strings.get(text);
    if (known !== undefined) return known;
    this.strings.set(text, text);
    return text;
  };

  constructor(
    private readonly maxBodies = MAX_BODIES,
    private readonly maxHosts = MAX_HOSTS,
  ) {}

  /**
   * The shape of `report` (its text in its two parts: ReportShape). Sets each of `samples` (its samples, in order: its observations,
   * then its checks, whose `host` label is the report's host name where they have one) its series
   * key, and its metric to the body's copy of the same text: the rules engine looks every sample's
   * metric up, and a kept string is hashed once where each report's own copy was hashed afresh
   * (a third of the engine's time routing samples).
   */
  resolve(report: IngestReport, samples: readonly KeyedSample[]): KeyedShape {
    const hostname = report.agent.hostname;
    const hostJson = JSON.stringify(hostname);
    const last = this.lastBodyOf.get(hostname);
    let body: Body;
    if (last !== undefined && last.sent !== undefined && sameShape(last.sent, report)) {
      body = last;
      this.byBody.delete(body.text); // the most recently used last
    } else {
      body = this.bodyOf(reportShapeBody(report), report);
      if (last === undefined && this.lastBodyOf.size >= this.maxHosts) this.lastBodyOf.delete(this.lastBodyOf.keys().next().value!);
      this.lastBodyOf.set(hostname, body);
    }
    this.byBody.set(body.text, body);
    if (this.byBody.size > this.maxBodies) this.forget(this.byBody.keys().next().value!);
    if (body.templates === undefined) {
      body.templates = templatesOf(samples, hostname, hostJson, this.intern);
      body.seriesOnce = eachSeriesOnce(body.templates);
    }
    const templates = body.templates;
    // Samples of one template (the series of one mount or device) share one key: its parts are
    // interned, so the same parts are the same strings, and the engine hashes each key once.
    let lastBefore: string | undefined;
    let lastAfter: string | undefined;
    let lastKey = '';
    for (let i = 0; i < samples.length; i++) {
      const sample = samples[i]!;
      const before = templates[3 * i + 1]!;
      const after = templates[3 * i + 2];
      sample.metric = templates[3 * i]!;
      if (before !== lastBefore || after !== lastAfter) {
        lastBefore = before;
        lastAfter = after;
        lastKey = after === undefined ? before : before + hostJson + after;
      }
      sample.seriesKey = lastKey;
    }
    return { head: hostJson, body: body.text, seriesOnce: body.seriesOnce };
  }

  /** How many bodies are kept (for tests). */
  get size(): number {
    return this.byBody.size;
  }

  /** How many hosts' last bodies are kept (for tests). */
  get hosts(): number {
    return this.lastBodyOf.size;
  }

  /** The kept body of this text, or a new one made from `report`, whose body it is. */
  private bodyOf(text: string, report: IngestReport): Body {
    const known = this.byBody.get(text);
    if (known !== undefined) {
      this.byBody.delete(text);
      return known;
    }
    if (this.strings.size > MAX_STRINGS) this.strings.clear();
    return { text, sent: sentShape(report, this.intern), templates: undefined, seriesOnce: false };
  }

  private forget(text: string): void {
    const body = this.byBody.get(text)!;
    this.byBody.delete(text);
    body.text = '';
    body.sent = undefined;
    body.templates = undefined;
    body.seriesOnce = false;
  }
}

/** The flat list of what `report`'s shape text is written from (Body.sent), its strings `interned`. */
function sentShape(report: IngestReport, interned: (text: string) => string): unknown[] {
  const sent: unknown[] = [];
  const add = (metric: string | undefined, labels: Readonly<Record<string, string>>): void => {
    if (metric !== undefined) sent.push(interned(metric));
    const at = sent.push(0) - 1;
    for (const name in labels) sent.push(interned(name), interned(labels[name]!));
    sent[at] = (sent.length - at - 1) / 2;
  };
  add(undefined, report.agent.labels);
  eachSeries(report, add);
  for (const check of report.checks) sent.push(interned(check.name));
  return sent;
}

/**
 * Whether `report` has the shape `sent` was made from: the same agent labels, metrics, labels and
 * check names, in the same order (reportShape writes labels in the order `for...in` gives them), so
 * that its shape text is the body's. Most of the strings compared are the same object (JSON.parse
 * interns a report's property names and short values), the rest are short.
 */
function sameShape(sent: readonly unknown[], report: IngestReport): boolean {
  let i = 0;
  const sameLabels = (labels: Readonly<Record<string, string>>): boolean => {
    const end = i + 1 + 2 * (sent[i] as number);
    i++;
    for (const name in labels) {
      if (i >= end || sent[i] !== name || sent[i + 1] !== labels[name]) return false;
      i += 2;
    }
    return i === end;
  };
  if (!sameLabels(report.agent.labels)) return false;
  if (report.observations !== undefined) {
    for (const o of report.observations) if (sent[i++] !== o.metric || !sameLabels(o.labels)) return false;
  } else {
    const { metrics, labels } = report.ofSet.series;
    for (let k = 0; k < metrics.length; k++) if (sent[i++] !== metrics[k] || !sameLabels(labels[k]!)) return false;
  }
  for (const check of report.checks) if (sent[i++] !== check.name) return false;
  return i === sent.length;
}

/** The metrics and keys' templates of a body's samples (Body.templates), from its first report's samples. */
function templatesOf(samples: readonly KeyedSample[], hostname: string, hostJson: string, interned: (text: string) => string): Array<string | undefined> {
  const templates: Array<string | undefined> = [];
  for (const { metric, labels } of samples) {
    const [before, after] = templateOf(canonicalLabels(labels), labels.host === hostname ? hostJson : undefined);
    templates.push(interned(metric), interned(before), after === undefined ? undefined : interned(after));
  }
  return templates;
}

/**
 * Whether the samples of `templates` (templatesOf) are each of its own series (no metric and key
 * twice: the key's parts around the host's value are the body's, the host one value for all) and
 * none is agent_missed_reports.
 */
function eachSeriesOnce(templates: ReadonlyArray<string | undefined>): boolean {
  const seen = new Set<string>();
  for (let i = 0; i < templates.length; i += 3) {
    const metric = templates[i]!;
    if (metric === AGENT_MISSED_REPORTS) return false;
    // A line break is in no metric name and, escaped, in no key.
    const series = `${metric}\n${templates[i + 1]!}\n${templates[i + 2] ?? ''}`;
    if (seen.has(series)) return false;
    seen.add(series);
  }
  return true;
}

/** `key` split around the host's value (`"host":` then `hostJson`), or whole when the labels have no `host`. */
function templateOf(key: string, hostJson: string | undefined): [before: string, after: string | undefined] {
  if (hostJson === undefined) return [key, undefined];
  // `{"host":` or `,"host":` occurs once, as the name: inside a name or value every quote is escaped.
  const name = key.startsWith('{"host":') ? 0 : key.indexOf(',"host":');
  const at = name + ',"host":'.length;
  if (name < 0 || key.slice(at, at + hostJson.length) !== hostJson) throw new Error(`series key ${key} lacks the host ${hostJson}`);
  return [key.slice(0, at), key.slice(at + hostJson.length)];
}
