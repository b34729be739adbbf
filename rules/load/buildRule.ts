/**
 * Turns one rule entry of a rule file into a Rule, checking what the schema cannot say: exactly one
 * fire threshold, a clear threshold on the healthy side of it, matchers (including that the regex
 * engine accepts each regex), templates and label names; the rule's kind checks its own keys
 * (resolveRuleKind.ts). Every problem becomes a located issue.
 */
import type { LocatedYaml, YamlIssue } from '../../config/yamlSchemaLoader.js';
import { LABEL_NAME_PATTERN } from '../../contract/report.js';
import { RULE_KINDS } from '../kinds/registry.js';
import type { EntryPath, KindVariable, RawEntry, ReportIssue } from '../kinds/ruleKind.js';
import { LabelMatcherError, parseLabelMatcher } from '../labels/parseLabelMatcher.js';
import { describeOp, inverseOf } from '../model/compareThreshold.js';
import type { FireOp, Inhibition, LabelMatcher, Rule, RuleDefinition, ThresholdCondition } from '../model/ruleTypes.js';
import { ruleVersion } from '../model/ruleVersion.js';
import { parseTemplate } from '../template/parseTemplate.js';
import { TemplateError } from '../template/renderTemplate.js';
import type { RuleEntry } from './ruleFileSchema.js';
import { checkRuleSeries, type ReportWithin } from './checkRuleSeries.js';
import { locateWithin } from './locateWithin.js';
import { resolveRuleKind } from './resolveRuleKind.js';
import type { SeriesCatalogue } from './seriesCatalogue.js';

/** The file a rule entry is read from: its text (to point at words inside values) and the series that exist. */
export interface RuleFileContext {
  text: string;
  catalogue: SeriesCatalogue;
}

/**
 * Builds the Rule for `entry`, found at `at` in `document`, appending every problem to `issues`;
 * undefined when a problem prevents building it. Reads the entry defensively, since the schema may
 * have rejected it: a field of the wrong type is left to the schema's message.
 */
export function buildRule(
  entry: Partial<RuleEntry>,
  at: EntryPath,
  file: string,
  document: LocatedYaml<unknown>,
  issues: YamlIssue[],
  context: RuleFileContext,
): Rule | undefined {
  const before = issues.length;
  const report: ReportIssue = (path, message, target) => {
    issues.push(document.locate([...at, ...path], message, target));
  };
  const within: ReportWithin = (path, word, message) => {
    issues.push(locateWithin(context.text, document.locate([...at, ...path], message), word));
  };
  const raw = entry as RawEntry;
  checkRuleSeries(raw, context.catalogue, report, within);
  const { named, specs } = resolveRuleKind(raw, report);
  const implying = named.find((kind) => kind.impliedFire !== undefined);
  const fire = implying ? implying.impliedFire!(specs) : fireCondition(entry, report);
  const clear = fire ? (implying ? inverseOf(fire) : clearCondition(entry, fire, report)) : undefined;
  const matchers = parseMatchers(entry.matchers, report);
  const forSeconds = durationSeconds(entry.for);
  const clearForSeconds = durationSeconds(entry.clearFor);
  const keepFiringForSeconds = durationSeconds(entry.keepFiringFor);
  checkTemplate(entry.summary, ['summary'], raw, report);
  checkTemplate(entry.description, ['description'], raw, report);
  const labels = checkLabels(entry.labels, report);
  if (issues.length > before || !fire || !clear || !isComplete(entry)) return undefined;
  const definition: RuleDefinition = {
    name: entry.name,
    metric: entry.metric,
    matchers,
    fire,
    clear,
    forSeconds,
    clearForSeconds,
    severity: entry.severity,
    summary: entry.summary,
    description: entry.description ?? '',
    labels,
  };
  if (keepFiringForSeconds > 0) definition.keepFiringForSeconds = keepFiringForSeconds;
  const inhibits = inhibitionsOf(entry.inhibits);
  if (inhibits.length > 0) definition.inhibits = inhibits;
  if (entry.urgency !== undefined) definition.urgency = entry.urgency;
  if (entry.runbook !== undefined) definition.runbook = entry.runbook;
  Object.assign(definition, specs);
  const { line } = document.locate(at, '');
  return { ...definition, version: ruleVersion(definition), file, line };
}

/** The entry's `inhibits`, as written (the rule set checks that the rules exist). */
function inhibitionsOf(inhibits: RuleEntry['inhibits']): Inhibition[] {
  if (!Array.isArray(inhibits)) return [];
  return inhibits.map((inhibition) => ({ rules: [...inhibition.rules], equal: [...(inhibition.equal ?? [])] }));
}

