/**
 * Helpers for time-step scenario tests of the rules engine, in the style of Prometheus' rule tests:
 * a fixture series, a clock that steps, and the expected state and signals at each step.
 */
import { expect } from 'vitest';
import { inverseOf } from '../../rules/model/compareThreshold.js';
import { evaluate, isForgettable, type EvaluationResult } from '../../rules/engine/evaluate.js';
import type { AlertStatus, Rule, RuleDefinition, RuleState, SeriesSample } from '../../rules/model/ruleTypes.js';
import { ruleVersion } from '../../rules/model/ruleVersion.js';
import type { CompiledRuleSet } from '../../rules/engine/compileRules.js';

/** Epoch of every scenario: a fixed, readable instant. */
export const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

/** A rule with sensible defaults for tests; the version is computed as the loader would. */
export function testRule(overrides: Partial<RuleDefinition> = {}): Rule {
  const fire = overrides.fire ?? { op: 'above', threshold: 0.9 };
  const definition: RuleDefinition = {
    name: 'disk_full',
    metric: 'filesystem_used_ratio',
    matchers: [],
    fire,
    clear: overrides.clear ?? inverseOf(fire),
    forSeconds: 0,
    clearForSeconds: 0,
    severity: 'warning',
    summary: 'Disk {{ labels.mount }} on {{ labels.host }} is {{ value | percent }} full',
    description: '',
    labels: {},
    ...overrides,
  };
  return { ...definition, version: ruleVersion(definition), file: 'test.yaml', line: 1 };
}

/** A sample `seconds` after T0. */
export function sample(seconds: number, value: number, labels: Record<string, string> = { host: 'web-1', mount: '/' }, metric = 'filesystem_used_ratio'): SeriesSample {
  return { metric, labels, value, atMs: T0 + seconds * 1000 };
}

/** One step: the samples that arrive, and what must hold afterwards. */
export interface Step {
  /** Comment for failure messages, e.g. "breach starts the for-timer". */
  note: string;
  samples: SeriesSample[];
  /** Expected status of the (single) series after the step. */
  status: AlertStatus;
  /** Expected signal kinds emitted by this step, in order. */
  signals?: Array<'firing' | 'resolved'>;
}

/**
 * Runs `steps` in order, feeding each step's returned states back in as the next step's prior (as
 * the collector does), and checks each step. Evaluation time is the newest sample of the step.
 */
export function runScenario(rules: readonly Rule[] | CompiledRuleSet, steps: readonly Step[]): EvaluationResult[] {
  const states = new Map<string, RuleState>();
  const results: EvaluationResult[] = [];
  for (const step of steps) {
    const nowMs = Math.max(T0, ...step.samples.map((s) => s.atMs));
    const result = evaluate(rules, step.samples, states, nowMs);
    for (const state of result.states) states.set(state.fingerprint, state);
    const statuses = [...states.values()].map((s) => s.status);
    expect(statuses.length === 0 ? 'inactive' : statuses[0], step.note).toBe(step.status);
    expect(result.signals.map((s) => s.kind), step.note).toEqual(step.signals ?? []);
    results.push(result);
  }
  return results;
}

/** `{host="web-1",mount="/"}`: labels sorted by name, as scenario expectations name series. */
export function labelsText(labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels).sort();
  return `{${names.map((n) => `${n}=${JSON.stringify(labels[n])}`).join(',')}}`;
}

/** A step of a multi-series scenario. */
export interface SeriesStep {
  note: string;
  /** Evaluation time, seconds after T0; default: the newest sample of the step (or T0). */
  at?: number;
  samples: SeriesSample[];
  /** Every series not inactive after the step: `rule{labels}` -> status. */
  active: Record<string, AlertStatus>;
  /** Signals of the step, in order: `firing rule{labels}`. */
  signals?: string[];
}

/**
 * Like runScenario, for rules with many series, groups or no samples at all (absent): each step
 * names every non-inactive series and every signal, so a step can fail on any of them.
 */
export function runSeriesScenario(rules: readonly Rule[] | CompiledRuleSet, steps: readonly SeriesStep[]): EvaluationResult[] {
  const states = new Map<string, RuleState>();
  const results: EvaluationResult[] = [];
  for (const step of steps) {
    const nowMs = step.at !== undefined ? T0 + step.at * 1000 : Math.max(T0, ...step.samples.map((s) => s.atMs));
    const result = evaluate(rules, step.samples, states, nowMs);
    // As the collector does: keep the changed states (through JSON, as if restarted), delete the empty ones.
    for (const state of JSON.parse(JSON.stringify(result.states)) as RuleState[]) {
      if (isForgettable(state)) states.delete(state.fingerprint);
      else states.set(state.fingerprint, state);
    }
    const active = Object.fromEntries(
      [...states.values()].filter((s) => s.status !== 'inactive').map((s) => [`${s.ruleName}${labelsText(s.labels)}`, s.status]),
    );
    expect(active, step.note).toEqual(step.active);
    expect(
      result.signals.map((s) => {
        const { alertname: _name, ...labels } = s.labels;
        return `${s.kind} ${s.ruleName}${labelsText(labels)}`;
      }),
      step.note,
    ).toEqual(step.signals ?? []);
    results.push(result);
  }
  return results;
}
