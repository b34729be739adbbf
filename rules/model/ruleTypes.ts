/**
 * The types at the rules engine's boundaries: samples in, rules as loaded from YAML, the per-series
 * state the collector persists, and the signals and health the engine returns. Plain data only, so
 * that every one of them survives a JSON round trip.
 */

/** One value of one series at one time, as the collector hands it to the engine. */
export interface SeriesSample {
  metric: string;
  /** Series labels; always include `host`. A missing label is the same as an empty one. */
  labels: Readonly<Record<string, string>>;
  value: number;
  /** When the value was observed (epoch milliseconds). Transitions use this time, not the wall clock. */
  atMs: number;
  /**
   * Text observed with the value, for series that carry one (a check's output line on
   * `check_status`): `{{ output }}` in the templates of the signal this sample causes.
   */
  text?: string;
  /**
   * How often the source reports this series (the agent's stated interval), when known: a sample
   * that falls short of completing `for` or `clearFor` by less than a quarter of it completes it
   * (see FOR_TOLERANCE_RATIO), so sample jitter never costs an interval.
   */
  intervalMs?: number;
  /**
   * `canonicalLabels(labels)`, when the caller has it without canonicalising (the collector makes it
   * from the report's shape: collector/ingest/seriesKeyTemplates.ts); the engine then uses it as the
   * series' key instead of computing it. It must equal what canonicalLabels would return.
   */
  seriesKey?: string;
}

/** How a label matcher compares: equal, not equal, regex match, regex non-match (Prometheus semantics). */
export type MatchOp = '=' | '!=' | '=~' | '!~';

/** One series selector term such as `mount!~"/snap/.*"`. Regexes are fully anchored, as in Prometheus. */
export interface LabelMatcher {
  label: string;
  op: MatchOp;
  /** The literal value, or the regex source (unanchored) for `=~` and `!~`. */
  value: string;
}

/** Strict comparisons, written in rule files as `above:` / `below:`. */
export type FireOp = 'above' | 'below';

/**
 * Comparisons a clear condition may use. `clearBelow:` / `clearAbove:` give the strict ones; when a
 * rule has neither, it clears as soon as the fire condition no longer holds (`atOrBelow` for a rule
 * that fires `above`), so a `tcp_up below 1` rule clears at exactly 1.
 */
export type ClearOp = FireOp | 'atOrBelow' | 'atOrAbove';

/** A threshold comparison: the value must be `op` the `threshold`. */
export interface ThresholdCondition<Op extends ClearOp = ClearOp> {
  op: Op;
  threshold: number;
}

/** How urgent a signal is; passed through to incidents and desks. */
export type Severity = 'critical' | 'warning' | 'info';

/**
 * The settings of the rule kinds beyond the plain threshold, one optional field per kind (`window`,
 * `predict`, `absent`, `aggregate`, ...); a rule sets at most one, and none judges each raw sample.
 * Each kind declares its field from its own module (rules/kinds/), by augmenting this interface.
 */
export interface RuleKindSpecs {}

/** A validated alert rule, as the loader produces it and the engine consumes it. */
export interface Rule extends RuleKindSpecs {
  /** snake_case, unique across all loaded rule files. */
  name: string;
  /** A short stable hash of the normalized definition, so an incident can say which version fired. */
  version: string;
  /** Where the rule is defined, for messages and `rules check`. */
  file: string;
  line: number;
  metric: string;
  matchers: LabelMatcher[];
  fire: ThresholdCondition<FireOp>;
  /** Only consulted while firing (hysteresis): while firing, the fire threshold no longer matters. */
  clear: ThresholdCondition;
  /** How long the fire condition must hold before the rule fires; 0 fires on the first breaching sample. */
  forSeconds: number;
  /** How long the clear condition must hold before a firing rule resolves. */
  clearForSeconds: number;
  /**
   * Prometheus' keep_firing_for: a firing rule resolves only once this long has passed since the
   * fire condition last held (in addition to the clear condition and clearFor). Absent = 0.
   */
  keepFiringForSeconds?: number;
  severity: Severity;
  /** Templates (see template/renderTemplate.ts), validated at load time. */
  summary: string;
  description: string;
  /** Extra labels added to every signal of the rule; they override series labels of the same name. */
  labels: Record<string, string>;
  /**
   * Rules this one inhibits (Alertmanager's inhibit_rules): while an incident of this rule is
   * active, a new incident of one of them whose `equal` labels have the same values gets no ticket.
   * Absent when it inhibits none.
   */
  inhibits?: Inhibition[];
  /** ITIL urgency the rule states (`urgency:`); absent: the collector derives it from the severity. */
  urgency?: 'high' | 'medium' | 'low';
  /** The runbook URL put on every ticket of the rule; absent when the file gives none. */
  runbook?: string;
}

/** `inhibits: [{ rules: [tcp_port_intermittent], equal: [host, target] }]` */
export interface Inhibition {
  rules: string[];
  /** Labels whose values must be the same on both signals (a label missing on both counts as the same). */
  equal: string[];
}

