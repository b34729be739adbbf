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
 *   firing series' new value, a window's new point): at a checkpoint, its rule's checkpoint
 *   interval after its first unwritten change (RULE_STATE_CHECKPOINT_MS, or a 32nd of the window of
 *   a window or prediction rule, up to RULE_STATE_CHECKPOINT_MAX_MS: checkpointIntervalMs), or its
 *   host's if that came first (a host's unwritten states of one interval are held and written
 *   together: unwrittenStates.ts; a little later when more are due than the batches carry:
 *   MIN_CHECKPOINT_WRITES), and at a clean stop (`checkpoint`).
 *   After a SIGKILL such a state comes back as it was up to that long before: its window lacks the
 *   newest points (at most a 32nd of its span, or RULE_STATE_CHECKPOINT_MAX_MS of a longer one) and
 *   its last value is older; its status and timers are those it had.
 */
import type { Logger } from 'pino';
import {
  compileRules,
  evaluate,
  isForgettable,
  splitCrossHostSweeps,
  type CompiledRuleSet,
  type CrossHostSplit,
  type EvaluateOptions,
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
import { UnwrittenStates } from './unwrittenStates.js';

/**
 * How long a latest-sample change of a rule state waits before it is written: the shortest wait,
 * and the wait of every rule without a window (a threshold's or status's last value).
 */
export const RULE_STATE_CHECKPOINT_MS = 60_000;

/**
 * The longest a latest-sample change waits (a window or prediction of 8 hours or more): what a
 * SIGKILL may take from a day's window, and, with collectors sharing the store, half of how long a
 * dead collector's rows of such a rule wait before another takes them over (adoptAfterMs).
 */
export const RULE_STATE_CHECKPOINT_MAX_MS = 15 * 60_000;

/**
 * The share of its window a window or prediction state's unwritten points may span: a 32nd, two of
 * a prediction's 64 points. The default pack's states of a host (four filesystems' three predictions
 * of 30 minutes, 6 hours and a day, and the 10-minute window of CPU steal) were 13 writes a minute at
 * RULE_STATE_CHECKPOINT_MS each; with their windows' intervals (1, 11 and 15 minutes, and 1) about
 * 5.6.
 */
const CHECKPOINT_WINDOW_SHARE = 32;

/**
 * How long a rule's latest-sample changes may wait before they are written: RULE_STATE_CHECKPOINT_MS,
 * or for a rule whose kind keeps a window of points (CompiledRule.memorySpanMs) a 32nd of that window
 * in whole minutes, between RULE_STATE_CHECKPOINT_MS and RULE_STATE_CHECKPOINT_MAX_MS. Whole minutes
 * keep the lanes of unwritten states few.
 */
export function checkpointIntervalMs(memorySpanMs: number | undefined): number {
  if (memorySpanMs === undefined || !(memorySpanMs > 0)) return RULE_STATE_CHECKPOINT_MS;
  const share = Math.floor(memorySpanMs / CHECKPOINT_WINDOW_SHARE / 60_000) * 60_000;
  return Math.min(RULE_STATE_CHECKPOINT_MAX_MS, Math.max(RULE_STATE_CHECKPOINT_MS, share));
}

/**
 * Checkpoint writes per batch at most: half as many as the batch has samples (a report's 60 samples
 * defer about a dozen states, each due once a minute, so about nine times what a fleet at 15 s needs),
 * and never fewer than this, so that a backlog of due states (the latest samples of a whole fleet's
 * states, come due together a minute after a burst of reports) spreads over the batches in
 * proportion to them. A fixed 2,000 let a batch of a few reports write 2,000 states, 60-110 ms on
 * the loaded 2-core VM; a floor of 256 still let the batches of one or two reports that a fleet
 * paced at its rate makes (350 a second at 10,000 agents) write 256 each, a fleet's backlog in a
 * second or two of back-to-back batches that held the event loop for 100-580 ms (a `--cpu-prof` of
 * bench:ingest's paced phase, session 33).
 */
export const MIN_CHECKPOINT_WRITES = 32;

/**
 * With a shared store: how long a state row must have gone unwritten before a collector that did
 * not write it last may take it over outside a batch of its host (Store.writeOwnRuleStates). Its
 * writer, if alive, has written all it knew of it by then (latest-sample changes wait at most their
 * rule's checkpoint interval); twice that leaves room for a backlog and for clocks a little apart.
 * This is the time for rules without a window; a window or prediction rule's rows wait twice its
 * interval (adoptAfterMs), up to 2 x RULE_STATE_CHECKPOINT_MAX_MS.
 */
export const RULE_STATE_ADOPT_AFTER_MS = adoptAfterMs(RULE_STATE_CHECKPOINT_MS);

/** How long a row of a rule whose checkpoint interval is `checkpointMs` must have gone unwritten before another collector takes it over. */
export function adoptAfterMs(checkpointMs: number): number {
  return 2 * checkpointMs;
}

/** How often a collector that does not judge the cross-host rules drops what it holds of them and no longer needs. */
const CROSS_HOST_PRUNE_MS = 60_000;

const NO_HOSTS: ReadonlySet<string> = new Set();

export interface AlertPipeline {
  /**
   * Evaluates inside `tx`; call the returned `commit` after the transaction committed. `evaluation`
   * is the rules engine's (EvaluateOptions: `seriesOnce` when no two samples are of one series).
   */
  process(tx: StoreTransaction, samples: readonly SeriesSample[], nowMs: number, evaluation?: EvaluateOptions): { changes: IncidentChanges; commit(): void };
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
  checkpoint(tx: StoreTransaction, nowMs: number): { commit(): void };
  replaceRules(rules: readonly Rule[]): void;
  /** How many rule states this collector holds in memory (sweep records and aggregate members included). */
  heldStateCount(): number;
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
  /**
   * Told, once a transaction that wrote rule states has committed, how many it wrote and why (the
   * collector's tripline_rule_states_written_total): `change`, a status, timer or memory change (or a
   * new state) written with the batch that made it; `checkpoint`, a latest-sample-only change come
   * due RULE_STATE_CHECKPOINT_MS after it; `stop`, what a clean stop writes of what still waited.
   */
  onStatesWritten?(reason: RuleStateWriteReason, count: number): void;
}

/** Why rule states were written (AlertPipelineOptions.onStatesWritten). */
export type RuleStateWriteReason = 'change' | 'checkpoint' | 'stop';

export function createAlertPipeline(options: AlertPipelineOptions): AlertPipeline {
  let rules = options.rules;
  let compiled: CompiledRuleSet = compileRules(rules);
  // With shared states the cross-host sweeps run only where judgeCrossHost is called; alone, every sweep runs on ingest.
  let split: CrossHostSplit | undefined = options.sharedStates && splitCrossHostSweeps(compiled);
  const states = new RuleStateIndex(options.initialStates);
  // States whose latest sample is newer in memory than in the store, by host, with the time of their
  // first unwritten change (an entry is added when absent and removed once written). Every state
  // leaves it before it leaves `states` (forget), so the host of a fingerprint is its state's.
  const unwritten = new UnwrittenStates();
  // Each rule's checkpoint interval (checkpointIntervalMs), by name; a rule not in the set (its states about to be retired) has the shortest.
  let intervals = checkpointIntervals(compiled);
  const intervalOf = (ruleName: string | undefined): number => (ruleName === undefined ? undefined : intervals.get(ruleName)) ?? RULE_STATE_CHECKPOINT_MS;
  // A state is held in UnwrittenStates under its host and its rule's interval.
  const unwrite = (fingerprint: string): void => {
    const state = states.get(fingerprint);
    unwritten.delete(fingerprint, state?.labels.host, intervalOf(state?.ruleName));
  };
  const defer = (fingerprint: string, nowMs: number): void => {
    const state = states.get(fingerprint);
    unwritten.add(fingerprint, state?.labels.host, nowMs, intervalOf(state?.ruleName));
  };
  let health: readonly RuleHealth[] = rules.map((r) => ({ ruleName: r.name, healthy: true }));
  let crossHostHealth = new Map<string, RuleHealth>();
  // Set at start and on every replace: the next batch retires what rules no longer in the set left behind.
  let retirePending = true;
  const writer = options.sharedStates?.holder;
  let judging = false;
  // Where the judge's next read of the cross-host rules' states starts (Store.ruleStatesSince); undefined: read them all.
  let crossHostMark: string | undefined;
  let lastCrossHostPruneMs = Number.NEGATIVE_INFINITY;
  const crossHostRule = (ruleName: string): boolean => split?.crossHost.swept.has(ruleName) === true;
  const reportWrites = (reason: RuleStateWriteReason, count: number) => {
    if (count > 0) options.onStatesWritten?.(reason, count);
  };

  /** Evaluates `samples` against `ruleSet` inside `tx`: writes what changed, applies the signals, re-arms what is due. */
  const run = (tx: StoreTransaction, samples: readonly SeriesSample[], nowMs: number, ruleSet: CompiledRuleSet, onHealth: (result: readonly RuleHealth[]) => void, evaluation?: EvaluateOptions) => {
    const batchHosts = options.sharedStates && samples.length > 0 ? refreshHostStates(tx, samples, options.sharedStates.holder, nowMs) : NO_HOSTS;
    const retiredStates = retirePending ? retireRemovedRules(tx, rules, states, options.incidents, nowMs) : [];
    retirePending = false;
    const result = evaluate(ruleSet, samples, states, nowMs, evaluation);
    // Inactive states without memory (window buffers, absent intervals, group members) carry
    // nothing a restart needs, so they are dropped rather than kept forever.
    const live = new Map<string, RuleState>();
    const gone = new Map<string, RuleState>();
    for (const state of result.states) {
      if (isForgettable(state)) gone.set(state.fingerprint, state);
      else live.set(state.fingerprint, state);
    }
    const deferred = [...live.keys()].filter((fingerprint) => result.latestSampleOnly.has(fingerprint));
    const written = new Set([...live.keys()].filter((fingerprint) => !result.latestSampleOnly.has(fingerprint)));
    // Written only because their latest-sample change came due (not changed otherwise in this batch).
    const checkpointed = new Set<string>();
    for (const fingerprint of unwritten.due(nowMs, Math.max(MIN_CHECKPOINT_WRITES, Math.ceil(samples.length / 2)))) {
      if (gone.has(fingerprint) || written.has(fingerprint)) continue;
      written.add(fingerprint);
      checkpointed.add(fingerprint);
    }
    const toWrite: RuleState[] = [];
    for (const fingerprint of written) {
      const state = live.get(fingerprint) ?? states.get(fingerprint);
      if (state) toWrite.push(state);
    }
    // Changes another collector overtook are not made: neither written nor signalled; the store's copy is taken instead.
    const overtaken = persist(tx, toWrite, [...gone.values()], batchHosts, nowMs);
    for (const fingerprint of overtaken.keys()) {
      live.delete(fingerprint);
      gone.delete(fingerprint);
      written.delete(fingerprint);
    }
    let changeWrites = 0;
    let checkpointWrites = 0;
    for (const state of toWrite) {
      if (overtaken.has(state.fingerprint)) continue;
      if (checkpointed.has(state.fingerprint)) checkpointWrites++;
      else changeWrites++;
    }
    const signals = overtaken.size === 0 ? result.signals : result.signals.filter((signal) => !overtaken.has(signal.fingerprint));
    const changes = options.incidents.applySignals(tx, signals, nowMs);
    const isFiring = ({ fingerprint, ruleName, ruleVersion }: IncidentRecord): boolean | 'unknown' | 'elsewhere' => {
      // An Alertmanager alert's incident: no rule state here says whether it still fires (its notifications do).
      if (isAlertmanagerIncident({ ruleVersion })) return 'unknown';
      // A cross-host rule's incident: only its judge holds its group's state.
      if (crossHostRule(ruleName) && !judging) return 'elsewhere';
      if (overtaken.has(fingerprint)) return overtaken.get(fingerprint)?.status === 'firing';
      return !gone.has(fingerprint) && (live.get(fingerprint) ?? states.get(fingerprint))?.status === 'firing';
    };
    options.incidents.rearm(tx, isFiring, nowMs);
    return {
      changes,
      commit() {
        for (const fingerprint of retiredStates) forget(fingerprint);
        for (const [fingerprint, state] of live) states.set(fingerprint, state);
        for (const fingerprint of gone.keys()) forget(fingerprint);
        for (const fingerprint of written) unwrite(fingerprint);
        for (const fingerprint of deferred) if (!written.has(fingerprint)) defer(fingerprint, nowMs);
        takeOvertaken(overtaken);
        reportWrites('change', changeWrites);
        reportWrites('checkpoint', checkpointWrites);
        onHealth(result.health);
        for (const h of result.health) if (!h.healthy) options.log.warn({ rule: h.ruleName, error: h.error }, 'rule unhealthy');
      },
    };
  };

  return {
    process(tx, samples, nowMs, evaluation) {
      const batch = run(tx, samples, nowMs, split?.local ?? compiled, (result) => (health = result), evaluation);
      return {
        changes: batch.changes,
        commit() {
          batch.commit();
          pruneCrossHost(nowMs);
        },
      };
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
    checkpoint(tx, nowMs) {
      const fingerprints = unwritten.all();
      const save = fingerprints.map((fingerprint) => states.get(fingerprint)).filter((state) => state !== undefined);
      const overtaken = persist(tx, save, [], NO_HOSTS, nowMs);
      return {
        commit() {
          fingerprints.forEach(unwrite);
          takeOvertaken(overtaken);
          reportWrites('stop', save.filter((state) => !overtaken.has(state.fingerprint)).length);
        },
      };
    },
    replaceRules(next) {
      compiled = compileRules(next);
      intervals = checkpointIntervals(compiled);
      // A rule's window, and so its interval, may have changed: its unwritten states move to their new lane.
      unwritten.relane((fingerprint) => intervalOf(states.get(fingerprint)?.ruleName));
      split = options.sharedStates && splitCrossHostSweeps(compiled);
      rules = next;
      retirePending = true;
      crossHostMark = undefined;
    },
    heldStateCount: () => states.size,
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
    unwrite(fingerprint);
    states.set(fingerprint, state);
  }

  /**
   * The rule-state choice with several collectors: a host's states are whatever the store holds
   * (reports of one host serialise on its row, which each report's transaction updates). A state
   * another collector wrote last is taken when its latest sample is as new as ours or newer; one held
   * here that the store no longer has was deleted by another collector (new and changed states are
   * written in their batch, so every state held here is in the store unless deleted). What a state's
   * writer had not written yet (a latest-sample-only change, up to RULE_STATE_CHECKPOINT_MS) is not
   * seen: a window may lack its newest points, status and timers are exact. It looks at the batch's
   * hosts' states only (RuleStateIndex.ofHost), not at every state kept. Reading them takes them:
   * from this transaction on they are this collector's, and one that holds an older copy can no
   * longer change them from its sweeps (persist). Returns the batch's hosts.
   */
  function refreshHostStates(tx: StoreTransaction, samples: readonly SeriesSample[], holder: string, nowMs: number): ReadonlySet<string> {
    const hosts = new Set<string>();
    for (const sample of samples) if (sample.labels.host !== undefined) hosts.add(sample.labels.host);
    if (hosts.size === 0) return hosts;
    const present = new Set<string>();
    for (const { fingerprint, state } of tx.claimHostRuleStates([...hosts], holder, nowMs)) {
      present.add(fingerprint);
      takeNewer(fingerprint, state);
    }
    for (const host of hosts) {
      for (const { fingerprint } of [...states.ofHost(host)]) if (!present.has(fingerprint)) forget(fingerprint);
    }
    return hosts;
  }

  /**
   * Writes a call's changed states (`save`) and forgotten ones (`remove`). Alone on its store, all of
   * them as they are. Sharing the store, a change to a state of a host whose reports are not in this
   * call (a sweep's: an absent series judged silent, a window forgotten; a checkpoint's) may be
   * overtaken, since that host's reports may land on another collector now, which took its states
   * (claimHostRuleStates): such a change is written only over a row this collector still owns, a row
   * nobody wrote for twice its rule's checkpoint interval (adoptAfterMs) is taken over unchanged (its writer stopped or its
   * series stopped; the next sweep judges it from the store's copy), and the judge of the cross-host
   * rules forgets a stale member only if no newer sample was stored meanwhile. The states and hosts
   * of this call's reports (claimed in this transaction), states without a host (sweep records,
   * aggregate groups) and the judge's group states are written as they are. Returns the changes not
   * made, each with the store's copy (undefined: no row).
   */
  function persist(tx: StoreTransaction, save: readonly RuleState[], remove: readonly RuleState[], batchHosts: ReadonlySet<string>, nowMs: number): Map<string, RuleState | undefined> {
    const overtaken = new Map<string, RuleState | undefined>();
    const mine = (state: RuleState) => !options.sharedStates || state.labels.host === undefined || batchHosts.has(state.labels.host);
    const judged = (state: RuleState) => judging && crossHostRule(state.ruleName);
    const saveMine = save.filter((state) => mine(state) || judged(state));
    const removeMine = remove.filter(mine);
    if (saveMine.length > 0) tx.saveRuleStates(saveMine, writer, nowMs);
    if (removeMine.length > 0) tx.deleteRuleStates(removeMine.map((state) => state.fingerprint));
    if (!options.sharedStates || (saveMine.length === save.length && removeMine.length === remove.length)) return overtaken;
    const stale = remove.filter((state) => !mine(state) && judged(state));
    // A stale member the store has newer: kept as held here; the next read since the mark brings the newer one.
    for (const fingerprint of tx.deleteStaleRuleStates(stale)) overtaken.set(fingerprint, states.get(fingerprint));
    // A row may be adopted after twice its rule's interval (adoptAfterMs): one call per interval the states have.
    const own = new Map<number, { save: RuleState[]; remove: string[] }>();
    const ownOf = (state: RuleState) => {
      const interval = intervalOf(state.ruleName);
      let entry = own.get(interval);
      if (entry === undefined) own.set(interval, (entry = { save: [], remove: [] }));
      return entry;
    };
    for (const state of save) if (!mine(state) && !judged(state)) ownOf(state).save.push(state);
    for (const state of remove) if (!mine(state) && !judged(state)) ownOf(state).remove.push(state.fingerprint);
    for (const [interval, { save: saveOwn, remove: removeOwn }] of own) {
      const at = { atMs: nowMs, adoptBeforeMs: nowMs - adoptAfterMs(interval) };
      for (const { fingerprint, state } of tx.writeOwnRuleStates(saveOwn, removeOwn, options.sharedStates.holder, at)) overtaken.set(fingerprint, state);
    }
    return overtaken;
  }

  /** After the commit: the changes another collector overtook give way to the store's copies. */
  function takeOvertaken(overtaken: ReadonlyMap<string, RuleState | undefined>): void {
    for (const [fingerprint, state] of overtaken) {
      if (state === undefined) forget(fingerprint);
      else {
        unwrite(fingerprint);
        states.set(fingerprint, state);
      }
    }
  }

  /**
   * A collector that does not judge the cross-host rules needs of their states only the members its
   * batches update (to skip a stale sample); what it loaded at start or kept from its time as judge
   * would grow with every host that left it. Once a minute it drops what the judge itself would
   * forget (members gone stale, groups left without fresh members here), by a dry run of the judge's
   * sweep over what it holds: nothing is written, no signal is applied.
   */
  function pruneCrossHost(nowMs: number): void {
    if (!split || judging || split.crossHost.swept.size === 0 || nowMs - lastCrossHostPruneMs < CROSS_HOST_PRUNE_MS) return;
    lastCrossHostPruneMs = nowMs;
    for (const state of evaluate(split.crossHost, [], states, nowMs).states) if (isForgettable(state)) forget(state.fingerprint);
  }

  function forget(fingerprint: string): void {
    unwrite(fingerprint);
    states.delete(fingerprint);
  }
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

/** The checkpoint interval of each compiled rule of `ruleSet`, by name. */
function checkpointIntervals(ruleSet: CompiledRuleSet): Map<string, number> {
  const intervals = new Map<string, number>();
  for (const compiledRules of ruleSet.byMetric.values()) for (const compiled of compiledRules) intervals.set(compiled.rule.name, checkpointIntervalMs(compiled.memorySpanMs));
  return intervals;
}
