/**
 * The rule kinds the loader and the engine know, in the order their keys appear in rule files and
 * messages. Adding a kind is a module in this folder and one line here.
 */
import type { RuleDefinition } from '../model/ruleTypes.js';
import { absentKind } from './absent.js';
import { aggregateKind } from './aggregate.js';
import { changeKind } from './change.js';
import { predictKind } from './predict.js';
import type { RuleKind } from './ruleKind.js';
import { statusKind } from './status.js';
import { thresholdKind } from './threshold.js';
import { windowKind } from './window.js';

/** Every kind; the plain threshold (no key of its own) is the kind of a rule that names no other. */
export const RULE_KINDS: readonly RuleKind[] = [thresholdKind, windowKind, predictKind, absentKind, aggregateKind, changeKind, statusKind];

/** The kinds that a rule selects by a key of its own, in registry order. */
const KEYED_KINDS = RULE_KINDS.filter((kind) => kind.ruleKey !== undefined);

/**
 * The kind of `rule`: the one whose settings it has, or the plain threshold. Throws when it has the
 * settings of two kinds (a rule built by code; the loader reports that case with its location).
 */
export function ruleKindOf(rule: RuleDefinition): RuleKind {
  const kinds = KEYED_KINDS.filter((kind) => rule[kind.ruleKey!] !== undefined);
  if (kinds.length > 1) throw new Error(`a rule takes at most one of ${wordList(KEYED_KINDS.map((kind) => kind.ruleKey!))}`);
  return kinds[0] ?? thresholdKind;
}

/** The name of a rule's kind as the console and the API show it: its selecting key, or `threshold`. */
export function ruleKindName(rule: RuleDefinition): string {
  return ruleKindOf(rule).ruleKey ?? 'threshold';
}

/** "a, b, c and d": a list of words in a message. */
export function wordList(words: readonly string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]!}`;
}
