/**
 * The collector's in-memory rule states, by fingerprint and by host: the rules engine's evaluation
 * finds a series' state among its host's states (StatesBySeries) without hashing a fingerprint for
 * each of the series that have none, its sweeps count a rule's states (StatesByRule.countOfRule)
 * before listing them, and a collector sharing the store reloads a batch's hosts' states (ofHost,
 * alertPipeline.ts refreshHostStates) without a pass over every state.
 *
 * One small array of states a host, not a table a rule: at 3,000 agents of 13 states each, the per
 * rule tables of series keys, their texts and the labels-to-key memo took 1.0 kB of heap an agent,
 * about as much as the 13 states themselves (session 35, bench/ingestHeap.ts --snapshot).
 */
import type { RuleState, StatesBySeries } from '../../rules/index.js';

/** The form of `fingerprint(rule, labels)` (rules/labels/fingerprint.ts). */
const SERIES_FINGERPRINT = /^[0-9a-f]{16}$/;

/**
 * The most states of a host that ofSeries reads through; the series of a host with more are found
 * by their memoized fingerprint (two hash lookups, as with the series-key tables this index had). A
 * lookup reads the host's states up to the one it seeks (every one for a series without a state):
 * at 13 states cheaper than hashing the series key, at 150 (a host of 50 filesystems) 0.7-1.1 µs
 * against the tables' 0.25-0.4 (a throwaway loop over 200 such hosts, session 35).
 */
const MOST_READ_THROUGH = 32;

export class RuleStateIndex extends Map<string, RuleState> implements StatesBySeries {
  /**
   * Per `host` label, its states in the order they entered the index (a state replaced in its
   * place); states without one (aggregate groups, sweep records) are not listed. An array: a host
   * has a dozen states, which a lookup reads faster than it would hash a series key, and an array
   * of a dozen takes 180 bytes where a Set took 390.
   */
  private readonly byHost = new Map<string, RuleState[]>();
  /**
   * The states without a `host` label (sweep records, aggregate groups), by fingerprint: a few per
   * rule, which ofRule lists without a pass over every state when the rule has no other.
   */
  private readonly hostless = new Map<string, RuleState>();
  /** How many states each rule has: the sweeps' budget (countOfRule), and where ofRule's pass may stop. */
  private readonly perRule = new Map<string, number>();

  constructor(states: Iterable<[string, RuleState]> = []) {
    super();
    for (const [fingerprint, state] of states) this.set(fingerprint, state);
  }

  override set(fingerprint: string, state: RuleState): this {
    const before = super.get(fingerprint);
    super.set(fingerprint, state);
    if (before === undefined) {
      this.count(state.ruleName, 1);
      this.enter(fingerprint, state);
      return this;
    }
    if (before.ruleName !== state.ruleName) {
      this.count(before.ruleName, -1);
      this.count(state.ruleName, 1);
    }
    // Replaced in its place where it stays, as a plain map keeps the order of a key set again.
    const host = state.labels.host;
    if (host !== before.labels.host) {
      this.leave(fingerprint, before);
      this.enter(fingerprint, state);
    } else if (host === undefined) this.hostless.set(fingerprint, state);
    else {
      const ofHost = this.byHost.get(host);
      const at = ofHost?.indexOf(before) ?? -1;
      if (at >= 0) ofHost![at] = state;
      else this.enter(fingerprint, state);
    }
    return this;
  }

  override delete(fingerprint: string): boolean {
    const before = super.get(fingerprint);
    if (before !== undefined) {
      this.count(before.ruleName, -1);
      this.leave(fingerprint, before);
    }
    return super.delete(fingerprint);
  }

  override clear(): void {
    this.byHost.clear();
    this.hostless.clear();
    this.perRule.clear();
    super.clear();
  }

