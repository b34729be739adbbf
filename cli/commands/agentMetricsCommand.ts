/** `tripline agent metrics`: the agent's metric catalogue as a Markdown table, generated, never copied by hand. */
import { METRIC_CATALOGUE } from '../../contract/metricCatalogue.js';

export function metricCatalogueMarkdown(): string {
  const rows = Object.entries(METRIC_CATALOGUE).map(
    ([name, d]) => `| \`${name}\` | ${d.kind} | ${d.unit} | ${d.labels.map((l) => `\`${l}\``).join(', ') || '-'} | ${d.help.replace(/\|/g, '\\|')} |`,
  );
  return ['| metric | kind | unit | labels | meaning |', '|---|---|---|---|---|', ...rows].join('\n') + '\n';
}

export function agentMetricsCommand(): number {
  process.stdout.write(metricCatalogueMarkdown());
  return 0;
}
