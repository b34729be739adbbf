/**
 * Window functions (`function: rate` + `window: 5m`): the rule's thresholds judge avg, min, max,
 * rate or increase of the series over the span [now - window, now] instead of each raw sample.
 * Each series keeps its recent samples in its state (engine/recentSamples.ts); a sweep drops the
 * buffer of a series that is not firing and has sent nothing for a whole window.
 */
import { Type } from '@sinclair/typebox';
import { formatDuration } from '../../config/duration.js';
import { Duration } from '../../config/durationSchema.js';
import { thresholdReason } from '../engine/describeReason.js';
import { appendRecent, forgetStaleBuffers, forgettingSweepEveryMs, MAX_WINDOW_POINTS } from '../engine/recentSamples.js';
import { thresholdReading } from '../engine/thresholdReading.js';
import { knownName } from '../load/knownName.js';
import { positiveSeconds } from '../load/positiveSeconds.js';
import type { RecentSamples } from '../model/ruleTypes.js';
import { kindSpec, type RawEntry, type ReportIssue, type RuleKind } from './ruleKind.js';

/** Functions over a window of one series' recent samples (`function:` + `window:` in rule files). */
export type WindowFunction = 'avg' | 'min' | 'max' | 'rate' | 'increase' | 'changes';

/** The window functions, in the order messages and the syntax reference list them. */
export const WINDOW_FUNCTIONS: readonly WindowFunction[] = ['avg', 'min', 'max', 'rate', 'increase', 'changes'];

/** The rule judges a function of the series over a window instead of each raw sample. */
export interface WindowSpec {
  function: WindowFunction;
  windowSeconds: number;
}

declare module '../model/ruleTypes.js' {
  interface RuleKindSpecs {
    window?: WindowSpec;
  }
}

/** The window kind: the thresholds judge a function of the series' recent samples. */
export const windowKind: RuleKind = {
  ruleKey: 'window',
  entryKey: 'function',
  schema: {
    /** A window function; checked by the loader, which can suggest the nearest name. */
    function: Type.Optional(Type.String()),
    window: Type.Optional(Duration({ positive: true })),
  },
  build: (entry, report) => {
    const window = windowSpec(entry, report);
    return window && { window };
  },
  memoryFields: ['recent'],
  templateVariables: [],
  versionPart: (definition) => definition.window && ['window', definition.window],
  compile: (rule) => {
    const spec = kindSpec(rule, 'window');
    const windowMs = spec.windowSeconds * 1000;
    const fn = spec.function === 'rate' || spec.function === 'increase' || spec.function === 'changes' ? spec.function : `${spec.function}_over_time`;
    return {
      read: (sample, prior) => {
        const recent = appendRecent(prior.recent, sample.atMs, sample.value, windowMs, MAX_WINDOW_POINTS);
        return thresholdReading(rule, sample.atMs, windowValue(spec.function, recent), { current: sample.value }, { recent });
      },
      sweep: (_compiled, untouched, _written, nowMs) => ({ states: forgetStaleBuffers(untouched, nowMs, windowMs), signals: [] }),
      reason: thresholdReason(rule, `${fn}(${rule.metric}[${formatDuration(spec.windowSeconds)}])`),
      latestSampleMayLag: true,
      sweepEveryMs: forgettingSweepEveryMs(windowMs),
    };
  },
};

function windowSpec(entry: RawEntry, report: ReportIssue): WindowSpec | undefined {
  if (entry.function === undefined) {
    report(['window'], `"window" needs "function" (one of: ${WINDOW_FUNCTIONS.join(', ')})`, 'key');
    return undefined;
  }
  const fn = knownName(entry.function, WINDOW_FUNCTIONS, ['function'], 'window function', report);
  if (entry.window === undefined) {
    report(['function'], `"function: ${String(entry.function)}" needs "window", the span it is computed over, e.g. window: 5m`, 'key');
    return undefined;
  }
  const windowSeconds = positiveSeconds(entry.window);
  return fn && windowSeconds ? { function: fn, windowSeconds } : undefined;
}

/**
 * `fn` over the points of `recent`. avg, min and max need one point; increase and rate need two,
 * and treat a drop as a counter reset (the counter restarted from 0), as Prometheus does. rate is
 * per second over the span between the first and last point, without extrapolation. changes counts
 * the points whose value differs from the point before (Prometheus' changes()): a check that failed
 * and recovered twice in the window has 4. NaN when there are too few points: NaN neither fires
 * nor clears.
 */
export function windowValue(fn: WindowFunction, recent: RecentSamples): number {
  const values = recent.values;
  const n = values.length;
  switch (fn) {
    case 'avg': {
      if (n === 0) return NaN;
      let sum = 0;
      for (const v of values) sum += v;
      return sum / n;
    }
    case 'min':
      return n === 0 ? NaN : Math.min(...values);
    case 'max':
      return n === 0 ? NaN : Math.max(...values);
    case 'increase':
      return n < 2 ? NaN : counterIncrease(values);
    case 'changes': {
      if (n === 0) return NaN;
      let changes = 0;
      for (let i = 1; i < n; i++) if (values[i] !== values[i - 1]) changes++;
      return changes;
    }
    case 'rate': {
      const spanSeconds = n < 2 ? 0 : (recent.atMs[n - 1]! - recent.atMs[0]!) / 1000;
      return spanSeconds > 0 ? counterIncrease(values) / spanSeconds : NaN;
    }
    default:
      return assertNever(fn);
  }
}

function counterIncrease(values: readonly number[]): number {
  let increase = 0;
  for (let i = 1; i < values.length; i++) {
    const delta = values[i]! - values[i - 1]!;
    increase += delta >= 0 ? delta : values[i]!;
  }
  return increase;
}

function assertNever(value: never): never {
  throw new Error(`unexpected window function ${String(value)}`);
}
