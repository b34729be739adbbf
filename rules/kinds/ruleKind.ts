/**
 * The one interface every rule kind implements: a plain threshold on each sample, a window
 * function, a prediction, an absence, a group aggregate, a change. Everything the loader and the
 * engine need to know about a kind is here, so that adding one is a new module in this folder and
 * one line in registry.ts; neither the loader nor the engine names a kind.
 */
import type { TProperties } from '@sinclair/typebox';
import type { KindBehaviour } from '../engine/compiledRule.js';
import type { FireOp, Rule, RuleDefinition, RuleKindSpecs, SeriesMemory, ThresholdCondition } from '../model/ruleTypes.js';

/** Where in a rule entry a problem is, e.g. `['aggregate', 'by', 0]`. */
export type EntryPath = Array<string | number>;

/** Records a located problem of the rule entry being built; `target` says whether its key or its value is meant. */
export type ReportIssue = (path: EntryPath, message: string, target?: 'key' | 'value') => void;

/**
 * A rule entry as written in YAML, before validation: any key may be missing or of the wrong type
 * (the schema reports wrong types), so a kind reads it defensively.
 */
export type RawEntry = Readonly<Record<string, unknown>>;

/** A numeric template variable that only rules of one kind set. */
export interface KindVariable {
  name: string;
  /** Which rules set it, for the message when another rule uses it: "predict rules". */
  only: string;
  /**
   * Whether the entry's rule sets it. Judged on the keys written, not on whether they are valid,
   * so that a typo in the kind's settings does not also flag its variables.
   */
  applies(entry: RawEntry): boolean;
}

/** One kind of rule, from its keys in a rule file to what the engine calls for its rules. */
export interface RuleKind {
  /** The Rule field holding the kind's settings; none for the plain threshold, the default kind. */
  readonly ruleKey?: keyof RuleKindSpecs;
  /** The rule-file key that selects the kind ("function" for window functions); none for the default kind. */
  readonly entryKey?: string;
  /** The rule-file keys the kind adds to a rule entry, with their schemas (see load/ruleFileSchema.ts). */
  readonly schema: TProperties;
  /**
   * Checks the kind's keys (called when any key of `schema` is written) and returns its part of the
   * Rule, or undefined once `report` has said why it cannot be built.
   */
  build(entry: RawEntry, report: ReportIssue): Partial<RuleKindSpecs> | undefined;
  /**
   * Kinds without `above`/`below` (absent, change): the fire condition their settings imply, given
   * what `build` returned; their rules clear when it no longer holds. Undefined for kinds that
   * compare with the entry's thresholds.
   */
  impliedFire?(built: Partial<RuleKindSpecs> | undefined): ThresholdCondition<FireOp> | undefined;
  /**
   * The fields of SeriesMemory the kind keeps in a series' state (what its reader returns as
   * `memory`). A state holding any of them is never forgotten (engine/isForgettable.ts), so a kind
   * that remembers series must list every field it adds.
   */
  readonly memoryFields: readonly (keyof SeriesMemory)[];
  /**
   * For kinds whose signals carry other labels than their series' (aggregates: the group's `by`
   * labels): those labels and where the entry writes them, so that the loader checks them against
   * the series catalogue and the templates against them. Undefined for kinds whose signals carry
   * the series' labels.
   */
  signalLabels?(entry: RawEntry): { path: EntryPath; labels: readonly string[] } | undefined;
  /** The numeric template variables only this kind sets. */
  readonly templateVariables: readonly KindVariable[];
  /**
   * The kind's part of the rule version (model/ruleVersion.ts), e.g. `['window', spec]`; undefined
   * when the rule does not use the kind, so that other rules' versions never change.
   */
  versionPart(definition: RuleDefinition): unknown;
  /**
   * What the engine calls for `rule`, a rule of this kind. Throws when the rule cannot run (a rule
   * built by code rather than loaded may be inconsistent); the engine reports it unhealthy.
   */
  compile(rule: Rule): KindBehaviour;
}

/** The settings of `key` on a rule of that kind; throws for a rule of another kind (a wiring mistake). */
export function kindSpec<K extends keyof RuleKindSpecs>(rule: RuleKindSpecs, key: K): NonNullable<RuleKindSpecs[K]> {
  const spec = rule[key];
  if (spec === undefined || spec === null) throw new Error(`not a "${String(key)}" rule`);
  return spec as NonNullable<RuleKindSpecs[K]>;
}
