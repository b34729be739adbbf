/**
 * The loader's checks for what a rule computes beyond the raw sample: `function` + `window`,
 * `predict`, `absent` and `aggregate`, and which combinations make sense. Every problem becomes a
 * located issue with a hint; an unknown function name gets the nearest known one.
 *
 * Combinations: at most one of `function`/`window`, `predict`, `absent` and `aggregate` per rule
 * (a prediction of a windowed value or an aggregate of predictions would need a second state per
 * series; write two rules instead). `absent` has no threshold, `for`, `clearFor` or `keepFiringFor`:
 * `absent.for` is its duration, and it resolves at the next sample.
 */
import { closestWord } from '../../config/closestWord.js';
import { parseDurationSeconds } from '../../config/duration.js';
import { LABEL_NAME_PATTERN } from '../../contract/report.js';
import type { RuleEntry } from './ruleFileSchema.js';
import type { AbsentSpec, AggregateFunction, AggregateSpec, PredictSpec, WindowFunction, WindowSpec } from '../model/ruleTypes.js';

export type Path = Array<string | number>;
export type Report = (path: Path, message: string, target?: 'key' | 'value') => void;

export const WINDOW_FUNCTIONS: readonly WindowFunction[] = ['avg', 'min', 'max', 'rate', 'increase'];
export const AGGREGATE_FUNCTIONS: readonly AggregateFunction[] = ['avg', 'min', 'max', 'sum', 'count', 'ratio'];

/** Members of a group that sent nothing for this long drop out of the aggregate (Prometheus' staleness). */
export const DEFAULT_STALE_AFTER_SECONDS = 300;

export interface RuleKindSpec {
  window?: WindowSpec;
  predict?: PredictSpec;
  absent?: AbsentSpec;
  aggregate?: AggregateSpec;
}

/**
 * The rule's kind from its entry; problems go to `report` (the caller then drops the rule). Each
 * key present is checked on its own even when the combination is invalid, so that one run of
 * `rules check` shows every problem.
 */
export function ruleKind(entry: Partial<RuleEntry>, report: Report): RuleKindSpec {
  const present = (['function', 'predict', 'absent', 'aggregate'] as const).filter((key) => entry[key] !== undefined);
  if (entry.window !== undefined && entry.function === undefined) report(['window'], '"window" needs "function" (one of: avg, min, max, rate, increase)', 'key');
  if (present.length > 1) {
    report([present[1]!], `a rule takes one of "function", "predict", "absent" and "aggregate", not both "${present[0]}" and "${present[1]}"; write two rules`, 'key');
  }
  if (entry.absent !== undefined) {
    for (const key of ['above', 'below', 'clearBelow', 'clearAbove', 'for', 'clearFor', 'keepFiringFor'] as const) {
      if (entry[key] !== undefined) report([key], `an "absent" rule has no "${key}": it fires after absent.for without samples and resolves at the next sample`, 'key');
    }
  }
  return {
    window: entry.function !== undefined ? windowSpec(entry, report) : undefined,
    predict: entry.predict !== undefined ? predictSpec(entry.predict, report) : undefined,
    absent: entry.absent !== undefined ? absentSpec(entry.absent, report) : undefined,
    aggregate: entry.aggregate !== undefined ? aggregateSpec(entry.aggregate, report) : undefined,
  };
}

function windowSpec(entry: Partial<RuleEntry>, report: Report): WindowSpec | undefined {
  const fn = knownName(entry.function, WINDOW_FUNCTIONS, ['function'], 'window function', report);
  if (entry.window === undefined) {
    report(['function'], `"function: ${String(entry.function)}" needs "window", the span it is computed over, e.g. window: 5m`, 'key');
    return undefined;
  }
  const windowSeconds = positiveDuration(entry.window, ['window'], report);
  return fn && windowSeconds ? { function: fn, windowSeconds } : undefined;
}

function predictSpec(predict: NonNullable<RuleEntry['predict']>, report: Report): PredictSpec | undefined {
  const windowSeconds = positiveDuration(predict.window, ['predict', 'window'], report);
  const horizonSeconds = positiveDuration(predict.horizon, ['predict', 'horizon'], report);
  return windowSeconds && horizonSeconds ? { windowSeconds, horizonSeconds } : undefined;
}

