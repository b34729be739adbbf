/**
 * Reads what rule files declare for `rules check` beyond the catalogues: custom `metrics:` and the
 * `hostLabels:` agents put on every series. Declarations of every file of a rule set apply to all
 * of them, so one file can hold them for the rest.
 */
import type { LocatedYaml, YamlIssue } from '../../config/yamlSchemaLoader.js';
import { COLLECTOR_SERIES } from '../../contract/collectorSeries.js';
import { METRIC_CATALOGUE } from '../../contract/metricCatalogue.js';
import type { DeclaredMetricEntry } from './ruleFileSchema.js';
import type { DeclaredMetric, SeriesDeclarations } from './seriesCatalogue.js';

/**
 * The declarations of `documents` (values the schema checks; anything of the wrong shape is left to
 * its messages). Declaring a metric the catalogues already have is an issue: its labels are known.
 */
export function readDeclarations(documents: ReadonlyArray<LocatedYaml<unknown>>, issues: YamlIssue[]): SeriesDeclarations {
  const metrics = new Map<string, DeclaredMetric>();
  const hostLabels = new Set<string>();
  for (const document of documents) {
    const value = (document.value ?? {}) as { metrics?: unknown; hostLabels?: unknown };
    if (Array.isArray(value.hostLabels)) for (const label of value.hostLabels) if (typeof label === 'string') hostLabels.add(label);
    if (!Array.isArray(value.metrics)) continue;
    value.metrics.forEach((entry: unknown, index) => {
      const metric = entry as Partial<DeclaredMetricEntry> | null;
      if (typeof metric?.name !== 'string') return;
      if (Object.hasOwn(METRIC_CATALOGUE, metric.name) || Object.hasOwn(COLLECTOR_SERIES, metric.name)) {
        issues.push(document.locate(['metrics', index, 'name'], `"${metric.name}" is a built-in series already (see tripline agent metrics); declare only metrics the catalogue does not have`));
        return;
      }
      const labels = Array.isArray(metric.labels) ? metric.labels.filter((label): label is string => typeof label === 'string') : [];
      if (!metrics.has(metric.name)) metrics.set(metric.name, { name: metric.name, labels, ...(metric.unit === 'status' ? { unit: 'status' as const } : {}) });
    });
  }
  return { metrics: [...metrics.values()], hostLabels: [...hostLabels] };
}
