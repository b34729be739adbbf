/**
 * The stage between ingest and incidents: runs the pure rules engine over a batch of samples with
 * the persisted rule state, saves the changed state and hands the signals to the incident service,
 * all inside the caller's transaction. The in-memory copy of the state is updated only once the
 * transaction has committed, so a rolled-back batch leaves no trace.
 *
 * What is written when (a SIGKILL loses only what the second point allows):
 * - a state whose status, timers (`for`, clearFor, keepFiringFor), rule version or kind memory other
 *   than its window buffer changed, a new state and a deleted one: with the batch that changed it,
 *   in the transaction that applies its signals, so a crash never loses a `for` nor fires twice;
 * - a state whose only change is its latest sample (EvaluationResult.latestSampleOnly: a pending or
 *   firing series' new value, a window's new point): at a checkpoint, at most
 *   RULE_STATE_CHECKPOINT_MS after its first unwritten change, and at a clean stop (`checkpoint`).
 *   After a SIGKILL such a state comes back as it was up to that long before: its window lacks the
 *   newest points and its last value is older; its status and timers are those it had.
 */
import type { Logger } from 'pino';
import {
  compileRules,
  evaluate,
  isForgettable,
  splitCrossHostSweeps,
  type CompiledRuleSet,
  type CrossHostSplit,
  type Rule,
  type RuleHealth,
  type RuleState,
  type SeriesSample,
} from '../../rules/index.js';
import type { IncidentRecord } from '../domain/incident.js';
import type { IncidentChanges, IncidentService } from '../incidents/incidentService.js';
import { isAlertmanagerIncident } from '../intake/alertmanagerAlert.js';
import type { StoreTransaction } from '../store/store.js';
import { RuleStateIndex } from './ruleStateIndex.js';

/** The longest a latest-sample change of a rule state waits before it is written. */
export const RULE_STATE_CHECKPOINT_MS = 60_000;

/** Checkpoint writes per batch at most, so that a backlog of due states spreads over batches. */
const MAX_CHECKPOINT_WRITES = 2_000;

export interface AlertPipeline {
  /** Evaluates inside `tx`; call the returned `commit` after the transaction committed. */
  process(tx: StoreTransaction, samples: readonly SeriesSample[], nowMs: number): { changes: IncidentChanges; commit(): void };
  /**
   * With shared states: judges the cross-host rules (aggregate groups) over the states every
   * collector wrote, on the one collector elected for it (the `aggregates` lease, see
   * setCrossHostJudge), inside `tx`; call `commit` after the transaction committed. Nothing to do
   * without shared states, without such rules, or while this collector is not the judge.
   */
  judgeCrossHost(tx: StoreTransaction, nowMs: number): { changes: IncidentChanges; commit(): void };
  /**
   * Whether this collector judges the cross-host rules (holds their lease). Becoming the judge reloads
   * their states from the store at the next judgement; a collector that is not the judge never opens
   * or resolves their incidents (its batches only write the members' latest values).
   */
  setCrossHostJudge(judging: boolean): void;
  /** Writes every state whose latest sample is not written yet (a clean stop); call `commit` after the transaction committed. */
  checkpoint(tx: StoreTransaction): { commit(): void };
  replaceRules(rules: readonly Rule[]): void;
  rules(): readonly Rule[];
  health(): readonly RuleHealth[];
}

export interface AlertPipelineOptions {
  rules: readonly Rule[];
  initialStates: Map<string, RuleState>;
  incidents: IncidentService;
  log: Logger;
  /**
   * Several collectors share the store, and a host's reports may land on any of them: before each
   * batch, the states of its hosts that another collector wrote last are read again, and those it
   * deleted are dropped (refreshHostStates). `holder` is this collector's id, written with each state.
   * Cross-host rules (aggregate groups) are judged by one collector for all: judgeCrossHost.
   */
  sharedStates?: { holder: string };
}

