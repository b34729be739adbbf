/**
 * How aggregate rules (kinds/aggregate.ts) evaluate, in two halves:
 *
 * - per call, each sample updates its series' member state (latest value and time, and the
 *   fingerprint of its group): one small write per changed series, as for any rule;
 * - per sweep (about once a second, see engine/sweepRules.ts), each group is judged on the aggregate of
 *   its members that reported within staleAfter, at `nowMs`. Stale members are forgotten (a host
 *   that is gone drops out and its state is deleted), and so is an inactive group left without
 *   members.
 *
 * So the cost of a sample does not grow with the size of its group, and a group of 10,000 hosts is
 * not rewritten on every batch.
 */
import { canonicalLabels } from '../../contract/labels.js';
import { nextAlertState, type ConditionReading, type ReadingDetail } from '../engine/alertStateMachine.js';
import { buildSignal } from '../engine/buildSignal.js';
import type { CompiledRule, EvaluationStats, RuleOutcome, SeriesWork } from '../engine/compiledRule.js';
import { addSignal, freshState } from '../engine/ruleOutcome.js';
import { thresholdReading } from '../engine/thresholdReading.js';
import { compareThreshold } from '../model/compareThreshold.js';
import type { FireOp, RuleState, ThresholdCondition } from '../model/ruleTypes.js';
import { kindSpec } from './ruleKind.js';

/** Functions that combine the latest values of many series into one per group (`aggregate:`). */
export type AggregateFunction = 'avg' | 'min' | 'max' | 'sum' | 'count' | 'ratio';

/**
 * The rule judges one value per group of series (series sharing the values of the `by` labels):
 * the `function` of the latest value of each member that reported within `staleAfterSeconds`.
 * `ratio` is the share of members whose value meets `member`.
 */
export interface AggregateSpec {
  by: string[];
  function: AggregateFunction;
  member?: ThresholdCondition<FireOp>;
  staleAfterSeconds: number;
}

const MEMBER_PREFIX = 'member:';

/** The fingerprint of a member state: distinct from any group's, even when the labels are the same. */
export function memberFingerprint(seriesFingerprint: string): string {
  return `${MEMBER_PREFIX}${seriesFingerprint}`;
}

/** The sample half: the member states changed by this call's samples. */
export function updateMembers(
  compiled: CompiledRule,
  series: Iterable<SeriesWork>,
  prior: ReadonlyMap<string, RuleState>,
  stats: EvaluationStats,
): RuleOutcome {
  const { rule } = compiled;
  const spec = kindSpec(rule, 'aggregate');
  const outcome: RuleOutcome = { states: [], signals: [] };
  for (const { key, labels, samples } of series) {
    const id = memberFingerprint(compiled.fingerprintOf(key, labels));
    const before = prior.get(id);
    let atMs = before?.lastSampleAtMs ?? -Infinity;
    let value = before?.lastValue ?? NaN;
    for (const sample of samples) {
      if (sample.atMs <= atMs) {
        stats.ignoredStale++;
        continue;
      }
      atMs = sample.atMs;
      value = sample.value;
      stats.applied++;
    }
    if (before && atMs === before.lastSampleAtMs) continue;
    const group = groupLabels(labels, spec.by);
    outcome.states.push({
      ruleName: rule.name,
      ruleVersion: rule.version,
      fingerprint: id,
      labels: { ...labels },
      status: 'inactive',
      lastValue: value,
      lastSampleAtMs: atMs,
      memberOf: compiled.fingerprintOf(canonicalLabels(group), group),
    });
  }
  return outcome;
}

/** The labels of a series' group: its values of the `by` labels; a label it lacks is left out. */
export function groupLabels(labels: Readonly<Record<string, string>>, by: readonly string[]): Record<string, string> {
  const group: Record<string, string> = {};
  for (const name of by) {
    const value = Object.hasOwn(labels, name) ? labels[name]! : '';
    if (value !== '') group[name] = value;
  }
  return group;
}

interface Group {
  state?: RuleState;
  members: RuleState[];
}

/**
 * The sweep half: judges every group of the rule at `nowMs`. `states` are the rule's states: the
 * untouched prior ones and the member states this call wrote.
 */
export function judgeGroups(compiled: CompiledRule, states: readonly RuleState[], nowMs: number): RuleOutcome {
  const { rule } = compiled;
  const spec = kindSpec(rule, 'aggregate');
  const outcome: RuleOutcome = { states: [], signals: [] };
  const groups = new Map<string, Group>();
  const groupOf = (id: string): Group => {
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { members: [] }));
    return group;
  };
  for (const state of states) {
    if (state.fingerprint.startsWith(MEMBER_PREFIX)) {
      if (state.memberOf !== undefined) groupOf(state.memberOf).members.push(state);
    } else {
      groupOf(state.fingerprint).state = state;
    }
  }
  const freshFromMs = nowMs - spec.staleAfterSeconds * 1000;
  for (const [id, { state: before, members }] of groups) {
    const fresh: RuleState[] = [];
    for (const member of members) {
      if (member.lastSampleAtMs >= freshFromMs) fresh.push(member);
      else outcome.states.push(forgotten(member));
    }
    if (fresh.length === 0 && (!before || before.status === 'inactive')) {
      if (before) outcome.states.push(before);
      continue;
    }
    const atMs = Math.max(nowMs, before?.lastSampleAtMs ?? -Infinity);
    const reading = aggregateReading(compiled, fresh, atMs);
    const start = before ? { ...before, ruleVersion: rule.version } : freshState(rule, id, groupLabels(fresh[0]!.labels, spec.by));
    const transition = nextAlertState(start, reading, compiled.timing);
    if (before || transition.state.status !== 'inactive') outcome.states.push(transition.state);
    if (transition.event) addSignal(outcome, buildSignal(compiled, transition.state, transition.event, reading));
  }
  return outcome;
}

/** A member state without its group: memoryless, so the collector deletes it. */
function forgotten(member: RuleState): RuleState {
  const { memberOf: _, ...rest } = member;
  return rest;
}

/** The group's aggregate as a reading: NaN (never fires, never clears) for avg, min, max and ratio of no member. */
function aggregateReading(compiled: CompiledRule, members: readonly RuleState[], atMs: number): ConditionReading {
  const { rule } = compiled;
  const spec = kindSpec(rule, 'aggregate');
  const totals: Totals = { count: 0, sum: 0, min: Infinity, max: -Infinity, matching: 0 };
  for (const member of members) {
    const v = member.lastValue;
    totals.count++;
    totals.sum += v;
    if (v < totals.min) totals.min = v;
    if (v > totals.max) totals.max = v;
    if (spec.member && compareThreshold(spec.member, v)) totals.matching++;
  }
  const detail: ReadingDetail = spec.member ? { seriesCount: totals.count, matchingCount: totals.matching } : { seriesCount: totals.count };
  return thresholdReading(rule, atMs, aggregateValue(spec.function, totals), detail);
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
