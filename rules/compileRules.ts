/**
 * Prepares a rule set for evaluation once, so that the hot path only looks things up: rules indexed
 * by metric name, matchers compiled to predicates, templates parsed, conditions turned into readers.
 * Build one CompiledRuleSet per loaded rule set (at start and on reload) and pass it to `evaluate`.
 */
import type { AlertTiming, ConditionReading } from './alertStateMachine.js';
import { compareThreshold } from './compareThreshold.js';
import { compileLabelMatchers, type LabelPredicate } from './compileLabelMatchers.js';
import { fingerprint } from './fingerprint.js';
import { parseTemplate, type CompiledTemplate } from './renderTemplate.js';
import type { Rule, SeriesSample } from './ruleTypes.js';

/** One rule ready to evaluate. */
export interface CompiledRule {
  rule: Rule;
  matches: LabelPredicate;
  /**
   * Reads the rule's condition from one sample. The extension point for richer conditions (windows,
   * rate, prediction): they produce the same reading, so the state machine does not change.
   */
  read(sample: SeriesSample): ConditionReading;
  timing: AlertTiming;
  /**
   * The fingerprint of a series of this rule, given a canonical key of its labels. Memoized (hashing
   * is the costliest step of evaluation); the memo only ever returns what `fingerprint` would.
   */
  fingerprintOf(seriesKey: string, labels: Readonly<Record<string, string>>): string;
  summary: CompiledTemplate;
  description: CompiledTemplate;
}

/** A rule set indexed for evaluation. Immutable; build a new one when the rules change. */
export interface CompiledRuleSet {
  /** Every rule, in load order: the order health is reported in. */
  readonly rules: readonly Rule[];
  /** The rules that compiled, by the metric they watch. */
  readonly byMetric: ReadonlyMap<string, readonly CompiledRule[]>;
  /** Rules that could not be compiled, by name, with why; they are reported unhealthy on every evaluation. */
  readonly broken: ReadonlyMap<string, string>;
}

/**
 * Compiles `rules`. A rule that cannot be compiled (an invalid regex or template in a rule built by
 * code rather than loaded, a non-finite threshold, a duplicate name) lands in `broken` instead of
 * throwing, so that the other rules still run.
 */
export function compileRules(rules: readonly Rule[]): CompiledRuleSet {
  const byMetric = new Map<string, CompiledRule[]>();
  const broken = new Map<string, string>();
  const names = new Set<string>();
  for (const rule of rules) {
    if (names.has(rule.name)) {
      broken.set(rule.name, `duplicate rule name "${rule.name}" (${rule.file}:${rule.line})`);
      continue;
    }
    names.add(rule.name);
    try {
      const compiled = compileRule(rule);
      const list = byMetric.get(rule.metric);
      if (list) list.push(compiled);
      else byMetric.set(rule.metric, [compiled]);
    } catch (error) {
      broken.set(rule.name, `cannot compile: ${(error as Error).message}`);
    }
  }
  return { rules: [...rules], byMetric, broken };
}

function compileRule(rule: Rule): CompiledRule {
  const { fire, clear } = rule;
  for (const [what, n] of [['fire threshold', fire.threshold], ['clear threshold', clear.threshold], ['for', rule.forSeconds], ['clearFor', rule.clearForSeconds]] as const) {
    if (!Number.isFinite(n)) throw new Error(`${what} is not a finite number`);
  }
  return {
    rule,
    matches: compileLabelMatchers(rule.matchers),
    read: (sample) => ({
      atMs: sample.atMs,
      value: sample.value,
      fireMet: compareThreshold(fire, sample.value),
      clearMet: compareThreshold(clear, sample.value),
    }),
    timing: { forMs: rule.forSeconds * 1000, clearForMs: rule.clearForSeconds * 1000 },
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
