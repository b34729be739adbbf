/**
 * The rules engine's public surface: what the collector, the CLI and the benchmarks use. Everything
 * else under rules/ is internal and may move; import from here.
 *
 * - model/     the boundary types (samples, rules, states, signals) and threshold meaning
 * - labels/    label matchers and fingerprints
 * - kinds/     one module per rule kind behind the RuleKind interface, and their registry
 * - load/      rule files and rule test files (YAML) into validated rules; the only file reader
 * - engine/    evaluate: routing, the alert state machine, sweeps, signals
 * - template/  the summary and description templates
 * - testing/   `tripline rules test`
 */
export type { InhibitingRule, LabelMatcher, MatchOp, Rule, RuleHealth, RuleState, SeriesSample, Severity, Signal } from './model/ruleTypes.js';
export { compileRules, splitCrossHostSweeps, type CompiledRuleSet, type CrossHostSplit } from './engine/compileRules.js';
export { MalformedRuleStateError, parseRuleStateText, ruleStateText } from './engine/savedRuleState.js';
export { evaluate, isForgettable, MAX_FUTURE_SKEW_MS, type EvaluateOptions, type EvaluationResult } from './engine/evaluate.js';
export { createStepEvaluator, readsSeries, type StepEvaluator, type StepSeries } from './engine/stepEvaluator.js';
export type { StatesByRule, StatesBySeries } from './engine/sweepRules.js';
export { compileLabelMatchers, type LabelPredicate } from './labels/compileLabelMatchers.js';
export { fingerprint } from './labels/fingerprint.js';
export { ruleKindName } from './kinds/registry.js';
export { formatLabelMatcher, LabelMatcherError, parseLabelMatcher } from './labels/parseLabelMatcher.js';
export { DEFAULT_RULES_DIR, loadRuleFiles, loadRuleSet, parseRuleFile, type RuleSet } from './load/loadRules.js';
export { createSeriesCatalogue, type SeriesCatalogue } from './load/seriesCatalogue.js';
export { loadRuleTestFile, parseRuleTestFile, type RuleTestFile } from './load/loadRuleTests.js';
export { runRuleTest, type RuleTestCase, type RuleTestResult } from './testing/ruleTestRunner.js';
export { formatBytes, formatNumber, formatPercent, formatSeconds } from './template/templateFilters.js';
