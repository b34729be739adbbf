/**
 * The stage between ingest and incidents: runs the pure rules engine over a batch of samples with
 * the persisted rule state, saves the changed state and hands the signals to the incident service,
 * all inside the caller's transaction. The in-memory copy of the state is updated only once the
 * transaction has committed, so a rolled-back batch leaves no trace.
 */
import type { Logger } from 'pino';
import { compileRules, evaluate, isForgettable, type CompiledRuleSet, type Rule, type RuleHealth, type RuleState, type SeriesSample } from '../../rules/index.js';
import type { IncidentRecord } from '../domain/incident.js';
import type { IncidentChanges, IncidentService } from '../incidents/incidentService.js';
import { isAlertmanagerIncident } from '../intake/alertmanagerAlert.js';
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
  // Set at start and on every replace: the next batch retires what rules no longer in the set left behind.
  let retirePending = true;
  return {
    process(tx, samples, nowMs) {
      const retiredStates = retirePending ? retireRemovedRules(tx, rules, states, options.incidents, nowMs) : [];
      retirePending = false;
      const result = evaluate(compiled, samples, states, nowMs);
      // Inactive states without memory (window buffers, absent intervals, group members) carry
      // nothing a restart needs, so they are dropped rather than kept forever.
      const live = result.states.filter((s) => !isForgettable(s));
      const gone = result.states.filter((s) => isForgettable(s)).map((s) => s.fingerprint);
      if (live.length > 0) tx.saveRuleStates(live);
      if (gone.length > 0) tx.deleteRuleStates(gone);
      const changes = options.incidents.applySignals(tx, result.signals, nowMs);
      // An Alertmanager alert's incident: no rule state here says whether it still fires (its notifications do).
      const isFiring = ({ fingerprint, ruleVersion }: IncidentRecord): boolean | 'unknown' =>
        isAlertmanagerIncident({ ruleVersion }) ? 'unknown' : !gone.includes(fingerprint) && (live.find((state) => state.fingerprint === fingerprint) ?? states.get(fingerprint))?.status === 'firing';
      options.incidents.rearm(tx, isFiring, nowMs);
      return {
        changes,
        commit() {
          for (const fingerprint of retiredStates) states.delete(fingerprint);
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
      retirePending = true;
    },
    rules: () => rules,
    health: () => health,
  };
}

/**
 * What a rule removed from the set leaves behind: its persisted states are deleted and its active
 * incidents resolve with the reason "rule removed" (the desk hears it). Returns the deleted states'
 * fingerprints, to drop from memory once the transaction committed.
 */
function retireRemovedRules(tx: StoreTransaction, rules: readonly Rule[], states: ReadonlyMap<string, RuleState>, incidents: IncidentService, nowMs: number): string[] {
  const names = new Set(rules.map((rule) => rule.name));
  const gone = [...states.values()].filter((state) => !names.has(state.ruleName)).map((state) => state.fingerprint);
  if (gone.length > 0) tx.deleteRuleStates(gone);
  // Incidents of Alertmanager alerts have no Tripline rule: their alerts resolve them.
  incidents.retire(tx, (incident) => (names.has(incident.ruleName) || isAlertmanagerIncident(incident) ? undefined : { kind: 'rule removed', ruleName: incident.ruleName }), nowMs);
  return gone;
}
