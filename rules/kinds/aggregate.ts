/**
 * Group aggregates (`aggregate: { by: [group], function: ratio, seriesAbove: 0.5 }`): one alert per
 * group of series sharing the `by` labels, judged by the rule's thresholds on avg, min, max, sum or
 * count of the members' latest values, or on the share of members meeting a member condition
 * (ratio). How groups are kept and judged is in aggregateGroups.ts.
 */
import { Type } from '@sinclair/typebox';
import { Duration } from '../../config/durationSchema.js';
import { LABEL_NAME_PATTERN } from '../../contract/report.js';
import { thresholdReason } from '../engine/describeReason.js';
import { knownName } from '../load/knownName.js';
import { positiveSeconds } from '../load/positiveSeconds.js';
import { describeOp } from '../model/compareThreshold.js';
import { formatNumber } from '../template/templateFilters.js';
import { judgeGroups, updateMembers, type AggregateFunction, type AggregateSpec } from './aggregateGroups.js';
import { kindSpec, type RawEntry, type ReportIssue, type RuleKind } from './ruleKind.js';

declare module '../model/ruleTypes.js' {
  interface RuleKindSpecs {
    aggregate?: AggregateSpec;
  }
}

/** The aggregate functions, in the order messages and the syntax reference list them. */
export const AGGREGATE_FUNCTIONS: readonly AggregateFunction[] = ['avg', 'min', 'max', 'sum', 'count', 'ratio'];

/** Members of a group that sent nothing for this long drop out of the aggregate (Prometheus' staleness). */
export const DEFAULT_STALE_AFTER_SECONDS = 300;

/** `aggregate: { by: [group], function: ratio, seriesAbove: 0.5, staleAfter: 5m }`; the kind checks the function. */
const AggregateEntrySchema = Type.Object(
  {
    by: Type.Array(Type.String()),
    function: Type.String(),
    seriesAbove: Type.Optional(Type.Number()),
    seriesBelow: Type.Optional(Type.Number()),
    staleAfter: Type.Optional(Duration({ positive: true })),
  },
  { additionalProperties: false },
);

/** Whether the entry's aggregate may use matchingCount: a ratio, or a function too mistyped to tell. */
function mayCountMatching(entry: RawEntry): boolean {
  const fn = (entry.aggregate as { function?: unknown } | null | undefined)?.function;
  return entry.aggregate !== undefined && (fn === 'ratio' || !(AGGREGATE_FUNCTIONS as readonly unknown[]).includes(fn));
}

/** The aggregate kind: one alert per group, members updated per call and groups judged on sweeps. */
export const aggregateKind: RuleKind = {
  ruleKey: 'aggregate',
  entryKey: 'aggregate',
  schema: { aggregate: Type.Optional(AggregateEntrySchema) },
  build: (entry, report) => {
    const aggregate = aggregateSpec(entry.aggregate, report);
    return aggregate && { aggregate };
  },
  memoryFields: ['memberOf'],
  signalLabels: (entry) => {
    const by = (entry.aggregate as { by?: unknown } | null | undefined)?.by;
    return Array.isArray(by) ? { path: ['aggregate', 'by'], labels: by.filter((label): label is string => typeof label === 'string') } : undefined;
  },
  templateVariables: [
    { name: 'seriesCount', only: 'aggregate rules', applies: (entry) => entry.aggregate !== undefined },
    { name: 'matchingCount', only: 'aggregate rules with "function: ratio"', applies: mayCountMatching },
  ],
  versionPart: (definition) => definition.aggregate && ['aggregate', definition.aggregate],
  compile: (rule) => {
    const spec = kindSpec(rule, 'aggregate');
    const by = `by (${spec.by.join(', ')})`;
    const subject =
      spec.function !== 'ratio' || !spec.member
        ? `${spec.function}(${rule.metric}) ${by}`
        : `ratio(${rule.metric} ${describeOp(spec.member.op)} ${formatNumber(spec.member.threshold)}) ${by}`;
    return {
      applySamples: updateMembers,
      sweep: (compiled, untouched, written, nowMs) => judgeGroups(compiled, [...untouched, ...written], nowMs),
      reason: thresholdReason(rule, subject),
      crossHost: true,
    };
  },
};

const LABEL_NAME = new RegExp(LABEL_NAME_PATTERN);

function aggregateSpec(given: unknown, report: ReportIssue): AggregateSpec | undefined {
  if (typeof given !== 'object' || given === null) return undefined; // the schema says what is wrong
  const aggregate = given as RawEntry;
  const fn = knownName(aggregate.function, AGGREGATE_FUNCTIONS, ['aggregate', 'function'], 'aggregate function', report);
  const by = Array.isArray(aggregate.by) ? aggregate.by.filter((name): name is string => typeof name === 'string') : [];
  by.forEach((name, index) => {
    if (!LABEL_NAME.test(name)) report(['aggregate', 'by', index], `"${name}" is not a label name`);
  });
  const hasAbove = typeof aggregate.seriesAbove === 'number';
  const hasBelow = typeof aggregate.seriesBelow === 'number';
  let member: AggregateSpec['member'];
  if (hasAbove && hasBelow) report(['aggregate', 'seriesBelow'], 'use either "seriesAbove" or "seriesBelow", not both', 'key');
  else if (hasAbove) member = { op: 'above', threshold: aggregate.seriesAbove as number };
  else if (hasBelow) member = { op: 'below', threshold: aggregate.seriesBelow as number };
  if (fn === 'ratio' && !member && !(hasAbove && hasBelow)) {
    report(['aggregate'], '"function: ratio" needs "seriesAbove" or "seriesBelow": when a series counts as breaching');
  }
  if (fn && fn !== 'ratio' && member) {
    report(['aggregate', hasAbove ? 'seriesAbove' : 'seriesBelow'], `"${hasAbove ? 'seriesAbove' : 'seriesBelow'}" only applies to "function: ratio"`, 'key');
  }
  const staleAfterSeconds = aggregate.staleAfter === undefined ? DEFAULT_STALE_AFTER_SECONDS : positiveSeconds(aggregate.staleAfter);
  if (!fn || !staleAfterSeconds || (fn === 'ratio' && !member)) return undefined;
  return member ? { by, function: fn, member, staleAfterSeconds } : { by, function: fn, staleAfterSeconds };
}