export function createAlertPipeline(options: AlertPipelineOptions): AlertPipeline {
  let rules = options.rules;
  let compiled: CompiledRuleSet = compileRules(rules);
  // With shared states the cross-host sweeps run only where judgeCrossHost is called; alone, every sweep runs on ingest.
  let split: CrossHostSplit | undefined = options.sharedStates && splitCrossHostSweeps(compiled);
  const states = new RuleStateIndex(options.initialStates);
  // States whose latest sample is newer in memory than in the store, with the time of their first
  // unwritten change; in that order (an entry is added when absent and removed once written).
  const unwritten = new Map<string, number>();
  let health: readonly RuleHealth[] = rules.map((r) => ({ ruleName: r.name, healthy: true }));
  let crossHostHealth = new Map<string, RuleHealth>();
  // Set at start and on every replace: the next batch retires what rules no longer in the set left behind.
  let retirePending = true;
  const writer = options.sharedStates?.holder;
  let judging = false;
  // Where the judge's next read of the cross-host rules' states starts (Store.ruleStatesSince); undefined: read them all.
  let crossHostMark: string | undefined;
  const crossHostRule = (ruleName: string): boolean => split?.crossHost.swept.has(ruleName) === true;

  /** Evaluates `samples` against `ruleSet` inside `tx`: writes what changed, applies the signals, re-arms what is due. */
  const run = (tx: StoreTransaction, samples: readonly SeriesSample[], nowMs: number, ruleSet: CompiledRuleSet, onHealth: (result: readonly RuleHealth[]) => void) => {
    if (options.sharedStates && samples.length > 0) refreshHostStates(tx, samples, options.sharedStates.holder);
    const retiredStates = retirePending ? retireRemovedRules(tx, rules, states, options.incidents, nowMs) : [];
    retirePending = false;
    const result = evaluate(ruleSet, samples, states, nowMs);
    // Inactive states without memory (window buffers, absent intervals, group members) carry
    // nothing a restart needs, so they are dropped rather than kept forever.
    const live = new Map<string, RuleState>();
    const gone = new Set<string>();
    for (const state of result.states) {
      if (isForgettable(state)) gone.add(state.fingerprint);
      else live.set(state.fingerprint, state);
    }
    const deferred = [...live.keys()].filter((fingerprint) => result.latestSampleOnly.has(fingerprint));
    const written = new Set([...live.keys()].filter((fingerprint) => !result.latestSampleOnly.has(fingerprint)));
    for (const fingerprint of dueCheckpoints(unwritten, nowMs)) if (!gone.has(fingerprint)) written.add(fingerprint);
    const toWrite: RuleState[] = [];
    for (const fingerprint of written) {
      const state = live.get(fingerprint) ?? states.get(fingerprint);
      if (state) toWrite.push(state);
    }
    if (toWrite.length > 0) tx.saveRuleStates(toWrite, writer);
    if (gone.size > 0) tx.deleteRuleStates([...gone]);
    const changes = options.incidents.applySignals(tx, result.signals, nowMs);
    const isFiring = ({ fingerprint, ruleName, ruleVersion }: IncidentRecord): boolean | 'unknown' | 'elsewhere' => {
      // An Alertmanager alert's incident: no rule state here says whether it still fires (its notifications do).
      if (isAlertmanagerIncident({ ruleVersion })) return 'unknown';
      // A cross-host rule's incident: only its judge holds its group's state.
      if (crossHostRule(ruleName) && !judging) return 'elsewhere';
      return !gone.has(fingerprint) && (live.get(fingerprint) ?? states.get(fingerprint))?.status === 'firing';
    };
    options.incidents.rearm(tx, isFiring, nowMs);
    return {
      changes,
      commit() {
        for (const fingerprint of retiredStates) forget(fingerprint);
        for (const [fingerprint, state] of live) states.set(fingerprint, state);
        for (const fingerprint of gone) forget(fingerprint);
        for (const fingerprint of written) unwritten.delete(fingerprint);
        for (const fingerprint of deferred) if (!written.has(fingerprint) && !unwritten.has(fingerprint)) unwritten.set(fingerprint, nowMs);
        onHealth(result.health);
        for (const h of result.health) if (!h.healthy) options.log.warn({ rule: h.ruleName, error: h.error }, 'rule unhealthy');
      },
    };
  };

  return {
    process(tx, samples, nowMs) {
      return run(tx, samples, nowMs, split?.local ?? compiled, (result) => (health = result));
    },
    judgeCrossHost(tx, nowMs) {
      // Not the judge (a pass that outlived its lease): the judge decides, not this collector.
      if (!options.sharedStates || !split || !judging || split.crossHost.swept.size === 0) return { changes: { opened: [], resolved: [] }, commit: () => {} };
      refreshCrossHostStates(tx, split.crossHost, options.sharedStates.holder);
      return run(tx, [], nowMs, split.crossHost, (result) => (crossHostHealth = new Map(result.map((h) => [h.ruleName, h] as const))));
    },
    setCrossHostJudge(next) {
      if (next && !judging) crossHostMark = undefined;
      judging = next;
    },
    checkpoint(tx) {
      const fingerprints = [...unwritten.keys()];
      tx.saveRuleStates(fingerprints.map((fingerprint) => states.get(fingerprint)).filter((state) => state !== undefined), writer);
      return { commit: () => fingerprints.forEach((fingerprint) => unwritten.delete(fingerprint)) };
    },
    replaceRules(next) {
      compiled = compileRules(next);
      split = options.sharedStates && splitCrossHostSweeps(compiled);
      rules = next;
      retirePending = true;
      crossHostMark = undefined;
    },
    rules: () => rules,
    health: () => (crossHostHealth.size === 0 ? health : health.map((h) => (h.healthy ? (crossHostHealth.get(h.ruleName) ?? h) : h))),
  };

  /**
   * The judge's view of the cross-host rules' states: every collector writes the members of the hosts
   * reporting to it with each batch; the judge reads what others wrote since its last read (all of
   * it when it has just become the judge, dropping what the store no longer holds), a member's newer
   * latest sample winning over an older one.
   */
  function refreshCrossHostStates(tx: StoreTransaction, ruleSet: CompiledRuleSet, holder: string): void {
    const names = [...ruleSet.swept.keys()];
    const { states: rows, mark } = tx.ruleStatesSince(names, holder, crossHostMark);
    if (crossHostMark === undefined) {
      const present = new Set(rows.map((row) => row.fingerprint));
      for (const name of names) for (const state of [...states.ofRule(name)]) if (!present.has(state.fingerprint)) forget(state.fingerprint);
    }
    for (const { fingerprint, state } of rows) takeNewer(fingerprint, state);
    crossHostMark = mark;
  }

  /** Takes the store's copy of a state unless the one held here has a newer latest sample. */
  function takeNewer(fingerprint: string, state: RuleState | undefined): void {
    const held = states.get(fingerprint);
    if (state === undefined || (held !== undefined && held.lastSampleAtMs > state.lastSampleAtMs)) return;
    states.set(fingerprint, state);
    unwritten.delete(fingerprint);
  }

  /**
   * The rule-state choice with several collectors: a host's states are whatever the store holds
   * (reports of one host serialise on its row, which each report's transaction updates). A state
   * another collector wrote last is taken when its latest sample is as new as ours or newer; one held
   * here that the store no longer has was deleted by another collector (new and changed states are
   * written in their batch, so every state held here is in the store unless deleted). What a state's
   * writer had not written yet (a latest-sample-only change, up to RULE_STATE_CHECKPOINT_MS) is not
   * seen: a window may lack its newest points, status and timers are exact. It looks at the batch's
   * hosts' states only (RuleStateIndex.ofHost), not at every state kept.
   */
  function refreshHostStates(tx: StoreTransaction, samples: readonly SeriesSample[], holder: string): void {
    const hosts = new Set<string>();
    for (const sample of samples) if (sample.labels.host !== undefined) hosts.add(sample.labels.host);
    if (hosts.size === 0) return;
    const present = new Set<string>();
    for (const { fingerprint, state } of tx.hostRuleStates([...hosts], holder)) {
      present.add(fingerprint);
      takeNewer(fingerprint, state);
    }
    for (const host of hosts) {
      for (const { fingerprint } of [...states.ofHost(host)]) if (!present.has(fingerprint)) forget(fingerprint);
    }
  }

  function forget(fingerprint: string): void {
    states.delete(fingerprint);
    unwritten.delete(fingerprint);
  }
}

/** The unwritten states whose first unwritten change is RULE_STATE_CHECKPOINT_MS old (oldest first, at most MAX_CHECKPOINT_WRITES). */
function dueCheckpoints(unwritten: ReadonlyMap<string, number>, nowMs: number): string[] {
  const due: string[] = [];
  for (const [fingerprint, sinceMs] of unwritten) {
    if (sinceMs > nowMs - RULE_STATE_CHECKPOINT_MS || due.length >= MAX_CHECKPOINT_WRITES) break;
    due.push(fingerprint);
  }
  return due;
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