/** A rule that inhibits the rule of a signal, and on which labels. */
export interface InhibitingRule {
  rule: string;
  equal: string[];
}

/** The parts of a rule that decide its behaviour and text; not where it is written. */
export type RuleDefinition = Omit<Rule, 'version' | 'file' | 'line'>;

/** Where one rule stands for one series. */
export type AlertStatus = 'inactive' | 'pending' | 'firing';

/**
 * Per rule and series, persisted by the collector as JSON and keyed by `fingerprint`. No state is
 * the same as an inactive one; an inactive state carries nothing the engine needs beyond the
 * out-of-order guard, so the collector may delete it.
 */
export interface RuleState extends SeriesMemory {
  ruleName: string;
  ruleVersion: string;
  fingerprint: string;
  /** The series labels (not merged with rule labels). */
  labels: Record<string, string>;
  status: AlertStatus;
  /** When the fire condition started to hold (start of the `for` timer); kept while firing. */
  pendingSinceMs?: number;
  /** When the rule fired for this series. */
  firingSinceMs?: number;
  /** While firing: when the clear condition started to hold (start of the `clearFor` timer). */
  clearingSinceMs?: number;
  lastValue: number;
  /** Time of the newest sample applied; samples at or before it are ignored as replayed or out of order. */
  lastSampleAtMs: number;
  /** While firing with keepFiringFor: when the fire condition last held. */
  lastBreachAtMs?: number;
}

/**
 * What rule kinds remember of a series between samples, persisted with its state. A state that is
 * inactive and holds none of it is forgettable (see engine/isForgettable.ts). A kind that needs
 * more adds its fields by augmenting this interface from its own module, and lists them in its
 * RuleKind.memoryFields.
 */
export interface SeriesMemory {
  /**
   * Window and predict rules: the series' recent samples, oldest first, in two columns of equal
   * length. Bounded by the rule's window and by a cap of points (thinned to an even spacing): 256
   * for window functions, 64 for predictions (see engine/recentSamples.ts).
   */
  recent?: RecentSamples;
  /** Absent rules: the spacing of the last two samples, the series' own reporting interval. */
  intervalMs?: number;
  /**
   * Aggregate rules keep one state per member series (its latest value in lastValue and
   * lastSampleAtMs, status always inactive) naming the fingerprint of its group's state here, and
   * one state per group (the alert, labels = the group's labels).
   */
  memberOf?: string;
}

/** A series' recent samples, as two columns (compact in JSON). */
export interface RecentSamples {
  atMs: number[];
  values: number[];
  /**
   * Predict rules: the running sums of the least-squares fit over these points (kinds/predict.ts),
   * so that a sample costs no pass over the buffer. Absent in states saved by releases before it
   * (and in window rules' buffers): the next sample computes them from the points.
   */
  sums?: FitSums;
}

/**
 * The sums a least-squares line needs, over the points of a buffer measured from an origin (a point
 * the buffer held when the sums were last computed from scratch): x the seconds after `originMs`,
 * y the value minus `originValue` (so that a large steady value loses no precision in the products).
 */
export interface FitSums {
  originMs: number;
  originValue: number;
  x: number;
  y: number;
  xx: number;
  xy: number;
  /** Updates (points added or let go) since they were computed from scratch; at FIT_RECOMPUTE_EVERY they are again. */
  updates: number;
}

/** A rule's verdict for one series, handed to incidents. */
export interface Signal {
  kind: 'firing' | 'resolved';
  ruleName: string;
  ruleVersion: string;
  /** Stable per rule and series; the key incidents correlate on. */
  fingerprint: string;
  /** Series labels merged with rule labels, plus `alertname` = rule name. */
  labels: Record<string, string>;
  severity: Severity;
  summary: string;
  description: string;
  /** The sample value that caused the transition. */
  value: number;
  /** Time of the sample that caused the transition. */
  atMs: number;
  /**
   * When the condition this signal reports began: for `firing`, when the breach began (start of the
   * `for` timer); for `resolved`, when the clear condition began (start of the `clearFor` timer).
   */
  sinceMs: number;
  /** Readable text, e.g. "filesystem_used_ratio 0.93 above 0.9 for 5m". */
  reason: string;
  /**
   * The rules that inhibit this signal's rule; absent when none does. `depth` is the length of the
   * longest chain of inhibiting rules above it, so that the incident lifecycle decides a batch's
   * inhibitors before the signals they inhibit.
   */
  inhibition?: { depth: number; by: InhibitingRule[] };
  /** A runbook URL the signal's source names itself (an Alertmanager alert's `runbook_url`); a rule's comes from the rule. */
  runbook?: string;
}

/** Whether a rule evaluated cleanly in the last call; an unhealthy rule names its error. */
export interface RuleHealth {
  ruleName: string;
  healthy: boolean;
  error?: string;
}
