/**
 * The rules as an operator sees them: every rule in force with where it is written, its kind, its
 * health and state, and the series firing now; and a candidate rule file checked as `tripline rules
 * check` checks it (the same loader, the same located messages), then, when valid, replayed over
 * recent stored history beside the rules in force of the same names, so the console can show what
 * the candidate would have opened and resolved that the rule in force did not, and the reverse.
 * Reads the store only; nothing is put in force.
 */
import { formatYamlIssue, YamlValidationError } from '../../config/yamlSchemaLoader.js';
import { formatLabelMatcher, parseRuleFile, ruleKindName, type Rule, type RuleHealth, type RuleState } from '../../rules/index.js';
import type { ReplayedIncident } from '../backtest/runBacktest.js';
import type { Store } from '../store/store.js';
import { compareBacktest, type BacktestConfig } from './backtestComparison.js';
import { invalidField } from './operationError.js';

/** A series a rule fires (or is pending) for. */
export interface RuleSeriesView {
  labels: Record<string, string>;
  status: 'pending' | 'firing';
  /** When it started firing (or the `for` timer started, while pending), ISO 8601. */
  since: string | null;
  lastValue: number;
}

/** One rule in force. */
export interface RuleView {
  name: string;
  kind: string;
  /** Where it is written: `file:line`. */
  source: string;
  metric: string;
  matchers: string[];
  severity: string;
  summary: string;
  version: string;
  forSeconds: number;
  healthy: boolean;
  error?: string;
  /** firing when any series fires, pending when any waits out `for`, inactive otherwise. */
  state: 'inactive' | 'pending' | 'firing';
  firingCount: number;
  pendingCount: number;
  /** The firing and pending series, firing first, at most MAX_SERIES_SHOWN. */
  series: RuleSeriesView[];
}

/** One located problem of a candidate, as `rules check` prints it (`text`) and in parts. */
export interface RuleProblem {
  line: number;
  column: number;
  path: string;
  message: string;
  text: string;
}

/** How a candidate rule compares with the rule in force of its name over the replayed history. */
export interface RuleDiff {
  rule: string;
  /** False when no rule of that name is in force (everything it opens is new). */
  inForce: boolean;
  candidate: RuleReplayCounts;
  current: RuleReplayCounts;
  /** Incidents only the candidate opens (by host and series labels), at most MAX_SERIES_SHOWN. */
  onlyCandidate: ReplayedIncidentView[];
  /** Incidents only the rule in force opens. */
  onlyCurrent: ReplayedIncidentView[];
}

export interface RuleReplayCounts {
  opened: number;
  resolved: number;
  stillOpen: number;
}

export interface ReplayedIncidentView {
  host: string;
  labels: Record<string, string>;
  summary: string;
  openedAt: string;
  resolvedAt: string | null;
}

/** What a candidate check answers: its problems, or its rules and their backtest diff. */
export type RuleCandidateCheck =
  | { valid: false; problems: RuleProblem[] }
  | {
      valid: true;
      rules: Array<{ name: string; kind: string; line: number }>;
      /** `to` is where the replay stopped: the end asked for, or earlier when `truncated` (the time budget ran out). */
      backtest: { from: string; to: string; truncated: boolean; samples: number; elapsedMs: number; diffs: RuleDiff[] };
    };

export interface RuleOperations {
  /** The rules in force, in the order they were loaded. */
  listRules(): RuleView[];
  /** Checks a candidate rule file (YAML text) and backtests it over `fromMs`..`toMs` against the rules in force of the same names. */
  checkRuleCandidate(input: { text: string; fromMs: number; toMs: number }): RuleCandidateCheck;
}

/** The rules in force and their health (the collector's alert pipeline; the configured files for the CLI). */
export interface RulesInForce {
  rules(): readonly Rule[];
  health(): readonly RuleHealth[];
}

/** The file name a candidate's problems are located in. */
export const CANDIDATE_FILE = 'candidate.yaml';
const MAX_SERIES_SHOWN = 100;
/** Incidents a replay keeps for the diff. */
const MAX_REPLAYED_INCIDENTS = 5000;
/** The longest history a candidate is replayed over. */
export const MAX_CANDIDATE_SPAN_MS = 7 * 86_400_000;
/**
 * The wall time a candidate's replay may take. It runs on the collector's event loop (reports wait
 * meanwhile), and any viewer may ask, so a large fleet's week is cut short and says where it stopped;
 * `tripline rules backtest` on the command line has no such limit.
 */
export const CANDIDATE_BUDGET_MS = 2_000;