const INTERVALS = /^\s*(\d+)\s*intervals?\s*$/;

function absentSpec(absent: NonNullable<RuleEntry['absent']>, report: Report): AbsentSpec | undefined {
  if (typeof absent.for !== 'string') return undefined;
  const intervals = INTERVALS.exec(absent.for);
  if (intervals) {
    const count = Number(intervals[1]);
    if (count >= 1) return { intervals: count };
    report(['absent', 'for'], 'must be at least 1 interval');
    return undefined;
  }
  try {
    const seconds = parseDurationSeconds(absent.for);
    if (seconds > 0) return { seconds };
  } catch {
    // reported below
  }
  report(['absent', 'for'], `must be a duration such as 2m or a count of the series' own intervals such as "3 intervals", got ${JSON.stringify(absent.for)}`);
  return undefined;
}

const LABEL_NAME = new RegExp(LABEL_NAME_PATTERN);

function aggregateSpec(aggregate: NonNullable<RuleEntry['aggregate']>, report: Report): AggregateSpec | undefined {
  const fn = knownName(aggregate.function, AGGREGATE_FUNCTIONS, ['aggregate', 'function'], 'aggregate function', report);
  const by = Array.isArray(aggregate.by) ? aggregate.by.filter((name): name is string => typeof name === 'string') : [];
  by.forEach((name, index) => {
    if (!LABEL_NAME.test(name)) report(['aggregate', 'by', index], `"${name}" is not a label name`);
  });
  const hasAbove = typeof aggregate.seriesAbove === 'number';
  const hasBelow = typeof aggregate.seriesBelow === 'number';
  let member: AggregateSpec['member'];
  if (hasAbove && hasBelow) report(['aggregate', 'seriesBelow'], 'use either "seriesAbove" or "seriesBelow", not both', 'key');
  else if (hasAbove) member = { op: 'above', threshold: aggregate.seriesAbove! };
  else if (hasBelow) member = { op: 'below', threshold: aggregate.seriesBelow! };
  if (fn === 'ratio' && !member && !(hasAbove && hasBelow)) {
    report(['aggregate'], '"function: ratio" needs "seriesAbove" or "seriesBelow": when a series counts as breaching');
  }
  if (fn && fn !== 'ratio' && member) {
    report(['aggregate', hasAbove ? 'seriesAbove' : 'seriesBelow'], `"${hasAbove ? 'seriesAbove' : 'seriesBelow'}" only applies to "function: ratio"`, 'key');
  }
  const staleAfterSeconds = aggregate.staleAfter === undefined ? DEFAULT_STALE_AFTER_SECONDS : positiveDuration(aggregate.staleAfter, ['aggregate', 'staleAfter'], report);
  if (!fn || !staleAfterSeconds || (fn === 'ratio' && !member)) return undefined;
  return member ? { by, function: fn, member, staleAfterSeconds } : { by, function: fn, staleAfterSeconds };
}

/** `name` if it is one of `known`; otherwise an issue with the nearest known name or the list. */
function knownName<T extends string>(name: unknown, known: readonly T[], path: Path, what: string, report: Report): T | undefined {
  if (typeof name !== 'string') return undefined;
  if ((known as readonly string[]).includes(name)) return name as T;
  const suggestion = closestWord(name, known);
  const hint = suggestion ? `did you mean "${suggestion}"? (one of: ${known.join(', ')})` : `expected one of: ${known.join(', ')}`;
  report(path, `unknown ${what} "${name}"; ${hint}`);
  return undefined;
}

/** A duration the schema already checked the form of; an issue when it is zero. */
function positiveDuration(text: unknown, path: Path, report: Report): number | undefined {
  if (typeof text !== 'string') return undefined;
  let seconds: number;
  try {
    seconds = parseDurationSeconds(text);
  } catch {
    return undefined; // the schema reports the malformed duration
  }
  if (seconds > 0) return seconds;
  report(path, `must be longer than 0, got ${JSON.stringify(text)}`);
  return undefined;
}
