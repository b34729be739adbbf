/**
 * The collector's in-memory rule states, by fingerprint and by rule: the rules engine's sweeps look
 * at one rule's states (StatesByRule), not at every state kept (130,000 at 10,000 agents).
 */
import type { RuleState, StatesByRule } from '../../rules/index.js';

export class RuleStateIndex extends Map<string, RuleState> implements StatesByRule {
  private readonly byRule = new Map<string, Map<string, RuleState>>();

  constructor(states: Iterable<[string, RuleState]> = []) {
    super();
    for (const [fingerprint, state] of states) this.set(fingerprint, state);
  }

  override set(fingerprint: string, state: RuleState): this {
    const before = super.get(fingerprint);
    if (before !== undefined && before.ruleName !== state.ruleName) this.unlist(fingerprint, before.ruleName);
    super.set(fingerprint, state);
    let ofRule = this.byRule.get(state.ruleName);
    if (ofRule === undefined) this.byRule.set(state.ruleName, (ofRule = new Map()));
    ofRule.set(fingerprint, state);
    return this;
  }

  override delete(fingerprint: string): boolean {
    const before = super.get(fingerprint);
    if (before !== undefined) this.unlist(fingerprint, before.ruleName);
    return super.delete(fingerprint);
  }

  override clear(): void {
    this.byRule.clear();
    super.clear();
  }

  ofRule(ruleName: string): Iterable<RuleState> {
    return this.byRule.get(ruleName)?.values() ?? [];
  }

  private unlist(fingerprint: string, ruleName: string): void {
    const ofRule = this.byRule.get(ruleName);
    ofRule?.delete(fingerprint);
    if (ofRule?.size === 0) this.byRule.delete(ruleName);
  }
}
