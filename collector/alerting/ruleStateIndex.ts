/**
 * The collector's in-memory rule states, by fingerprint, by rule and by host: the rules engine's
 * sweeps look at one rule's states (StatesByRule), and a collector sharing the store reloads the
 * states of a batch's hosts (alertPipeline.ts refreshHostStates), not every state kept (130,000 at
 * 10,000 agents).
 */
import type { RuleState, StatesByRule } from '../../rules/index.js';

/** Lists of states under a key (a rule's name, a host), each dropped once empty. */
class Listing {
  private readonly lists = new Map<string, Map<string, RuleState>>();

  add(key: string, fingerprint: string, state: RuleState): void {
    let list = this.lists.get(key);
    if (list === undefined) this.lists.set(key, (list = new Map()));
    list.set(fingerprint, state);
  }

  remove(key: string, fingerprint: string): void {
    const list = this.lists.get(key);
    list?.delete(fingerprint);
    if (list?.size === 0) this.lists.delete(key);
  }

  of(key: string): Iterable<RuleState> {
    return this.lists.get(key)?.values() ?? [];
  }

  clear(): void {
    this.lists.clear();
  }
}

export class RuleStateIndex extends Map<string, RuleState> implements StatesByRule {
  private readonly byRule = new Listing();
  // States without a `host` label (aggregate groups, sweep records) are listed by rule only.
  private readonly byHost = new Listing();

  constructor(states: Iterable<[string, RuleState]> = []) {
    super();
    for (const [fingerprint, state] of states) this.set(fingerprint, state);
  }

  override set(fingerprint: string, state: RuleState): this {
    const before = super.get(fingerprint);
    if (before !== undefined) this.unlist(fingerprint, before);
    super.set(fingerprint, state);
    this.byRule.add(state.ruleName, fingerprint, state);
    if (state.labels.host !== undefined) this.byHost.add(state.labels.host, fingerprint, state);
    return this;
  }

  override delete(fingerprint: string): boolean {
    const before = super.get(fingerprint);
    if (before !== undefined) this.unlist(fingerprint, before);
    return super.delete(fingerprint);
  }

  override clear(): void {
    this.byRule.clear();
    this.byHost.clear();
    super.clear();
  }

  ofRule(ruleName: string): Iterable<RuleState> {
    return this.byRule.of(ruleName);
  }

  /** The states whose series has the `host` label `hostname`. */
  ofHost(hostname: string): Iterable<RuleState> {
    return this.byHost.of(hostname);
  }

  private unlist(fingerprint: string, state: RuleState): void {
    this.byRule.remove(state.ruleName, fingerprint);
    if (state.labels.host !== undefined) this.byHost.remove(state.labels.host, fingerprint);
  }
}
