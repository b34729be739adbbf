/**
 * Runs rule unit tests (`tripline rules test`): input series stepped through time against a rule
 * set, and the alerts expected to be firing at given times. Pure: the suite arrives parsed, the
 * clock is the test's own, and the outcome is data for the command to print.
 */
import { closestWord } from '../../config/closestWord.js';
import { compileRules } from '../engine/compileRules.js';
import { evaluate } from '../engine/evaluate.js';
import { seriesLabels, suggestion, type SeriesCatalogue } from '../load/seriesCatalogue.js';
import type { Rule, RuleState, SeriesSample, Signal } from '../model/ruleTypes.js';

/** One input series: a value (or none) per step of `intervalMs`, from time 0. */
export interface TestSeries {
  metric: string;
  labels: Record<string, string>;
  values: Array<number | undefined>;
  /** The text every sample carries (`{{ output }}`), for series that have one. */
  text?: string;
  /** Where the series is written, for messages. */
  where?: string;
}

/** An alert expected to be firing: its rule, its labels (series + rule labels, without alertname), optionally its texts. */
export interface ExpectedAlert {
  rule: string;
  labels: Record<string, string>;
  summary?: string;
  description?: string;
}

/** What must be firing at `atMs` (for `rule` only, when given; otherwise for every rule). */
export interface AlertExpectation {
  atMs: number;
  rule?: string;
  firing: ExpectedAlert[];
  /** Where the expectation is written, for messages. */
  where: string;
}

export interface RuleTestCase {
  name: string;
  intervalMs: number;
  series: TestSeries[];
  expect: AlertExpectation[];
  where: string;
}

export interface RuleTestResult {
  name: string;
  where: string;
  /** Readable lines, one problem each; empty when the test passed. */
  failures: string[];
}

/**
 * Steps through the union of the sample times and the expectation times, evaluating the rules at
 * each (samples of that time, `nowMs` = that time), and compares the firing alerts at each
 * expectation time with the expected ones. With a `catalogue`, an input series no agent or
 * collector could send (unknown metric or label) fails the test: it would pass on a series that
 * never exists.
 */
export function runRuleTest(rules: readonly Rule[], test: RuleTestCase, catalogue?: SeriesCatalogue): RuleTestResult {
  const compiled = compileRules(rules);
  const byTime = new Map<number, SeriesSample[]>();
  for (const series of test.series) {
    series.values.forEach((value, step) => {
      if (value === undefined) return;
      const atMs = step * test.intervalMs;
      const list = byTime.get(atMs) ?? [];
      const sample: SeriesSample = { metric: series.metric, labels: series.labels, value, atMs, intervalMs: test.intervalMs };
      list.push(series.text === undefined ? sample : { ...sample, text: series.text });
      byTime.set(atMs, list);
    });
  }
  const times = [...new Set([...byTime.keys(), ...test.expect.map((e) => e.atMs)])].sort((a, b) => a - b);
  const states = new Map<string, RuleState>();
  const lastFiring = new Map<string, Signal>();
  const failures = [...(catalogue ? unknownSeries(test.series, catalogue) : []), ...unknownRules(rules, test.expect)];
  for (const atMs of times) {
    const result = evaluate(compiled, byTime.get(atMs) ?? [], states, atMs);
    for (const state of result.states) states.set(state.fingerprint, state);
    for (const signal of result.signals) if (signal.kind === 'firing') lastFiring.set(signal.fingerprint, signal);
    for (const h of result.health) if (!h.healthy) failures.push(`at ${formatOffset(atMs)}: rule ${h.ruleName} is unhealthy: ${h.error ?? ''}`);
    for (const expectation of test.expect.filter((e) => e.atMs === atMs)) {
      const firing = [...states.values()]
        .filter((s) => s.status === 'firing' && (expectation.rule === undefined || s.ruleName === expectation.rule))
        .map((s) => lastFiring.get(s.fingerprint))
        .filter((s): s is Signal => s !== undefined);
      failures.push(...compareAlerts(expectation, firing));
    }
  }
  return { name: test.name, where: test.where, failures };
}

/** Input series with a metric or label that nothing sends, as the rule loader would say of a rule. */
function unknownSeries(series: readonly TestSeries[], catalogue: SeriesCatalogue): string[] {
  const problems: string[] = [];
  for (const input of series) {
    const where = input.where ? `${input.where}: ` : '';
    const definition = catalogue.series(input.metric);
    if (!definition) {
      problems.push(`${where}unknown metric "${input.metric}": no series of it can exist${suggestion(input.metric, catalogue.names())}`);
      continue;
    }
    const known = seriesLabels(catalogue, definition);
    for (const label of Object.keys(input.labels)) {
      if (!known.includes(label)) problems.push(`${where}unknown label "${label}" of ${input.metric}${suggestion(label, known)} (its labels: ${known.join(', ')})`);
    }
  }
  return problems;
}

/** Expectations naming a rule the rule files do not define: a typo would otherwise pass as "not firing". */
function unknownRules(rules: readonly Rule[], expectations: readonly AlertExpectation[]): string[] {
  const names = rules.map((r) => r.name);
  const problems: string[] = [];
  for (const expectation of expectations) {
    for (const name of new Set([expectation.rule, ...expectation.firing.map((e) => e.rule)])) {
      if (name === undefined || names.includes(name)) continue;
      const suggestion = closestWord(name, names);
      problems.push(`${expectation.where}: no rule named "${name}" in the rule files${suggestion ? `; did you mean "${suggestion}"?` : ''}`);
    }
  }
  return problems;
}

function compareAlerts(expectation: AlertExpectation, firing: readonly Signal[]): string[] {
  const prefix = `at ${formatOffset(expectation.atMs)} (${expectation.where})`;
  const got = new Map(firing.map((s) => [alertId(s.ruleName, withoutAlertname(s.labels)), s]));
  const want = new Map(expectation.firing.map((e) => [alertId(e.rule, e.labels), e]));
  const problems: string[] = [];
  for (const [id, expected] of want) {
    const signal = got.get(id);
    if (!signal) {
      problems.push(`${prefix}: expected firing but is not: ${id}`);
      continue;
    }
    for (const field of ['summary', 'description'] as const) {
      if (expected[field] !== undefined && expected[field] !== signal[field]) {
        problems.push(`${prefix}: ${id} ${field}\n      expected: ${JSON.stringify(expected[field])}\n      got:      ${JSON.stringify(signal[field])}`);
      }
    }
  }
  for (const id of got.keys()) if (!want.has(id)) problems.push(`${prefix}: firing but not expected: ${id}`);
  return problems;
}

function withoutAlertname(labels: Readonly<Record<string, string>>): Record<string, string> {
  const { alertname: _, ...rest } = labels;
  return rest;
}

/** `rule{a="1",b="2"}` with labels sorted, the form alerts are named in test output. */
export function alertId(rule: string, labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels).sort();
  return `${rule}{${names.map((n) => `${n}=${JSON.stringify(labels[n])}`).join(',')}}`;
}

/** Milliseconds since the start of a test as a duration: 0s, 90s -> 1m30s. */
export function formatOffset(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.round(ms / 1000);
  let text = '';
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return text || `${ms}ms`;
}
