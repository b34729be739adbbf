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
import { appendPoint, recentPoints, sharedTimes, type RecentPoints } from '../engine/recentPoints.js';
import { forgetStaleBuffers, forgettingSweepEveryMs, MAX_WINDOW_POINTS } from '../engine/recentSamples.js';
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
    const shared = sharedTimes();
    return {
      read: (sample, prior) => {
        const recent = appendPoint(prior.recent, sample.atMs, sample.value, windowMs, MAX_WINDOW_POINTS, shared);
        return thresholdReading(rule, sample.atMs, valueOver(spec.function, recent), { current: sample.value }, { recent });
      },
      sweep: (_compiled, untouched, _written, nowMs) => ({ states: forgetStaleBuffers(untouched, nowMs, windowMs), signals: [] }),
      reason: thresholdReason(rule, `${fn}(${rule.metric}[${formatDuration(spec.windowSeconds)}])`),
      latestSampleMayLag: true,
      memorySpanMs: windowMs,
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
  const points = recentPoints(recent);
  return points === undefined ? NaN : valueOver(fn, points);
}

/**
 * windowValue over a buffer in memory, read in place: the shared points [start, end), then the
 * newest (the same additions in the same order as over the saved columns, so the same result).
 */
function valueOver(fn: WindowFunction, points: RecentPoints): number {
  const { sharedAtMs, sharedValues: values, start, end, newestValue } = points;
  switch (fn) {
    case 'avg': {
      let sum = 0;
      for (let i = start; i < end; i++) sum += values[i]!;
      return (sum + newestValue) / (end - start + 1);
    }
    case 'min': {
      let min = Infinity;
      for (let i = start; i < end; i++) min = Math.min(min, values[i]!);
      return Math.min(min, newestValue);
    }
    case 'max': {
      let max = -Infinity;
      for (let i = start; i < end; i++) max = Math.max(max, values[i]!);
      return Math.max(max, newestValue);
    }
    case 'increase':
      return end === start ? NaN : counterIncrease(values, start, end, newestValue);
    case 'changes': {
      let changes = 0;
      for (let i = start + 1; i < end; i++) if (values[i] !== values[i - 1]) changes++;
      if (end > start && newestValue !== values[end - 1]) changes++;
      return changes;
    }
    case 'rate': {
      const spanSeconds = end === start ? 0 : (points.newestAtMs - sharedAtMs[start]!) / 1000;
      return spanSeconds > 0 ? counterIncrease(values, start, end, newestValue) / spanSeconds : NaN;
    }
    default:
      return assertNever(fn);
  }
}

/** The increase of a counter over values[start, end) and then `newest`, a drop counted as a reset. */
function counterIncrease(values: readonly number[], start: number, end: number, newest: number): number {
  let increase = 0;
  for (let i = start + 1; i <= end; i++) {
    const value = i < end ? values[i]! : newest;
    const delta = value - values[i - 1]!;
    increase += delta >= 0 ? delta : value;
  }
  return increase;
}

function assertNever(value: never): never {
  throw new Error(`unexpected window function ${String(value)}`);
}
