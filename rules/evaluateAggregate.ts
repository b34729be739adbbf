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
import type { AggregateSpec, MemberValue, RuleState } from './ruleTypes.js';
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
    for (const [member, { atMs: seenMs }] of Object.entries(members)) {
      if (seenMs < atMs - spec.staleAfterSeconds * 1000) delete members[member];
    }
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

/** The group's aggregate as a reading: NaN (never fires, never clears) for a group with no fresh member. */
function aggregateReading(compiled: CompiledRule, members: Readonly<Record<string, MemberValue>>, atMs: number): ConditionReading {
  const { rule } = compiled;
  const spec = rule.aggregate!;
  const values = Object.values(members).map((m) => m.value);
  const matchingCount = spec.member ? values.filter((v) => compareThreshold(spec.member!, v)).length : NaN;
  const value = aggregateValue(spec, values, matchingCount);
  return {
    atMs,
    value,
    fireMet: compareThreshold(rule.fire, value),
    clearMet: compareThreshold(rule.clear, value),
    detail: { seriesCount: values.length, matchingCount },
  };
}

function aggregateValue(spec: AggregateSpec, values: readonly number[], matchingCount: number): number {
  const n = values.length;
  switch (spec.function) {
    case 'count':
      return n;
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'avg':
      return n === 0 ? NaN : values.reduce((a, b) => a + b, 0) / n;
    case 'min':
      return n === 0 ? NaN : Math.min(...values);
    case 'max':
      return n === 0 ? NaN : Math.max(...values);
    case 'ratio':
      return n === 0 ? NaN : matchingCount / n;
    default:
      return assertNever(spec.function);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected aggregate function ${String(value)}`);
}