  /**
   * The rule's states in the order a plain map lists them, so that sweeps see them as they did
   * without the index: those without a host when it has no other (a rule with no state but its sweep
   * record sweeps every second), else one pass over the states up to its last. The pass reads each
   * state's rule name (0.5-1 ms at 130,000 states, 10,000 agents), where a table a rule cost a hash
   * lookup for each of the rule's states, and is the price of keeping no such table: up to 1 ms a
   * second there for a rule that sweeps every second (absent, change, aggregate) however few host
   * states it has.
   */
  ofRule(ruleName: string): Iterable<RuleState> {
    const count = this.perRule.get(ruleName) ?? 0;
    const listed: RuleState[] = [];
    if (count === 0) return listed;
    for (const state of this.hostless.values()) if (state.ruleName === ruleName) listed.push(state);
    if (listed.length === count) return listed;
    listed.length = 0;
    for (const state of super.values()) {
      if (state.ruleName !== ruleName) continue;
      if (listed.push(state) === count) break;
    }
    return listed;
  }

  countOfRule(ruleName: string): number {
    return this.perRule.get(ruleName) ?? 0;
  }

  /** The states whose series has the `host` label `hostname`, as they were when called (the caller may delete them meanwhile). */
  ofHost(hostname: string): Iterable<RuleState> {
    return this.byHost.get(hostname)?.slice() ?? [];
  }

  /**
   * Among the host's states, the rule's state of the same labels whose fingerprint has a series'
   * form (16 hex digits: the engine makes them only as `fingerprint(rule, labels)`; an aggregate
   * member of the same labels has another). A series without a host, or of a host with more than
   * MOST_READ_THROUGH states, is looked up by its fingerprint.
   */
  ofSeries(ruleName: string, labels: Readonly<Record<string, string>>, seriesKey: string, fingerprintOf: (seriesKey: string, labels: Readonly<Record<string, string>>) => string): RuleState | undefined {
    const ofHost = labels.host === undefined ? undefined : this.byHost.get(labels.host);
    if (ofHost === undefined) return labels.host === undefined ? super.get(fingerprintOf(seriesKey, labels)) : undefined;
    if (ofHost.length > MOST_READ_THROUGH) return super.get(fingerprintOf(seriesKey, labels));
    for (const state of ofHost) {
      if (state.ruleName === ruleName && sameLabels(state.labels, labels) && SERIES_FINGERPRINT.test(state.fingerprint)) return state;
    }
    return undefined;
  }

  private count(ruleName: string, by: 1 | -1): void {
    const count = (this.perRule.get(ruleName) ?? 0) + by;
    if (count > 0) this.perRule.set(ruleName, count);
    else this.perRule.delete(ruleName);
  }

  private enter(fingerprint: string, state: RuleState): void {
    const host = state.labels.host;
    if (host === undefined) {
      this.hostless.set(fingerprint, state);
      return;
    }
    const ofHost = this.byHost.get(host);
    if (ofHost === undefined) this.byHost.set(host, [state]);
    else ofHost.push(state);
  }

  private leave(fingerprint: string, state: RuleState): void {
    const host = state.labels.host;
    if (host === undefined) {
      this.hostless.delete(fingerprint);
      return;
    }
    const ofHost = this.byHost.get(host);
    const at = ofHost?.indexOf(state) ?? -1;
    if (at < 0) return;
    if (ofHost!.length === 1) this.byHost.delete(host);
    else ofHost!.splice(at, 1);
  }
}

/**
 * Whether two label sets have the same names and values, in whatever order (as their canonical texts
 * would be equal). Label values are strings and a plain object inherits no enumerable property, so
 * `for...in` lists exactly its labels and a name the other lacks reads as no string (undefined, or
 * what Object.prototype has); without `Object.hasOwn` a lookup took 40 % less time.
 */
function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  if (a === b) return true;
  let names = 0;
  for (const name in a) {
    if (a[name] !== b[name]) return false;
    names++;
  }
  for (const _ in b) names--;
  return names === 0;
}
