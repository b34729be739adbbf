/**
 * Threshold comparisons and their wording. The one place that knows what `above` means, so the
 * state machine, the reason text and the loader's sanity checks agree.
 */
import type { ClearOp, FireOp, ThresholdCondition } from './ruleTypes.js';

/** Whether `value` satisfies `condition`. NaN satisfies nothing, so it never fires nor clears. */
export function compareThreshold(condition: ThresholdCondition, value: number): boolean {
  switch (condition.op) {
    case 'above':
      return value > condition.threshold;
    case 'below':
      return value < condition.threshold;
    case 'atOrAbove':
      return value >= condition.threshold;
    case 'atOrBelow':
      return value <= condition.threshold;
    default:
      return assertNever(condition.op);
  }
}

/** The comparison in words, as used in reasons: "above", "at or below". */
export function describeOp(op: ClearOp): string {
  switch (op) {
    case 'above':
      return 'above';
    case 'below':
      return 'below';
    case 'atOrAbove':
      return 'at or above';
    case 'atOrBelow':
      return 'at or below';
    default:
      return assertNever(op);
  }
}

/** The clear condition a rule gets when it names none: the fire condition no longer holds. */
export function inverseOf(fire: ThresholdCondition<FireOp>): ThresholdCondition {
  switch (fire.op) {
    case 'above':
      return { op: 'atOrBelow', threshold: fire.threshold };
    case 'below':
      return { op: 'atOrAbove', threshold: fire.threshold };
    default:
      return assertNever(fire.op);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected comparison ${String(value)}`);
}
