/**
 * The shape of a rule file, as TypeBox: the keys every rule has, and the keys each rule kind adds
 * (RuleKind.schema). The schema checks keys and types; `buildRule.ts` and the kinds check what a
 * schema cannot say (matchers, templates, threshold sides, unique names). Every key is described in
 * the commented default pack, `rules/default/filesystem.yaml`.
 */
import { Type, type Static, type StaticDecode, type TObject, type TProperties } from '@sinclair/typebox';
import { LABEL_NAME_PATTERN, METRIC_NAME_PATTERN } from '../../contract/report.js';
import { RULE_KINDS } from '../kinds/registry.js';
import type { Severity } from '../model/ruleTypes.js';
import { Duration } from '../../config/durationSchema.js';

/** Every severity, most urgent first. */
export const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];

/** Rule names are snake_case, so that they read well as `alertname` and in ticket titles. */
export const RULE_NAME_PATTERN = '^[a-z][a-z0-9_]*$';

/** The keys every rule has that come before the kinds' keys in messages. */
const LEADING_KEYS = {
  name: Type.String({ pattern: RULE_NAME_PATTERN, patternHint: 'a snake_case name such as disk_space_low' }),
  metric: Type.String({ pattern: METRIC_NAME_PATTERN, patternHint: 'a metric name such as filesystem_used_ratio' }),
  matchers: Type.Optional(Type.Array(Type.String())),
  above: Type.Optional(Type.Number()),
  below: Type.Optional(Type.Number()),
  clearBelow: Type.Optional(Type.Number()),
  clearAbove: Type.Optional(Type.Number()),
  for: Type.Optional(Duration()),
  clearFor: Type.Optional(Duration()),
  keepFiringFor: Type.Optional(Duration()),
};

const LabelName = Type.String({ pattern: LABEL_NAME_PATTERN, patternHint: 'a label name such as mount' });

/** `inhibits: [{ rules: [a, b], equal: [host] }]`; the loader checks that the rules exist. */
const InhibitionSchema = Type.Object(
  {
    rules: Type.Array(Type.String({ pattern: RULE_NAME_PATTERN, patternHint: 'a rule name' }), { minItems: 1 }),
    equal: Type.Optional(Type.Array(LabelName)),
  },
  { additionalProperties: false },
);

/** The keys every rule has that come after the kinds' keys. */
const TRAILING_KEYS = {
  severity: Type.Unsafe<Severity>({ type: 'string', enum: SEVERITIES }),
  summary: Type.String({ minLength: 1 }),
  description: Type.Optional(Type.String()),
  /** Label names are checked by the loader, which can say why a name is wrong. */
  labels: Type.Optional(Type.Record(Type.String(), Type.String())),
  inhibits: Type.Optional(Type.Array(InhibitionSchema)),
  /** ITIL urgency; without it the collector derives it from the severity (priority.severityUrgency). */
  urgency: Type.Optional(Type.Unsafe<'high' | 'medium' | 'low'>({ type: 'string', enum: ['high', 'medium', 'low'] })),
  /** Where the fix is written down: an http(s) URL, put on every ticket of the rule. */
  runbook: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$', patternHint: 'an http(s) URL such as https://wiki.example.com/runbooks/disk-full' })),
};

const KIND_KEYS: TProperties = Object.assign({}, ...RULE_KINDS.map((kind) => kind.schema));

/** One rule of a rule file. */
export const RuleEntrySchema = Type.Object({ ...LEADING_KEYS, ...KIND_KEYS, ...TRAILING_KEYS }, { additionalProperties: false });

/** A custom metric declared for `rules check`: one the catalogues do not have. */
export const DeclaredMetricSchema = Type.Object(
  {
    name: Type.String({ pattern: METRIC_NAME_PATTERN, patternHint: 'a metric name such as app_queue_depth' }),
    labels: Type.Optional(Type.Array(LabelName)),
    unit: Type.Optional(Type.Literal('status', { description: 'a series of Nagios state codes, which status rules may watch' })),
    help: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/**
 * A whole rule file: a `rules:` list, and optionally what `rules check` should know beyond the
 * catalogues (custom `metrics:` and the `hostLabels:` agents put on every series).
 */
export const RuleFileSchema = Type.Object(
  {
    metrics: Type.Optional(Type.Array(DeclaredMetricSchema)),
    hostLabels: Type.Optional(Type.Array(LabelName)),
    rules: Type.Array(RuleEntrySchema),
  },
  { additionalProperties: false },
);

/**
 * The keys every rule entry has, typed as loaded (durations decoded to milliseconds); the kinds read
 * their own keys from the raw entry.
 */
export type RuleEntry = StaticDecode<TObject<typeof LEADING_KEYS & typeof TRAILING_KEYS>>;

/** A declared metric as written. */
export type DeclaredMetricEntry = Static<typeof DeclaredMetricSchema>;
