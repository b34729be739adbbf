/**
 * What series exist for rules to watch, so that `rules check` can refuse a rule that would never
 * fire: the agent's metric catalogue, the series the collector derives (check_status,
 * agent_missed_reports), and what rule files declare on top (custom metrics under `metrics:`, the
 * labels agents' configs put on every series under `hostLabels:`). Every series also has `host`.
 */
import { closestWord } from '../../config/closestWord.js';
import { COLLECTOR_SERIES } from '../../contract/collectorSeries.js';
import { METRIC_CATALOGUE, type MetricDefinition, type MetricUnit } from '../../contract/metricCatalogue.js';

/** One series a rule can watch. */
export interface SeriesDefinition {
  name: string;
  /** Label names of the series itself, without `host` and host labels. */
  labels: readonly string[];
  unit: MetricUnit | undefined;
  /** Whether its samples carry a text (`{{ output }}`). */
  text: boolean;
  /** Where it comes from, for messages. */
  source: 'agent' | 'collector' | 'declared';
}

/** A custom metric declared in a rule file's `metrics:` section. */
export interface DeclaredMetric {
  name: string;
  labels: readonly string[];
  /** `status` for a series of Nagios state codes that `status` rules may watch. */
  unit?: 'status';
}

/** What rule files declare beyond the built-in catalogues. */
export interface SeriesDeclarations {
  metrics: readonly DeclaredMetric[];
  hostLabels: readonly string[];
}

/** The series rules may watch and the labels every series has. */
export interface SeriesCatalogue {
  /** The series named `name`; undefined when nothing emits it. */
  series(name: string): SeriesDefinition | undefined;
  /** Every series name, for suggestions. */
  names(): readonly string[];
  /** Labels on every series: `host` and the declared host labels. */
  readonly hostLabels: readonly string[];
}

/** The labels the collector puts on every series. */
export const HOST_LABEL = 'host';

/** The built-in catalogues plus `declarations` (a declared name shadows nothing: it adds one). */
export function createSeriesCatalogue(declarations: SeriesDeclarations = { metrics: [], hostLabels: [] }): SeriesCatalogue {
  const all = new Map<string, SeriesDefinition>();
  const add = (name: string, definition: MetricDefinition, source: SeriesDefinition['source']) =>
    all.set(name, { name, labels: definition.labels, unit: definition.unit, text: definition.text ?? false, source });
  for (const [name, definition] of Object.entries(METRIC_CATALOGUE)) add(name, definition, 'agent');
  for (const [name, definition] of Object.entries(COLLECTOR_SERIES)) add(name, definition, 'collector');
  for (const metric of declarations.metrics) {
    if (!all.has(metric.name)) all.set(metric.name, { name: metric.name, labels: metric.labels, unit: metric.unit, text: false, source: 'declared' });
  }
  const hostLabels = [...new Set([HOST_LABEL, ...declarations.hostLabels])];
  return {
    series: (name) => all.get(name),
    names: () => [...all.keys()],
    hostLabels,
  };
}

/** Every label a sample of `series` may carry: its own, `host` and the host labels. */
export function seriesLabels(catalogue: SeriesCatalogue, series: SeriesDefinition): string[] {
  return [...new Set([...series.labels, ...catalogue.hostLabels])];
}

/**
 * The known word `word` was most likely meant to be: the nearest by edit distance, or else one it
 * starts with or that starts with it (`mountpoint` -> `mount`, `hostname` -> `host`).
 */
export function suggestName(word: string, candidates: readonly string[]): string | undefined {
  const near = closestWord(word, candidates);
  if (near !== undefined) return near;
  const lower = word.toLowerCase();
  if (lower.length < 3) return undefined;
  const related = candidates.filter((candidate) => candidate.length >= 3 && (lower.startsWith(candidate.toLowerCase()) || candidate.toLowerCase().startsWith(lower)));
  return related.sort((a, b) => b.length - a.length)[0];
}

/** `; did you mean "x"?`, or nothing when no known word is near. */
export function suggestion(word: string, candidates: readonly string[]): string {
  const best = suggestName(word, candidates);
  return best === undefined ? '' : `; did you mean "${best}"?`;
}