function isComplete(entry: Partial<RuleEntry>): entry is RuleEntry {
  return (
    typeof entry.name === 'string' &&
    typeof entry.metric === 'string' &&
    typeof entry.severity === 'string' &&
    typeof entry.summary === 'string'
  );
}

/** Exactly one of `above` and `below`. */
function fireCondition(entry: Partial<RuleEntry>, report: ReportIssue): ThresholdCondition<FireOp> | undefined {
  const above = typeof entry.above === 'number';
  const below = typeof entry.below === 'number';
  if (above && below) {
    report(['below'], 'a rule has either "above" or "below", not both', 'key');
    return undefined;
  }
  if (above) return { op: 'above', threshold: entry.above! };
  if (below) return { op: 'below', threshold: entry.below! };
  if (entry.above === undefined && entry.below === undefined) report([], 'missing "above" or "below": the threshold the rule fires at');
  return undefined;
}

/**
 * `clearBelow` for a rule that fires `above` (at or below its threshold), `clearAbove` for one that
 * fires `below`; none means "clears when no longer breaching".
 */
function clearCondition(entry: Partial<RuleEntry>, fire: ThresholdCondition<FireOp>, report: ReportIssue): ThresholdCondition | undefined {
  const hasBelow = typeof entry.clearBelow === 'number';
  const hasAbove = typeof entry.clearAbove === 'number';
  if (hasBelow && hasAbove) {
    report(['clearAbove'], 'a rule has either "clearBelow" or "clearAbove", not both', 'key');
    return undefined;
  }
  if (!hasBelow && !hasAbove) return inverseOf(fire);
  const given: ThresholdCondition = hasBelow ? { op: 'below', threshold: entry.clearBelow! } : { op: 'above', threshold: entry.clearAbove! };
  const key = hasBelow ? 'clearBelow' : 'clearAbove';
  const fits = fire.op === 'above' ? given.op === 'below' : given.op === 'above';
  if (!fits) {
    report([key], `"${key}" does not fit a rule that fires ${describeOp(fire.op)} its threshold; use "${hasBelow ? 'clearAbove' : 'clearBelow'}"`, 'key');
    return undefined;
  }
  const wrongSide = fire.op === 'above' ? given.threshold > fire.threshold : given.threshold < fire.threshold;
  if (wrongSide) {
    const side = fire.op === 'above' ? 'at or below' : 'at or above';
    report(
      [key],
      `${key} ${given.threshold} must be ${side} the fire threshold (${fire.op}: ${fire.threshold}); otherwise the rule would resolve while still breaching`,
    );
    return undefined;
  }
  return given;
}

function parseMatchers(texts: unknown, report: ReportIssue): LabelMatcher[] {
  if (!Array.isArray(texts)) return [];
  const matchers: LabelMatcher[] = [];
  texts.forEach((text: unknown, index) => {
    if (typeof text !== 'string') return;
    try {
      matchers.push(parseLabelMatcher(text));
    } catch (error) {
      if (!(error instanceof LabelMatcherError)) throw error;
      report(['matchers', index], error.message);
    }
  });
  return matchers;
}

/** The seconds of a duration the loader decoded to milliseconds; 0 when absent or malformed (the schema reports it). */
function durationSeconds(decoded: unknown): number {
  return typeof decoded === 'number' ? decoded / 1000 : 0;
}

/** The template variables only some rule kinds set, by name. */
const KIND_VARIABLES: ReadonlyMap<string, KindVariable> = new Map(RULE_KINDS.flatMap((kind) => kind.templateVariables.map((v) => [v.name, v] as const)));

function checkTemplate(text: unknown, path: EntryPath, entry: RawEntry, report: ReportIssue): void {
  if (typeof text !== 'string') return;
  try {
    for (const part of parseTemplate(text).parts) {
      if (part.kind !== 'field' || part.source.kind !== 'numeric') continue;
      const limited = KIND_VARIABLES.get(part.source.name);
      if (limited && !limited.applies(entry)) report(path, `"{{ ${part.expression} }}": ${part.source.name} is only set for ${limited.only}`);
    }
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    for (const problem of error.problems) report(path, problem);
  }
}

const LABEL_NAME = new RegExp(LABEL_NAME_PATTERN);

/** Rule labels: valid names, text values, and not `alertname`, which the engine sets. */
function checkLabels(labels: unknown, report: ReportIssue): Record<string, string> {
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) return {};
  const checked: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(name) || name.startsWith('__')) report(['labels', name], `"${name}" is not a label name (letters, digits and _, not starting with a digit or __)`, 'key');
    else if (name === 'alertname') report(['labels', name], '"alertname" is set to the rule name by the engine and cannot be overridden', 'key');
    else if (typeof value === 'string') checked[name] = value;
  }
  return checked;
}
