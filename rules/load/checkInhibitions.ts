/**
 * Checks what rules name in their `inhibits` across the whole rule set: every named rule exists
 * (with "did you mean"), no rule inhibits itself, and no two rules inhibit each other through a
 * loop, in which each would keep the other's tickets from opening.
 */
import type { LocatedYaml, YamlIssue } from '../../config/yamlSchemaLoader.js';
import type { EntryPath } from '../kinds/ruleKind.js';
import { suggestion } from './seriesCatalogue.js';

/** One rule named in another's `inhibits`, and where. */
export interface InhibitionReference {
  source: string;
  target: string;
  at: Omit<YamlIssue, 'message'>;
}

/** The rules the entry named `source` inhibits, located at `path` (its `inhibits` list). */
export function inhibitionReferences(source: string, inhibits: unknown, path: EntryPath, document: LocatedYaml<unknown>): InhibitionReference[] {
  if (!Array.isArray(inhibits)) return [];
  return inhibits.flatMap((inhibition: unknown, index) => {
    const rules = (inhibition as { rules?: unknown } | null)?.rules;
    if (!Array.isArray(rules)) return [];
    return rules.flatMap((target: unknown, position) => {
      if (typeof target !== 'string') return [];
      const { message: _, ...at } = document.locate([...path, index, 'rules', position], '');
      return [{ source, target, at }];
    });
  });
}

/** The problems of `references` among the rule set's `names`, in file and line order. */
export function checkInhibitions(references: readonly InhibitionReference[], names: readonly string[]): YamlIssue[] {
  const known = new Set(names);
  const issues: YamlIssue[] = [];
  const edges = new Map<string, InhibitionReference[]>();
  for (const reference of references) {
    if (reference.target === reference.source) issues.push({ ...reference.at, message: `a rule cannot inhibit itself` });
    else if (!known.has(reference.target)) issues.push({ ...reference.at, message: `no rule named "${reference.target}" to inhibit${suggestion(reference.target, names)}` });
    else edges.set(reference.source, [...(edges.get(reference.source) ?? []), reference]);
  }
  issues.push(...loops(edges));
  return issues.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}

/** One issue per inhibition that closes a loop, at the reference that closes it. */
function loops(edges: ReadonlyMap<string, InhibitionReference[]>): YamlIssue[] {
  const issues: YamlIssue[] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (rule: string): void => {
    path.push(rule);
    for (const reference of edges.get(rule) ?? []) {
      const at = path.indexOf(reference.target);
      if (at >= 0) {
        const loop = [...path.slice(at), reference.target].join(' -> ');
        issues.push({ ...reference.at, message: `inhibiting "${reference.target}" closes a loop (${loop}): each rule would keep the other's tickets from opening` });
      } else if (!done.has(reference.target)) visit(reference.target);
    }
    path.pop();
    done.add(rule);
  };
  for (const rule of edges.keys()) if (!done.has(rule)) visit(rule);
  return issues;
}