export function createRuleOperations({ store, config, inForce, budgetMs }: { store: Store; config: BacktestConfig; inForce: RulesInForce; budgetMs?: number }): RuleOperations {
  return {
    listRules() {
      const health = new Map(inForce.health().map((h) => [h.ruleName, h] as const));
      const byRule = new Map<string, RuleState[]>();
      for (const state of store.loadRuleStates().values()) {
        if (state.status === 'inactive') continue;
        byRule.set(state.ruleName, [...(byRule.get(state.ruleName) ?? []), state]);
      }
      return inForce.rules().map((rule) => ruleView(rule, health.get(rule.name), byRule.get(rule.name) ?? []));
    },

    checkRuleCandidate({ text, fromMs, toMs }) {
      if (!(toMs > fromMs)) throw invalidField('since', 'must be a positive duration');
      if (toMs - fromMs > MAX_CANDIDATE_SPAN_MS) throw invalidField('since', `at most ${MAX_CANDIDATE_SPAN_MS / 86_400_000} days of history are replayed`);
      let candidate: Rule[];
      try {
        candidate = parseRuleFile(text, CANDIDATE_FILE);
      } catch (error) {
        if (!(error instanceof YamlValidationError)) throw error;
        return { valid: false, problems: error.issues.map((issue) => ({ line: issue.line, column: issue.column, path: issue.path, message: issue.message, text: formatYamlIssue(issue) })) };
      }
      if (candidate.length === 0) return { valid: false, problems: [{ line: 1, column: 1, path: 'rules', message: 'the candidate has no rule', text: `${CANDIDATE_FILE}:1:1: rules: the candidate has no rule` }] };
      const names = new Set(candidate.map((rule) => rule.name));
      const current = inForce.rules().filter((rule) => names.has(rule.name));
      const comparison = compareBacktest(store, config, candidate, current, fromMs, toMs, { keepIncidents: MAX_REPLAYED_INCIDENTS, budgetMs: budgetMs ?? CANDIDATE_BUDGET_MS });
      const currentNames = new Set(current.map((rule) => rule.name));
      const diffs = candidate.map((rule) => ruleDiff(rule.name, currentNames.has(rule.name), comparison.candidate.incidentList ?? [], comparison.inForce.incidentList ?? []));
      return {
        valid: true,
        rules: candidate.map((rule) => ({ name: rule.name, kind: ruleKindName(rule), line: rule.line })),
        backtest: { from: iso(fromMs), to: iso(comparison.toMs), truncated: comparison.truncatedAtMs !== undefined, samples: comparison.candidate.samples, elapsedMs: Math.round(comparison.elapsedMs), diffs },
      };
    },
  };
}

function ruleView(rule: Rule, health: RuleHealth | undefined, states: readonly RuleState[]): RuleView {
  const firing = states.filter((s) => s.status === 'firing');
  const pending = states.filter((s) => s.status === 'pending');
  const series = [...firing, ...pending].slice(0, MAX_SERIES_SHOWN).map((s) => {
    const since = s.status === 'firing' ? s.firingSinceMs : s.pendingSinceMs;
    return { labels: s.labels, status: s.status as 'pending' | 'firing', since: since === undefined ? null : iso(since), lastValue: s.lastValue };
  });
  return {
    name: rule.name,
    kind: ruleKindName(rule),
    source: `${rule.file}:${rule.line}`,
    metric: rule.metric,
    matchers: rule.matchers.map(formatLabelMatcher),
    severity: rule.severity,
    summary: rule.summary,
    version: rule.version,
    forSeconds: rule.forSeconds,
    healthy: health?.healthy ?? true,
    ...(health?.error === undefined ? {} : { error: health.error }),
    state: firing.length > 0 ? 'firing' : pending.length > 0 ? 'pending' : 'inactive',
    firingCount: firing.length,
    pendingCount: pending.length,
    series,
  };
}

function ruleDiff(name: string, inForce: boolean, candidateIncidents: readonly ReplayedIncident[], currentIncidents: readonly ReplayedIncident[]): RuleDiff {
  const mine = candidateIncidents.filter((i) => i.ruleName === name);
  const theirs = currentIncidents.filter((i) => i.ruleName === name);
  const keys = (list: readonly ReplayedIncident[]) => new Set(list.map(seriesOf));
  const [mineKeys, theirKeys] = [keys(mine), keys(theirs)];
  return {
    rule: name,
    inForce,
    candidate: counts(mine),
    current: counts(theirs),
    onlyCandidate: mine.filter((i) => !theirKeys.has(seriesOf(i))).slice(0, MAX_SERIES_SHOWN).map(incidentView),
    onlyCurrent: theirs.filter((i) => !mineKeys.has(seriesOf(i))).slice(0, MAX_SERIES_SHOWN).map(incidentView),
  };
}

function counts(list: readonly ReplayedIncident[]): RuleReplayCounts {
  const resolved = list.filter((i) => i.resolvedAtMs !== null).length;
  return { opened: list.length, resolved, stillOpen: list.length - resolved };
}

/** An incident's series: its host and labels in name order. */
function seriesOf(incident: ReplayedIncident): string {
  return `${incident.host}\0${JSON.stringify(Object.entries(incident.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))}`;
}

function incidentView(i: ReplayedIncident): ReplayedIncidentView {
  return { host: i.host, labels: i.labels, summary: i.summary, openedAt: iso(i.openedAtMs), resolvedAt: i.resolvedAtMs === null ? null : iso(i.resolvedAtMs) };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
