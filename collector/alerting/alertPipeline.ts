/**
 * The stage between ingest and incidents: runs the pure rules engine over a batch of samples with
 * the persisted rule state, saves the changed state and hands the signals to the incident service,
 * all inside the caller's transaction. The in-memory copy of the state is updated only once the
 * transaction has committed, so a rolled-back batch leaves no trace.
 */
import type { Logger } from 'pino';
import { compileRules, evaluate, isForgettable, type CompiledRuleSet, type Rule, type RuleHealth, type RuleState, type SeriesSample } from '../../rules/index.js';
import type { IncidentChanges, IncidentService } from '../incidents/incidentService.js';
import type { StoreTransaction } from '../store/store.js';

export interface AlertPipeline {
  /** Evaluates inside `tx`; call the returned `commit` after the transaction committed. */
  process(tx: StoreTransaction, samples: readonly SeriesSample[], nowMs: number): { changes: IncidentChanges; commit(): void };
  replaceRules(rules: readonly Rule[]): void;
  rules(): readonly Rule[];
  health(): readonly RuleHealth[];
}

export interface AlertPipelineOptions {
  rules: readonly Rule[];
  initialStates: Map<string, RuleState>;
  incidents: IncidentService;
  log: Logger;
}

export function createAlertPipeline(options: AlertPipelineOptions): AlertPipeline {
  let rules = options.rules;
  let compiled: CompiledRuleSet = compileRules(rules);
  const states = options.initialStates;
  let health: readonly RuleHealth[] = rules.map((r) => ({ ruleName: r.name, healthy: true }));
  return {
    process(tx, samples, nowMs) {
      const result = evaluate(compiled, samples, states, nowMs);
      // Inactive states without memory (window buffers, absent intervals, group members) carry
      // nothing a restart needs, so they are dropped rather than kept forever.
      const live = result.states.filter((s) => !isForgettable(s));
      const gone = result.states.filter((s) => isForgettable(s)).map((s) => s.fingerprint);
      if (live.length > 0) tx.saveRuleStates(live);
      if (gone.length > 0) tx.deleteRuleStates(gone);
      const changes = options.incidents.applySignals(tx, result.signals, nowMs);
      return {
        changes,
        commit() {
          for (const state of live) states.set(state.fingerprint, state);
          for (const fingerprint of gone) states.delete(fingerprint);
          health = result.health;
          for (const h of result.health) if (!h.healthy) options.log.warn({ rule: h.ruleName, error: h.error }, 'rule unhealthy');
        },
      };
    },
    replaceRules(next) {
      compiled = compileRules(next);
      rules = next;
    },
    rules: () => rules,
    health: () => health,
  };
}
