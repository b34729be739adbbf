/**
 * The shape of a rule file, as TypeBox: the keys every rule has, and the keys each rule kind adds
 * (RuleKind.schema). The schema checks keys and types; `buildRule.ts` and the kinds check what a
 * schema cannot say (matchers, templates, threshold sides, unique names). Every key is described in
 * the commented default pack, `rules/default/filesystem.yaml`.
 */
import { Type, type StaticDecode, type TObject, type TProperties } from '@sinclair/typebox';
import { METRIC_NAME_PATTERN } from '../../contract/report.js';
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

/** The keys every rule has that come after the kinds' keys. */
const TRAILING_KEYS = {
  severity: Type.Unsafe<Severity>({ type: 'string', enum: SEVERITIES }),
  summary: Type.String({ minLength: 1 }),
  description: Type.Optional(Type.String()),
  /** Label names are checked by the loader, which can say why a name is wrong. */
  labels: Type.Optional(Type.Record(Type.String(), Type.String())),
};

const KIND_KEYS: TProperties = Object.assign({}, ...RULE_KINDS.map((kind) => kind.schema));

/** One rule of a rule file. */
export const RuleEntrySchema = Type.Object({ ...LEADING_KEYS, ...KIND_KEYS, ...TRAILING_KEYS }, { additionalProperties: false });

/** A whole rule file: one `rules:` list. */
export const RuleFileSchema = Type.Object({ rules: Type.Array(RuleEntrySchema) }, { additionalProperties: false });

/**
 * The keys every rule entry has, typed as loaded (durations decoded to milliseconds); the kinds read
 * their own keys from the raw entry.
 */
export type RuleEntry = StaticDecode<TObject<typeof LEADING_KEYS & typeof TRAILING_KEYS>>;
