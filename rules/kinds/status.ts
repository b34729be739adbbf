/**
 * Check states (`status: [critical]`): for series whose value is a Nagios state code
 * (`check_status`: 0 ok, 1 warning, 2 critical, 3 unknown), the rule fires while the state is one
 * of the listed ones.
 *
 * | state of the sample              | fire condition | clear condition |
 * |----------------------------------|----------------|-----------------|
 * | listed                           | holds          | -               |
 * | unknown, not listed              | -              | -               |
 * | any other state                  | -              | holds           |
 * | not a state code (NaN, 7)        | -              | -               |
 *
 * UNKNOWN means the check could not tell (a plugin that timed out, a probe that failed), so unless
 * a rule lists it, it neither opens nor resolves anything: a plugin that times out while its array
 * is degraded keeps the critical incident open, and one that times out while healthy opens none.
 * A rule that lists `unknown` (with a `for` long enough to outlast a passing hiccup) is the policy
 * for checks that stay unknown. A rule for `warning` clears when the check turns critical, so the
 * critical rule takes over rather than both staying open.
 *
 * No `above`, `below`, `clearBelow` or `clearAbove`; `for`, `clearFor` and `keepFiringFor` apply.
 * `{{ value }}` is the state's code, `{{ output }}` the check's output line.
 */
import { Type } from '@sinclair/typebox';
import { formatDuration } from '../../config/duration.js';
import { CHECK_STATUS_CODES, CHECK_STATUSES } from '../../contract/collectorSeries.js';
import type { CheckStatus } from '../../contract/report.js';
import { knownName } from '../load/knownName.js';
import { kindSpec, type ReportIssue, type RuleKind } from './ruleKind.js';

/** The rule fires while the series' state is one of `states`. */
export interface StatusSpec {
  states: CheckStatus[];
}

declare module '../model/ruleTypes.js' {
  interface RuleKindSpecs {
    status?: StatusSpec;
  }
}

const UNKNOWN = CHECK_STATUS_CODES.unknown;
const THRESHOLD_KEYS = ['above', 'below', 'clearBelow', 'clearAbove'] as const;

/** The status kind: `status: [warning, critical]`, each sample's state code judged against the list. */
export const statusKind: RuleKind = {
  ruleKey: 'status',
  entryKey: 'status',
  schema: { status: Type.Optional(Type.Array(Type.String(), { minItems: 1 })) },
  build: (entry, report) => {
    for (const key of THRESHOLD_KEYS) {
      if (entry[key] !== undefined) report([key], `a "status" rule has no "${key}": it fires while the check's state is one of those listed`, 'key');
    }
    const status = statusSpec(entry.status, report);
    return status && { status };
  },
  impliedFire: (built) => (built?.status ? { op: 'above', threshold: Math.min(...built.status.states.map((state) => CHECK_STATUS_CODES[state])) - 0.5 } : undefined),
  memoryFields: [],
  templateVariables: [],
  versionPart: (definition) => definition.status && ['status', definition.status],
  compile: (rule) => {
    const { states } = kindSpec(rule, 'status');
    const codes = new Set(states.map((state) => CHECK_STATUS_CODES[state]));
    if (codes.size === 0) throw new Error('status needs at least one state');
    const listsUnknown = codes.has(UNKNOWN);
    const isState = (code: number) => Number.isInteger(code) && code >= 0 && code <= UNKNOWN;
    const isListed = (code: number) => isState(code) && codes.has(code);
    return {
      read: (sample) => {
        const code = sample.value;
        const listed = isListed(code);
        const cleared = isState(code) && !listed && (code !== UNKNOWN || listsUnknown);
        return { atMs: sample.atMs, value: code, fireMet: listed, clearMet: cleared, detail: { current: code } };
      },
      firesAt: isListed,
      reason: (event, { value }) => `${rule.metric} ${stateName(value)}${event.heldMs > 0 ? ` for ${formatDuration(event.heldMs / 1000)}` : ''}`,
      latestSampleMayLag: true,
    };
  },
};

function statusSpec(status: unknown, report: ReportIssue): StatusSpec | undefined {
  if (!Array.isArray(status)) return undefined; // the schema says what is wrong
  const states: CheckStatus[] = [];
  let valid = true;
  status.forEach((name: unknown, index) => {
    const state = knownName(name, CHECK_STATUSES, ['status', index], 'check state', report);
    if (state === undefined) valid = false;
    else if (!states.includes(state)) states.push(state);
  });
  return valid ? { states } : undefined;
}

/** "critical (2)"; a value that is no state code as itself. */
function stateName(code: number): string {
  const name = CHECK_STATUSES[code];
  return name === undefined ? String(code) : `${name} (${code})`;
}
