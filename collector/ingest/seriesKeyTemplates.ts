/**
 * The series keys of a report's samples (their canonical labels, contract/labels.ts, by which the
 * rules engine groups samples and finds a series' rule state) made from the report's shape without
 * canonicalising a label. A shape's body (reportShape: everything but its first line, the host)
 * fixes every label of every sample but the `host` value, and the host's place among the sorted
 * names; so per body the keys are kept once as templates, the text before and after the host's
 * value, and a report of a known body costs one concatenation per sample. Bodies are shared by the
 * hosts of one role; the least recently used beyond MAX_BODIES are forgotten (a fleet of unique
 * shapes falls back to canonicalising every report, as before).
 */
import { canonicalLabels } from '../../contract/labels.js';

/** Distinct shape bodies whose templates are kept (a body of 60 series holds about 10 kB). */
export const MAX_BODIES = 512;

/** A sample's key: `before`, the host's value as JSON, `after`; or `before` alone (labels without `host`). */
interface Template {
  before: string;
  after: string | undefined;
}

export class SeriesKeyTemplates {
  private readonly byBody = new Map<string, Template[]>();

  constructor(private readonly maxBodies = MAX_BODIES) {}

  /**
   * The canonical labels of each of `labels`: the samples of one report, in order, whose shape text
   * is `shape` and whose `host` label is `hostname` (where they have one).
   */
  keysOf(shape: string, hostname: string, labels: ReadonlyArray<Readonly<Record<string, string>>>): string[] {
    const body = shape.slice(shape.indexOf('\n') + 1);
    const hostJson = JSON.stringify(hostname);
    let templates = this.byBody.get(body);
    if (templates !== undefined && templates.length === labels.length) {
      this.byBody.delete(body); // the most recently used last
    } else {
      templates = labels.map((set) => templateOf(canonicalLabels(set), set.host === hostname ? hostJson : undefined));
    }
    this.byBody.set(body, templates);
    if (this.byBody.size > this.maxBodies) this.byBody.delete(this.byBody.keys().next().value!);
    return templates.map(({ before, after }) => (after === undefined ? before : before + hostJson + after));
  }

  /** How many bodies are kept (for tests). */
  get size(): number {
    return this.byBody.size;
  }
}

/** `key` split around the host's value (`"host":` then `hostJson`), or whole when the labels have no `host`. */
function templateOf(key: string, hostJson: string | undefined): Template {
  if (hostJson === undefined) return { before: key, after: undefined };
  // `{"host":` or `,"host":` occurs once, as the name: inside a name or value every quote is escaped.
  const name = key.startsWith('{"host":') ? 0 : key.indexOf(',"host":');
  const at = name + ',"host":'.length;
  if (name < 0 || key.slice(at, at + hostJson.length) !== hostJson) throw new Error(`series key ${key} lacks the host ${hostJson}`);
  return { before: key.slice(0, at), after: key.slice(at + hostJson.length) };
}
