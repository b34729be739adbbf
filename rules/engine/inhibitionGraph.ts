/**
 * Which rules inhibit which (each rule's `inhibits`), turned around: for every inhibited rule, the
 * rules that inhibit it and on which labels, and its depth below the rules that inhibit nothing, so
 * that signals can carry it and the incident lifecycle can decide inhibitors first.
 */
import type { InhibitingRule, Rule } from '../model/ruleTypes.js';

/** For each inhibited rule name: its inhibitors and its depth (1 below an inhibitor that nothing inhibits). */
export type InhibitionGraph = ReadonlyMap<string, { depth: number; by: InhibitingRule[] }>;

/**
 * The inhibitors of every rule of `rules`. Names of rules not in the set are ignored; a cycle
 * (which the loader refuses) is cut where it closes, so depths stay finite.
 */
export function inhibitionGraph(rules: readonly Rule[]): InhibitionGraph {
  const names = new Set(rules.map((rule) => rule.name));
  const by = new Map<string, InhibitingRule[]>();
  for (const rule of rules) {
    for (const inhibition of rule.inhibits ?? []) {
      for (const target of inhibition.rules) {
        if (!names.has(target) || target === rule.name) continue;
        const list = by.get(target) ?? [];
        list.push({ rule: rule.name, equal: [...inhibition.equal] });
        by.set(target, list);
      }
    }
  }
  const depths = new Map<string, number>();
  const depthOf = (name: string, visiting: Set<string>): number => {
    const known = depths.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) return 0;
    visiting.add(name);
    const sources = by.get(name) ?? [];
    const depth = sources.length === 0 ? 0 : 1 + Math.max(...sources.map((source) => depthOf(source.rule, visiting)));
    visiting.delete(name);
    depths.set(name, depth);
    return depth;
  };
  const graph = new Map<string, { depth: number; by: InhibitingRule[] }>();
  for (const [name, sources] of by) graph.set(name, { depth: depthOf(name, new Set()), by: sources });
  return graph;
}
