/**
 * Prepares a rule set for evaluation once, so that the hot path only looks things up: rules indexed
 * by metric name, matchers compiled to predicates, templates parsed, and each rule's behaviour
 * taken from its kind. Build one CompiledRuleSet per loaded rule set (at start and on reload) and
 * pass it to `evaluate`.
 */
import { ruleKindOf } from '../kinds/registry.js';
import { compileLabelMatchers } from '../labels/compileLabelMatchers.js';
import { fingerprint } from '../labels/fingerprint.js';
import type { Rule } from '../model/ruleTypes.js';
import { parseTemplate } from '../template/parseTemplate.js';
import type { CompiledRule } from './compiledRule.js';
import { inhibitionGraph } from './inhibitionGraph.js';

/** A rule set indexed for evaluation. Immutable; build a new one when the rules change. */
export interface CompiledRuleSet {
  /** Every rule, in load order: the order health is reported in. */
  readonly rules: readonly Rule[];
  /** The rules that compiled, by the metric they watch. */
  readonly byMetric: ReadonlyMap<string, readonly CompiledRule[]>;
  /** Rules that could not be compiled, by name, with why; they are reported unhealthy on every evaluation. */
  readonly broken: ReadonlyMap<string, string>;
  /** The rules whose kind has time-driven work (CompiledRule.sweep), by name: see sweepRules.ts. */
  readonly swept: ReadonlyMap<string, CompiledRule>;
}

/**
 * Compiles `rules`. A rule that cannot be compiled (an invalid regex or template in a rule built by
 * code rather than loaded, a non-finite threshold, a duplicate name) lands in `broken` instead of
 * throwing, so that the other rules still run.
 */
export function compileRules(rules: readonly Rule[]): CompiledRuleSet {
  const byMetric = new Map<string, CompiledRule[]>();
  const broken = new Map<string, string>();
  const swept = new Map<string, CompiledRule>();
  const names = new Set<string>();
  const inhibition = inhibitionGraph(rules);
  for (const rule of rules) {
    if (names.has(rule.name)) {
      broken.set(rule.name, `duplicate rule name "${rule.name}" (${rule.file}:${rule.line})`);
      continue;
    }
    names.add(rule.name);
    try {
      const compiled = compileRule(rule);
      const inhibitedBy = inhibition.get(rule.name);
      if (inhibitedBy) compiled.inhibition = inhibitedBy;
      const list = byMetric.get(rule.metric);
      if (list) list.push(compiled);
      else byMetric.set(rule.metric, [compiled]);
      if (compiled.sweep) swept.set(rule.name, compiled);
    } catch (error) {
      broken.set(rule.name, `cannot compile: ${(error as Error).message}`);
    }
  }
  return { rules: [...rules], byMetric, broken, swept };
}

function compileRule(rule: Rule): CompiledRule {
  const { fire, clear } = rule;
  const keepFiringForSeconds = rule.keepFiringForSeconds ?? 0;
  for (const [what, n] of [
    ['fire threshold', fire.threshold],
    ['clear threshold', clear.threshold],
    ['for', rule.forSeconds],
    ['clearFor', rule.clearForSeconds],
    ['keepFiringFor', keepFiringForSeconds],
  ] as const) {
    if (!Number.isFinite(n)) throw new Error(`${what} is not a finite number`);
  }
  const kind = ruleKindOf(rule);
  const behaviour = kind.compile(rule);
  return {
    ...behaviour,
    ...(behaviour.firesAt !== undefined && kind.memoryFields.length === 0 ? { quiet: behaviour.firesAt } : {}),
    rule,
    matches: compileLabelMatchers(rule.matchers),
    timing: { forMs: rule.forSeconds * 1000, clearForMs: rule.clearForSeconds * 1000, keepFiringForMs: keepFiringForSeconds * 1000 },
    fingerprintOf: memoizedFingerprint(rule.name),
    summary: parseTemplate(rule.summary),
    description: parseTemplate(rule.description),
  };
}

/** Series remembered per rule before the memo starts over; bounds memory when label values churn. */
const FINGERPRINT_MEMO_LIMIT = 100_000;

function memoizedFingerprint(ruleName: string): CompiledRule['fingerprintOf'] {
  const memo = new Map<string, string>();
  return (seriesKey, labels) => {
    let id = memo.get(seriesKey);
    if (id === undefined) {
      if (memo.size >= FINGERPRINT_MEMO_LIMIT) memo.clear();
      id = fingerprint(ruleName, labels);
      memo.set(seriesKey, id);
    }
    return id;
  };
}

/** A rule set split by where its sweeps run when collectors share a store (see splitCrossHostSweeps). */
export interface CrossHostSplit {
  /** Every rule, without the cross-host sweeps: what each collector evaluates on the reports it takes. */
  readonly local: CompiledRuleSet;
  /** Only the cross-host rules and their sweeps (no metric is routed to it): what one collector judges for all. */
  readonly crossHost: CompiledRuleSet;
}

/**
 * Splits a rule set for collectors sharing a store: each applies every rule's samples (aggregate
 * members included) to the reports it takes, but the sweeps of cross-host rules (CompiledRule.crossHost,
 * aggregate groups) run on one collector only, over the states all of them wrote.
 */
export function splitCrossHostSweeps(ruleSet: CompiledRuleSet): CrossHostSplit {
  const localSweeps = new Map<string, CompiledRule>();
  const crossSweeps = new Map<string, CompiledRule>();
  for (const [name, compiled] of ruleSet.swept) (compiled.crossHost === true ? crossSweeps : localSweeps).set(name, compiled);
  return {
    local: { ...ruleSet, swept: localSweeps },
    crossHost: { rules: ruleSet.rules.filter((rule) => crossSweeps.has(rule.name)), byMetric: new Map(), broken: new Map(), swept: crossSweeps },
  };
}
