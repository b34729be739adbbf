/**
 * The shape of a rule file, as TypeBox. The schema checks keys and types; `loadRules.ts` checks what a
 * schema cannot say (matchers, templates, threshold sides, unique names). Every key is described in
 * the commented default pack, `rules/default/filesystem.yaml`.
 */
import { Type, type Static } from '@sinclair/typebox';
import { METRIC_NAME_PATTERN } from '../../contract/report.js';
import { DURATION_HINT, DURATION_PATTERN } from '../../config/duration.js';
import type { Severity } from '../model/ruleTypes.js';

/** Every severity, most urgent first. */
export const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];

/** Rule names are snake_case, so that they read well as `alertname` and in ticket titles. */
export const RULE_NAME_PATTERN = '^[a-z][a-z0-9_]*$';

const Duration = Type.String({ pattern: DURATION_PATTERN, patternHint: DURATION_HINT });

/** `predict: { window: 6h, horizon: 4h }` */
export const PredictEntrySchema = Type.Object({ window: Duration, horizon: Duration }, { additionalProperties: false });

/** `absent: { for: 3 intervals }` or `absent: { for: 2m }`; the loader parses `for`. */
export const AbsentEntrySchema = Type.Object({ for: Type.String() }, { additionalProperties: false });

/** `aggregate: { by: [group], function: ratio, seriesAbove: 0.5, staleAfter: 5m }`; the loader checks the function. */
export const AggregateEntrySchema = Type.Object(
  {
    by: Type.Array(Type.String()),
    function: Type.String(),
    seriesAbove: Type.Optional(Type.Number()),
    seriesBelow: Type.Optional(Type.Number()),
    staleAfter: Type.Optional(Duration),
  },
  { additionalProperties: false },
);

export const RuleEntrySchema = Type.Object(
  {
    name: Type.String({ pattern: RULE_NAME_PATTERN, patternHint: 'a snake_case name such as disk_space_low' }),
    metric: Type.String({ pattern: METRIC_NAME_PATTERN, patternHint: 'a metric name such as filesystem_used_ratio' }),
    matchers: Type.Optional(Type.Array(Type.String())),
    above: Type.Optional(Type.Number()),
    below: Type.Optional(Type.Number()),
    clearBelow: Type.Optional(Type.Number()),
    clearAbove: Type.Optional(Type.Number()),
    for: Type.Optional(Duration),
    clearFor: Type.Optional(Duration),
    keepFiringFor: Type.Optional(Duration),
    /** A window function; checked by the loader, which can suggest the nearest name. */
    function: Type.Optional(Type.String()),
    window: Type.Optional(Duration),
    predict: Type.Optional(PredictEntrySchema),
    absent: Type.Optional(AbsentEntrySchema),
    aggregate: Type.Optional(AggregateEntrySchema),
    severity: Type.Unsafe<Severity>({ type: 'string', enum: SEVERITIES }),
    summary: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
    /** Label names are checked by the loader, which can say why a name is wrong. */
    labels: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { additionalProperties: false },
);

export const RuleFileSchema = Type.Object({ rules: Type.Array(RuleEntrySchema) }, { additionalProperties: false });

export type RuleEntry = Static<typeof RuleEntrySchema>;
export type RuleFile = Static<typeof RuleFileSchema>;
