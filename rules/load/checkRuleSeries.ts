/**
 * Checks a rule entry against the series that exist (seriesCatalogue.ts), so that a rule that would
 * silently never fire is refused at load: an unknown metric, a matcher on a label the series does
 * not carry, a template label or `{{ output }}` that would always render empty, a `status` rule on
 * a series that holds no check states, a group or `equal` label no signal has. Each problem names
 * the word at fault with its line and column, and the nearest known name.
 */
import { LABEL_NAME_PATTERN } from '../../contract/report.js';
import { RULE_KINDS } from '../kinds/registry.js';
import type { EntryPath, RawEntry, ReportIssue } from '../kinds/ruleKind.js';
import { LabelMatcherError, parseLabelMatcher } from '../labels/parseLabelMatcher.js';
import { seriesLabels, suggestion, type SeriesCatalogue, type SeriesDefinition } from './seriesCatalogue.js';

/** Records an issue at `path`, pointed at `word` inside the value written there. */
export type ReportWithin = (path: EntryPath, word: string, message: string) => void;

const LABEL_NAME = new RegExp(LABEL_NAME_PATTERN);
const DECLARE_METRIC = 'declare metrics the catalogue does not have under "metrics:"';
const DECLARE_LABEL = 'declare labels your agents put on every series under "hostLabels:"';

/** Checks `entry` against `catalogue`; problems go to `report` and `within`. */
export function checkRuleSeries(entry: RawEntry, catalogue: SeriesCatalogue, report: ReportIssue, within: ReportWithin): void {
  const metric = entry.metric;
  if (typeof metric !== 'string') return;
  const series = catalogue.series(metric);
  if (!series) {
    within(['metric'], metric, `unknown metric "${metric}"${suggestion(metric, catalogue.names())} (${DECLARE_METRIC})`);
    return;
  }
  const labels = seriesLabels(catalogue, series);
  checkMatchers(entry.matchers, series, labels, within);
  if (entry.status !== undefined && series.unit !== 'status') {
    report(['status'], `a "status" rule watches a series of check states (such as check_status); ${metric} holds ${series.unit ?? 'values'}`, 'key');
  }
  const grouped = RULE_KINDS.map((kind) => kind.signalLabels?.(entry)).find((found) => found !== undefined);
  grouped?.labels.forEach((label, index) => {
    if (LABEL_NAME.test(label) && !labels.includes(label)) within([...grouped.path, index], label, unknownLabel(label, metric, labels));
  });
  const signalLabels = [...(grouped?.labels ?? labels), ...ruleLabelNames(entry.labels), 'alertname'];
  for (const field of ['summary', 'description'] as const) checkTemplate(entry[field], field, series, signalLabels, within);
  checkEqualLabels(entry.inhibits, signalLabels, within);
}

function checkMatchers(matchers: unknown, series: SeriesDefinition, labels: readonly string[], within: ReportWithin): void {
  if (!Array.isArray(matchers)) return;
  matchers.forEach((text: unknown, index) => {
    if (typeof text !== 'string') return;
    let label: string;
    try {
      label = parseLabelMatcher(text).label;
    } catch (error) {
      if (error instanceof LabelMatcherError) return; // the loader reports the matcher itself
      throw error;
    }
    if (!labels.includes(label)) within(['matchers', index], label, unknownLabel(label, series.name, labels));
  });
}

/**
 * The label and output fields of a template, each checked on its own, so that a field the template
 * language refuses (reported by the loader) does not hide the others' problems.
 */
function checkTemplate(text: unknown, field: 'summary' | 'description', series: SeriesDefinition, signalLabels: readonly string[], within: ReportWithin): void {
  if (typeof text !== 'string') return;
  for (const { source, expression, variable } of templateFields(text)) {
    const label = /^labels\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(variable)?.[1];
    if (label !== undefined && !signalLabels.includes(label)) {
      within([field], source, `unknown label "${label}" in "{{ ${expression} }}": it would always render empty${suggestion(label, signalLabels)}`);
    }
    if (variable === 'output' && !series.text) {
      within([field], source, `"{{ ${expression} }}" would always render empty: ${series.name} samples carry no text (check_status does)`);
    }
  }
}

/** Each `{{ ... }}` of a template: as written, its expression, and the variable before any filter. */
function templateFields(text: string): Array<{ source: string; expression: string; variable: string }> {
  return [...text.matchAll(/\{\{([^}]*)\}\}/g)].map((match) => {
    const expression = match[1]!.trim();
    return { source: match[0], expression, variable: expression.split('|')[0]!.trim() };
  });
}

function checkEqualLabels(inhibits: unknown, signalLabels: readonly string[], within: ReportWithin): void {
  if (!Array.isArray(inhibits)) return;
  inhibits.forEach((inhibition: unknown, index) => {
    const equal = (inhibition as { equal?: unknown } | null)?.equal;
    if (!Array.isArray(equal)) return;
    equal.forEach((label: unknown, position) => {
      if (typeof label === 'string' && !signalLabels.includes(label)) {
        within(['inhibits', index, 'equal', position], label, `unknown label "${label}": this rule's signals do not carry it${suggestion(label, signalLabels)}`);
      }
    });
  });
}

function unknownLabel(label: string, metric: string, labels: readonly string[]): string {
  return `unknown label "${label}" of ${metric}${suggestion(label, labels)} (its labels: ${labels.join(', ')}; ${DECLARE_LABEL})`;
}

function ruleLabelNames(labels: unknown): string[] {
  return typeof labels === 'object' && labels !== null && !Array.isArray(labels) ? Object.keys(labels) : [];
}
