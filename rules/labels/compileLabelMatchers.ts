/**
 * Turns a rule's label matchers into one predicate over series labels, compiled once per rule set so
 * that the hot path does no parsing and no regex construction.
 */
import { anchoredRegex } from './parseLabelMatcher.js';
import type { LabelMatcher } from '../model/ruleTypes.js';

/** Whether a series' labels satisfy every matcher of a rule. */
export type LabelPredicate = (labels: Readonly<Record<string, string>>) => boolean;

/**
 * The value of label `name`, or "" when the series has no such label (Prometheus semantics). Own
 * properties only, so a label called `constructor` is not mistaken for Object's.
 */
export function labelValue(labels: Readonly<Record<string, string>>, name: string): string {
  return Object.hasOwn(labels, name) ? labels[name]! : '';
}

/** Compiles `matchers` (all must hold; none means every series). Throws if a regex is invalid. */
export function compileLabelMatchers(matchers: readonly LabelMatcher[]): LabelPredicate {
  const tests = matchers.map(compileOne);
  if (tests.length === 0) return () => true;
  return (labels) => {
    for (const test of tests) if (!test(labels)) return false;
    return true;
  };
}

function compileOne(matcher: LabelMatcher): LabelPredicate {
  const { label, value } = matcher;
  switch (matcher.op) {
    case '=':
      return (labels) => labelValue(labels, label) === value;
    case '!=':
      return (labels) => labelValue(labels, label) !== value;
    case '=~': {
      const regex = anchoredRegex(value);
      return (labels) => regex.test(labelValue(labels, label));
    }
    case '!~': {
      const regex = anchoredRegex(value);
      return (labels) => !regex.test(labelValue(labels, label));
    }
    default:
      return assertNever(matcher.op);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected matcher operator ${String(value)}`);
}
