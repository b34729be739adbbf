/**
 * Aggregate rules: one state per group of series (the series sharing the values of the `by`
 * labels), holding the latest value of every member. Once per call, each group that received
 * samples is judged on the aggregate of its fresh members, at the time of its newest sample.
 */
import { nextAlertState, type ConditionReading } from './alertStateMachine.js';
import { buildSignal } from './buildSignal.js';
import { compareThreshold } from './compareThreshold.js';
import type { CompiledRule } from './compileRules.js';
import type { EvaluationStats, SeriesWork } from './evaluate.js';
import { addSignal, freshState, type RuleOutcome } from './ruleOutcome.js';
import type { AggregateFunction, AggregateSpec, MemberValue, RuleState } from './ruleTypes.js';
import { seriesKey } from './seriesKey.js';

interface GroupWork {
  key: string;
  labels: Record<string, string>;
  series: SeriesWork[];
}

export function evaluateAggregateRule(
  compiled: CompiledRule,
  series: ReadonlyMap<string, SeriesWork>,
  prior: ReadonlyMap<string, RuleState>,
  stats: EvaluationStats,
): RuleOutcome {
  const { rule } = compiled;
  const spec = rule.aggregate!;
  const outcome: RuleOutcome = { states: [], signals: [] };
  for (const group of groupSeries(spec, series.values())) {
    const id = compiled.fingerprintOf(group.key, group.labels);
    const before = prior.get(id);
    const members: Record<string, MemberValue> = { ...before?.members };
    let newestMs = -Infinity;
    for (const { labels, samples } of group.series) {
      const member = memberKey(labels, spec.by);
      for (const sample of samples) {
        const known = members[member];
        if (known && sample.atMs <= known.atMs) {
          stats.ignoredStale++;
          continue;
        }
        members[member] = { value: sample.value, atMs: sample.atMs };
        newestMs = Math.max(newestMs, sample.atMs);
        stats.applied++;
      }
    }
    if (newestMs === -Infinity) continue;
    const atMs = Math.max(newestMs, before?.lastSampleAtMs ?? -Infinity);
    const reading = aggregateReading(compiled, members, atMs);
    const start = before ? { ...before, ruleVersion: rule.version } : freshState(rule, id, group.labels);
    const transition = nextAlertState(start, reading, compiled.timing);
    const state: RuleState = { ...transition.state, members };
    outcome.states.push(state);
    if (transition.event) addSignal(outcome, buildSignal(compiled, state, transition.event, reading));
  }
  return outcome;
}

/** Splits the series by the values of the `by` labels; a label a series lacks is left out of its group's labels. */
function groupSeries(spec: AggregateSpec, series: Iterable<SeriesWork>): Iterable<GroupWork> {
  const groups = new Map<string, GroupWork>();
  for (const work of series) {
    const labels: Record<string, string> = {};
    for (const name of spec.by) {
      const value = Object.hasOwn(work.labels, name) ? work.labels[name]! : '';
      if (value !== '') labels[name] = value;
    }
    const key = seriesKey(labels);
    const group = groups.get(key);
    if (group) group.series.push(work);
    else groups.set(key, { key, labels, series: [work] });
  }
  return groups.values();
}

/** A member's labels other than the group's, readable and unambiguous: `host="web-1",target="gw"`. */
function memberKey(labels: Readonly<Record<string, string>>, by: readonly string[]): string {
  return Object.keys(labels)
    .filter((name) => !by.includes(name))
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`)
    .join(',');
}

/**
 * The group's aggregate as a reading, in one pass that also drops the members silent for longer
 * than staleAfter (from `members`, a copy owned by this call). NaN (never fires, never clears) for
 * a group with no fresh member, except count and sum, which are 0.
 */
function aggregateReading(compiled: CompiledRule, members: Record<string, MemberValue>, atMs: number): ConditionReading {
  const { rule } = compiled;
  const spec = rule.aggregate!;
  const freshFromMs = atMs - spec.staleAfterSeconds * 1000;
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let matching = 0;
  for (const key in members) {
    const member = members[key]!;
    if (member.atMs < freshFromMs) {
      delete members[key];
      continue;
    }
    const v = member.value;
    count++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
    if (spec.member && compareThreshold(spec.member, v)) matching++;
  }
  const value = aggregateValue(spec.function, { count, sum, min, max, matching });
  return {
    atMs,
    value,
    fireMet: compareThreshold(rule.fire, value),
    clearMet: compareThreshold(rule.clear, value),
    detail: spec.member ? { seriesCount: count, matchingCount: matching } : { seriesCount: count },
  };
}

interface Totals {
  count: number;
  sum: number;
  min: number;
  max: number;
  matching: number;
}

function aggregateValue(fn: AggregateFunction, t: Totals): number {
  switch (fn) {
    case 'count':
      return t.count;
    case 'sum':
      return t.sum;
    case 'avg':
      return t.count === 0 ? NaN : t.sum / t.count;
    case 'min':
      return t.count === 0 ? NaN : t.min;
    case 'max':
      return t.count === 0 ? NaN : t.max;
    case 'ratio':
      return t.count === 0 ? NaN : t.matching / t.count;
    default:
      return assertNever(fn);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected aggregate function ${String(value)}`);
}
