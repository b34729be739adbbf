/**
 * The loader's dispatch over the rule kinds: which kind a rule entry names, and the kind's part of
 * the Rule. At most one kind's key per rule (a prediction of a windowed value or an aggregate of
 * predictions would need a second state per series; write two rules instead); each kind checks its
 * own keys and says what is wrong with them as located issues.
 */
import { RULE_KINDS, wordList } from '../kinds/registry.js';
import type { RawEntry, ReportIssue, RuleKind } from '../kinds/ruleKind.js';
import type { RuleKindSpecs } from '../model/ruleTypes.js';

/** What the kinds made of a rule entry. */
export interface ResolvedKind {
  /** The kinds whose selecting key is written, in registry order (more than one is an error). */
  named: RuleKind[];
  /** Their parts of the Rule, where valid. */
  specs: Partial<RuleKindSpecs>;
}

const KEYED_KINDS = RULE_KINDS.filter((kind) => kind.entryKey !== undefined);

/**
 * The kinds of `entry` and their settings; problems go to `report` (the caller then drops the rule).
 * Each kind's keys are checked even when the combination is invalid, so that one run of
 * `rules check` shows every problem.
 */
export function resolveRuleKind(entry: RawEntry, report: ReportIssue): ResolvedKind {
  const named = KEYED_KINDS.filter((kind) => entry[kind.entryKey!] !== undefined);
  if (named.length > 1) {
    const [first, second] = [named[0]!.entryKey!, named[1]!.entryKey!];
    const keys = wordList(KEYED_KINDS.map((kind) => `"${kind.entryKey!}"`));
    report([second], `a rule takes one of ${keys}, not both "${first}" and "${second}"; write two rules`, 'key');
  }
  const specs: Partial<RuleKindSpecs> = {};
  for (const kind of RULE_KINDS) {
    if (Object.keys(kind.schema).some((key) => entry[key] !== undefined)) Object.assign(specs, kind.build(entry, report));
  }
  return { named, specs };
}
