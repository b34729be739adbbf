/**
 * The collector's in-memory rule states, by fingerprint, by rule, by series and by host: the rules
 * engine's sweeps look at one rule's states (StatesByRule), not at every state kept (130,000 at
 * 10,000 agents), its evaluation finds a series' state by the series' canonical labels
 * (StatesBySeries) without hashing a fingerprint for each of the series that have none, and a
 * collector sharing the store reloads a batch's hosts' states (ofHost, alertPipeline.ts
 * refreshHostStates) without a pass over every state.
 */
import { canonicalLabels } from '../../contract/labels.js';
import type { RuleState, StatesBySeries } from '../../rules/index.js';

/** The form of `fingerprint(rule, labels)` (rules/labels/fingerprint.ts). */
const SERIES_FINGERPRINT = /^[0-9a-f]{16}$/;

export class RuleStateIndex extends Map<string, RuleState> implements StatesBySeries {
  /**
   * Per rule, its states' fingerprints by series key: the canonical labels of a state whose
   * fingerprint has the form of a series' (16 hex digits: the engine makes them only as
   * `fingerprint(rule, labels)`), else the fingerprint itself (sweep records, aggregate members),
   * which no canonical text (`{...}`) equals. The form is checked, not the hash: hashing every
   * state again took seconds at start with 130,000 states.
   */
  private readonly byRule = new Map<string, Map<string, string>>();
  /**
   * Per `host` label, its states' fingerprints; states without one (aggregate groups, sweep records)
   * are not listed. An array, not a Set: a host's dozen fingerprints took 390 bytes in a Set, 180 in
   * an array; a fingerprint is listed once (only when it enters the index or changes host), and
   * taking one out walks its host's list.
   */
  private readonly byHost = new Map<string, string[]>();
  /**
   * The series key of a labels object: the states of one series under several rules share their
   * labels (rules/engine/ruleOutcome.ts freshState), and so one key text (at 10,000 agents, 80,000
   * texts fewer: a filesystem has three predictions).
   */
  private readonly seriesKeys = new WeakMap<Readonly<Record<string, string>>, string>();

  constructor(states: Iterable<[string, RuleState]> = []) {
    super();
    for (const [fingerprint, state] of states) this.set(fingerprint, state);
  }

  override set(fingerprint: string, state: RuleState): this {
    const before = super.get(fingerprint);
    if (before !== undefined && before.ruleName !== state.ruleName) this.unlist(fingerprint, before);
    if (before !== undefined && before.labels.host !== state.labels.host) this.unlistHost(fingerprint, before);
    super.set(fingerprint, state);
    if (before === undefined || before.ruleName !== state.ruleName) this.list(fingerprint, state);
    if ((before === undefined || before.labels.host !== state.labels.host) && state.labels.host !== undefined) {
      let ofHost = this.byHost.get(state.labels.host);
      if (ofHost === undefined) this.byHost.set(state.labels.host, (ofHost = []));
      ofHost.push(fingerprint);
    }
    return this;
  }

  override delete(fingerprint: string): boolean {
    const before = super.get(fingerprint);
    if (before !== undefined) {
      this.unlist(fingerprint, before);
      this.unlistHost(fingerprint, before);
    }
    return super.delete(fingerprint);
  }

  override clear(): void {
    this.byRule.clear();
    this.byHost.clear();
    super.clear();
  }

  *ofRule(ruleName: string): Iterable<RuleState> {
    for (const fingerprint of this.byRule.get(ruleName)?.values() ?? []) yield super.get(fingerprint)!;
  }

  countOfRule(ruleName: string): number {
    return this.byRule.get(ruleName)?.size ?? 0;
  }

  /** The states whose series has the `host` label `hostname` (as they were when called: the caller may delete them meanwhile). */
  *ofHost(hostname: string): Iterable<RuleState> {
    for (const fingerprint of this.byHost.get(hostname)?.slice() ?? []) {
      const state = super.get(fingerprint);
      if (state !== undefined) yield state;
    }
  }

  ofSeries(ruleName: string, seriesKey: string): RuleState | undefined {
    const fingerprint = this.byRule.get(ruleName)?.get(seriesKey);
    return fingerprint === undefined ? undefined : super.get(fingerprint);
  }

  private list(id: string, state: RuleState): void {
    let ofRule = this.byRule.get(state.ruleName);
    if (ofRule === undefined) this.byRule.set(state.ruleName, (ofRule = new Map()));
    const key = SERIES_FINGERPRINT.test(id) ? this.keyOf(state.labels) : id;
    ofRule.set(ofRule.has(key) ? id : key, id);
  }

  private unlist(id: string, state: RuleState): void {
    const ofRule = this.byRule.get(state.ruleName);
    if (ofRule === undefined) return;
    const key = SERIES_FINGERPRINT.test(id) ? this.keyOf(state.labels) : id;
    ofRule.delete(ofRule.get(key) === id ? key : id);
    if (ofRule.size === 0) this.byRule.delete(state.ruleName);
  }

  private unlistHost(id: string, state: RuleState): void {
    if (state.labels.host === undefined) return;
    const ofHost = this.byHost.get(state.labels.host);
    if (ofHost === undefined) return;
    const at = ofHost.indexOf(id);
    if (at >= 0) ofHost.splice(at, 1);
    if (ofHost.length === 0) this.byHost.delete(state.labels.host);
  }

  private keyOf(labels: Readonly<Record<string, string>>): string {
    let key = this.seriesKeys.get(labels);
    if (key === undefined) this.seriesKeys.set(labels, (key = canonicalLabels(labels)));
    return key;
  }
}
