/**
 * The collector's storage interface, over the domain types of ../domain/. SQLite (better-sqlite3,
 * WAL) is the embedded engine; this interface is what lets a second engine in later. Calls are synchronous because the embedded
 * engine is, and because a transaction must not interleave with other work on the event loop.
 *
 * Transactions belong to the service that needs them: `store.transaction(fn)` runs `fn` with
 * all writes committed together or not at all.
 */
import type { RuleState } from '../../rules/index.js';
import type { CheckResult } from '../../contract/report.js';
import type { NewDelivery, OutboxOperation, OutboxRow, OutboxState } from '../domain/delivery.js';
import type { ApiTokenRecord, AuditEntry } from '../domain/apiToken.js';
import type { ConsoleSessionRecord } from '../domain/consoleSession.js';
import type { StatusNotice } from '../domain/statusNotice.js';
import type { EnrolledAgent } from '../domain/enrolledAgent.js';
import type { FlapTransition } from '../domain/flapTransition.js';
import type { CompactionResult, RollupBucket, RollupResolution, SeriesPoint, SeriesRecord } from '../domain/history.js';
import type { CompactedBlock, HotBlock, SeriesColumns } from './historyBlocks.js';
import type { SampleBlocks } from './sampleBlocks.js';
import type { HostRecord } from '../domain/host.js';
import type { LeaseRecord, LeaseRequest } from '../domain/lease.js';
import type { IncidentPriorityRecord } from '../domain/incidentPriority.js';
import type { IncidentChange, IncidentEvent, IncidentRecord, IncidentStatus, NewIncident } from '../domain/incident.js';
import type { ServiceIncidentLink, ServiceStateChange } from '../domain/serviceIncident.js';
import type { MaintenanceRecord } from '../domain/maintenanceWindow.js';
import type { SilenceRecord } from '../domain/silence.js';
import type { TicketRecord } from '../domain/ticket.js';

/** A stored sample decoded from a report chunk. */
export interface StoredSample {
  metric: string;
  labels: Record<string, string>;
  value: number;
  atMs: number;
  /** The text stored with it (a check's output line); absent for plain samples. */
  text?: string;
}

/** What the ingestor hands to the store for one report. */
export interface ReportRecord {
  agentId: string;
  hostname: string;
  labels: Record<string, string>;
  version: string;
  intervalSeconds: number;
  /** As reported; undefined keeps the stored value (an older agent that does not send it). */
  addresses?: readonly string[];
  defaultGateway?: string;
  /** Sent only when it changed; undefined keeps the stored one. */
  inventory?: Record<string, unknown>;
  sequence: number;
  receivedAtMs: number;
  /** Observations and the `check_status` samples derived from the checks (with their output line as `text`). */
  /**
   * `intervalMs` (the agent's stated interval) is for the rules engine's `for`; the store keeps it per host.
   * Samples of one series' labels may share one labels object (reportToRecord.ts): read-only.
   */
  samples: ReadonlyArray<{ metric: string; labels: Readonly<Record<string, string>>; value: number; atMs: number; text?: string; intervalMs?: number; seriesKey?: string }>;
  checks: readonly CheckResult[];
  /**
   * A text equal for two reports of one host exactly when their samples are the same series in the
   * same order (reportShape in reportToRecord.ts), in its two parts: the store then reuses the series
   * ids of the last one. Without it the store derives one from the samples' labels.
   */
  shape?: ReportShape;
  /**
   * Set (by SeriesKeyTemplates) when no two of `samples` are of one series and none is a series the
   * ingest adds per report (agent_missed_reports): the rules engine may take a batch of such reports
   * of distinct hosts without grouping its samples by series (EvaluateOptions.seriesOnce).
   */
  seriesOnce?: boolean;
}

/**
 * A report's shape text (reportShape) as its first line, the host's name as JSON, and the rest, its
 * body, which the hosts of one role share: apart, so that a report of a known body is compared by
 * its two parts, and the text of both is never written out per report (3 to 6 kB a report: the
 * collector allocated about a twentieth of its bytes at saturation there).
 */
export interface ReportShape {
  readonly head: string;
  readonly body: string;
}

export interface OutboxFilter {
  state?: OutboxState;
  desk?: string;
  limit?: number;
}

export interface IncidentFilter {
  status?: IncidentStatus | 'active';
  /** Only incidents of this host, severity or rule. */
  host?: string;
  severity?: string;
  ruleName?: string;
  /** Only incidents older than this id (the next page of a newest-first list). */
  beforeId?: number;
  limit?: number;
}

/** Writes and reads that must happen inside a transaction. */
export interface StoreTransaction {
  /**
   * Runs `fn` under a savepoint of the transaction: when it throws, its writes (and only its) are
   * rolled back and the error rethrown, and the transaction goes on. The ingestor stores each report
   * of a batch this way, so one that fails to store fails alone.
   */
  savepoint<T>(fn: () => T): T;
  /** Stores one report; returns false when (agentId, sequence) was stored already. */
  insertReport(report: ReportRecord): boolean;
  /**
   * Saves rule states; `writtenBy` (a collector's holder id) and `atMs` (its clock) are kept with
   * each, for claimHostRuleStates and writeOwnRuleStates.
   */
  saveRuleStates(states: readonly RuleState[], writtenBy?: string, atMs?: number): void;
  /**
   * The rule states of these hosts (their series' `host` label) as the store holds them, taken over
   * by `reader`, the collector whose batch holds reports of these hosts: each row another writer
   * wrote or took last becomes `reader`'s and is returned with its state; `reader`'s own rows (it
   * holds them) come by fingerprint only. From then on a collector the host has left cannot change
   * them outside a batch of that host (writeOwnRuleStates refuses it).
   */
  claimHostRuleStates(hostnames: readonly string[], reader: string, atMs: number): Array<{ fingerprint: string; state: RuleState | undefined }>;
  /**
   * The states of the rules named, for the collector judging them over every collector's states
   * (aggregate groups, alertPipeline.ts). Without `since`: every state of those rules. With `since`,
   * the `mark` an earlier call returned: at least the states of those rules another writer than
   * `reader` wrote after that call's read (one may come again), each with its state. Pass the
   * returned `mark` to the next call.
   */
  ruleStatesSince(ruleNames: readonly string[], reader: string, since?: string): { states: Array<{ fingerprint: string; state: RuleState | undefined }>; mark: string };
  deleteRuleStates(fingerprints: readonly string[]): void;
  /**
   * Changes made outside a batch of the states' host (a sweep's, a checkpoint's), which another
   * collector may have overtaken: saves each of `save` over its row and deletes each of `remove`,
   * only where `writer` wrote or took the row last (claimHostRuleStates). Never inserts. A row of
   * another writer that nobody wrote or took since `adoptBeforeMs` (its writer stopped, or its
   * series stopped) is taken by `writer` at `atMs` but not changed: the change was made on a copy that
   * may be older. Returns the rows not changed, each with the state the store holds (undefined: no
   * such row). On PostgreSQL a concurrent writer of a row is waited for, and then refuses.
   */
  writeOwnRuleStates(
    save: readonly RuleState[],
    remove: readonly string[],
    writer: string,
    at: { atMs: number; adoptBeforeMs: number },
  ): Array<{ fingerprint: string; state: RuleState | undefined }>;
  /**
   * Deletes each state whose latest sample, as stored, is not newer than the one of the copy given:
   * the aggregate judge forgetting members gone stale, whose host may be reporting to another
   * collector at this moment. Returns the fingerprints refused (stored newer); a row already gone
   * is not refused.
   */
  deleteStaleRuleStates(states: readonly RuleState[]): string[];
  desksForIncident(incidentId: number): string[];
  findActiveIncident(fingerprint: string): IncidentRecord | undefined;
  /** Reads inside the transaction (they see its own writes). */
  getIncident(id: number): IncidentRecord | undefined;
  /** Open and acknowledged incidents, oldest first. */
  activeIncidents(): IncidentRecord[];
  /** Incidents resolved by hand whose re-arm time has come (`rearmAtMs` <= nowMs). */
  rearmDueIncidents(nowMs: number): IncidentRecord[];
  /**
   * Marks every host row of `hostname` decommissioned (history kept) and revokes its agents'
   * credentials (`revoke`: a decommissioned host) or deletes their enrolment (`forget`: a reset,
   * so a reimaged host may enrol again under the same hostname). Returns the rows changed.
   */
  retireHost(hostname: string, atMs: number, enrolment: 'revoke' | 'forget'): { hosts: number; agents: number };
  insertIncident(incident: NewIncident): IncidentRecord;
  updateIncident(id: number, change: IncidentChange): void;
  /** The newest incident of a fingerprint, whatever its status (for the re-open window). */
  findLatestIncident(fingerprint: string): IncidentRecord | undefined;
  loadFlapHistory(fingerprint: string): FlapTransition[];
  saveFlapHistory(fingerprint: string, transitions: readonly FlapTransition[]): void;
  insertSilence(silence: Omit<SilenceRecord, 'id'>): SilenceRecord;
  /** Ends a silence now; false when there is no such silence. */
  expireSilence(id: number, atMs: number): boolean;
  insertMaintenance(window: Omit<MaintenanceRecord, 'id'>): MaintenanceRecord;
  deleteMaintenance(id: number): boolean;
  addIncidentEvent(event: Omit<IncidentEvent, 'id'>): void;
  /** Records (or replaces) an incident's services, priority and SLA breach. */
  saveIncidentPriority(record: IncidentPriorityRecord): void;
  /**
   * Queues a desk operation. Coalescing: an `update` is not queued behind a pending, untried
   * `update` of the same incident and desk (that one will carry the latest state), and any
   * pending, untried `update` that was held back is made due now, so it cannot delay what follows.
   */
  enqueueOutbox(row: NewDelivery): void;
  /**
   * Claims up to `limit` due rows for `holder` until `untilMs`, as dueOutbox picks them (the oldest
   * pending row of each incident and desk), so no other claimer gets them before the claim runs out:
   * several collectors on one store each deliver different rows, and a later operation of an
   * incident waits behind its claimed earlier one wherever it runs. PostgreSQL takes the rows with
   * `SELECT … FOR UPDATE SKIP LOCKED` and marks them in the same statement; SQLite's one writer
   * does the same by serialising. A claim whose holder died runs out and the row is due again.
   */
  claimOutbox(claim: { holder: string; nowMs: number; untilMs: number; limit: number }): OutboxRow[];
  /**
   * Commits an attempt before its call: the row is held until `untilMs` unless the call concludes
   * first. With `holder`, only while the row is still pending and claimed by it; false when the
   * claim ran out and another collector took the row (then the caller must not call the desk).
   */
  leaseOutbox(id: number, attempts: number, untilMs: number, holder?: string): boolean;
  /** Hands a claimed row back undelivered (rate limit, stopping): due at `nowMs` for any claimer, if `holder` still holds it. */
  releaseOutboxClaim(id: number, holder: string, nowMs: number): void;
  /**
   * At start: rows whose call was in flight when the last process died are due now (their
   * backoff stays as it was for rows that failed normally). Returns how many.
   */
  releaseOutboxLeases(nowMs: number): number;
  markOutboxSuperseded(id: number, atMs: number): void;
  /** Makes a dead row pending again (attempts from zero), with the dead rows after it for the same incident and desk; returns the revived ids. */
  reviveOutbox(id: number, nowMs: number): number[];
  /** Records what the desk said about a ticket. */
  markTicketChecked(incidentId: number, desk: string, deskStatus: string, atMs: number): void;
  deleteTicket(incidentId: number, desk: string): void;
  markOutboxAttempt(id: number, attempts: number, nextAttemptAtMs: number, lastError: string | null): void;
  markOutboxDelivered(id: number, atMs: number): void;
  markOutboxDead(id: number, lastError: string): void;
  saveTicket(ticket: TicketRecord): void;
  /** Links a host incident under its service's incident; false when it was linked to one of that service already. */
  linkServiceIncident(link: ServiceIncidentLink): boolean;
  /** Records a service's new state (the service watcher writes only changes). */
  recordServiceState(change: ServiceStateChange): void;
}

export interface Store extends StoreReads {
  transaction<T>(fn: (tx: StoreTransaction) => T): T;
  /** Records an enrolled agent; false when the id is taken (enrolled before, revoked or not). */
  enrollAgent(agent: { agentId: string; hostname: string; credentialSha256: string; atMs: number }): boolean;
  /** Revokes an agent's credential; false when there is no such agent or it was revoked already. */
  revokeAgent(agentId: string, atMs: number): boolean;
  /** Records a named API token by its digest; false when the name is taken (revoked names stay taken). */
  insertApiToken(token: Omit<ApiTokenRecord, 'revokedAtMs'> & { tokenSha256: string }): boolean;
  /**
   * Revokes a token and ends the console sessions signed in with it, in one transaction; false when
   * there is no such token or it was revoked already.
   */
  revokeApiToken(name: string, atMs: number): boolean;
  /**
   * Records a console session; then deletes those expired by its creation and, beyond `keep`, the
   * oldest, so the table stays bounded however many sign in.
   */
  insertConsoleSession(session: ConsoleSessionRecord, keep: number): void;
  /** Ends a console session (sign-out); false when there was none with that digest. */
  deleteConsoleSession(idSha256: string): boolean;
  /** Sets the status page's notice, or clears it (null). */
  setStatusNotice(notice: StatusNotice | null): void;
  /** Appends to the audit log (inside the caller's transaction when there is one). */
  appendAudit(entry: Omit<AuditEntry, 'id'>): void;
  /**
   * Deletes raw observations older than `cutoffMs` (hot report rows received before it, and up to
   * `limit` compressed series chunks of blocks that ended before it); returns how many rows went.
   * Call again until it returns less than `limit`, yielding in between so ingest goes on.
   */
  pruneBefore(cutoffMs: number, limit?: number): number;
  /** Deletes up to `limit` rollup buckets of each resolution starting before `cutoffMs`; returns how many. */
  pruneRollupsBefore(cutoffMs: number, limit?: number): number;
  /**
   * Copies what the engine's write-ahead log holds into the database, without waiting for anyone
   * (SQLite: a passive WAL checkpoint, or nothing when a checkpoint thread does it beside the event
   * loop, as the collector's store has (walCheckpointer.ts); PostgreSQL: nothing, its server does it
   * on its own threads). History maintenance takes it as a step of its own after each pruning step,
   * so that a later commit (an ingest batch's, or the next step's) does not pay for copying the pages
   * the step wrote.
   */
  checkpointLog(): void;
  /**
   * Compacts the oldest block of hot reports that ended before `beforeMs` (one host, one block of
   * history, one transaction) into compressed series chunks and rollups; undefined when none is left.
   */
  compactHistory(beforeMs: number): CompactionResult | undefined;
  /**
   * Step 1 of a compaction in steps, which never holds the writer long: the oldest block of hot
   * reports (one host) that ended before `beforeMs`, read outside any transaction; undefined when
   * none is left. The caller encodes it (compactRowsInSteps), giving the event loop back between
   * steps, then writes it with writeCompactedBlock. SQLite: each call moves on to the block's next
   * host, and once the block is done it returns undefined until sweepCompacted has deleted the rows
   * compacted.
   */
  readHotBlock(beforeMs: number): HotBlock | undefined;
  /**
   * Step 2: in one short transaction, writes `block` (what compactRows made of `hot.rows`) and
   * takes exactly the hot rows read out of the hot window (SQLite: records them as compacted, and
   * sweepCompacted deletes them later; PostgreSQL: deletes them), so a report stored meanwhile stays
   * hot for the next pass. Undefined, with nothing written, when one of those rows is gone
   * meanwhile (compacted or pruned by another pass): read again.
   */
  writeCompactedBlock(hot: HotBlock, block: CompactedBlock): CompactionResult | undefined;
  /**
   * Step 3, once readHotBlock has nothing more (a block done): deletes the compacted hot rows among
   * the next `stepRows` rows in the order they arrived, in one short transaction; returns how many
   * went, or undefined when none is left to delete (PostgreSQL, which deletes them as it compacts:
   * always). Call again until undefined, then readHotBlock again.
   */
  sweepCompacted(stepRows: number): number | undefined;
  /**
   * Takes or renews the lease `name` for `holder` until `nowMs + ttlMs`, atomically: it succeeds when
   * nobody holds it, when `holder` holds it already, when the holding lease ran out by `nowMs`, or
   * when it is held by `takeOverFrom`. True when `holder` holds it now. Expiry is judged by the
   * callers' clocks, so collectors sharing a store need synchronised clocks (NTP).
   */
  tryAcquireLease(request: LeaseRequest): boolean;
  /** Gives up the lease `name` if `holder` holds it (a clean stop), so another collector takes it at once. */
  releaseLease(name: string, holder: string): boolean;
  close(): void;
}

/** A slice of the overdue hosts: at most `limit`, after the host `after` (by hostname, then agent id). */
export interface OverduePage {
  after?: { hostname: string; agentId: string };
  limit: number;
}

export interface StoreReads {
  /** Every host by name; `inventory: false` leaves each inventory out (null), for lists of many hosts. */
  listHosts(options?: { inventory?: boolean }): HostRecord[];
  /**
   * The hosts, not decommissioned, whose next report was due by `atMs` (last report + interval <=
   * `atMs`), by name, inventory left out: what the missed-report watcher judges every few seconds,
   * without reading the whole fleet. `page` reads them a slice at a time: at most `limit`, after the
   * host `after` (by hostname, then agent id).
   */
  overdueHosts(atMs: number, page?: OverduePage): HostRecord[];
  listAgents(): EnrolledAgent[];
  /** The agent holding this credential digest, if any (revoked ones included). */
  findAgentByCredential(credentialSha256: string): EnrolledAgent | undefined;
  /** Named API tokens, revoked ones included, oldest first. */
  listApiTokens(): ApiTokenRecord[];
  /** The token with this SHA-256 digest, revoked or not. */
  findApiTokenByDigest(tokenSha256: string): ApiTokenRecord | undefined;
  /** The console session with this id digest, expired or not. */
  findConsoleSession(idSha256: string): ConsoleSessionRecord | undefined;
  /** The newest audit entries first. */
  listAudit(limit: number): AuditEntry[];
  /** The status page's notice, if one is set. */
  statusNotice(): StatusNotice | undefined;
  /** Every lease ever taken (expired ones included), by name. */
  listLeases(): LeaseRecord[];
  /** The enrolled agent with this id, revoked or not. */
  findAgent(agentId: string): EnrolledAgent | undefined;
  /** Enrolled agents not revoked whose enrolled host name is `hostname`. */
  activeAgentsOnHost(hostname: string): EnrolledAgent[];
  /**
   * In one read, the enrolled agents a report naming `agentId` and `hostname` concerns: the agent of
   * that id (revoked or not) and the agents not revoked of that host, by agent id (the identity check
   * of every report sent with a shared token). The answer may be shared with later calls: not to be changed.
   */
  agentsClaimed(agentId: string, hostname: string): readonly EnrolledAgent[];
  loadRuleStates(): Map<string, RuleState>;
  getIncident(id: number): IncidentRecord | undefined;
  listIncidents(filter?: IncidentFilter): IncidentRecord[];
  incidentEvents(incidentId: number): IncidentEvent[];
  /** The incident's services and priority; undefined for an incident opened before priorities were recorded. */
  incidentPriority(incidentId: number): IncidentPriorityRecord | undefined;
  /** Pending outbox rows due by `nowMs`, oldest first, at most one (the oldest) per incident and desk. */
  dueOutbox(nowMs: number, limit: number): OutboxRow[];
  outboxForIncident(incidentId: number): OutboxRow[];
  getOutbox(id: number): OutboxRow | undefined;
  /** Outbox rows, newest first. */
  listOutbox(filter?: OutboxFilter): OutboxRow[];
  /** Desks that were ever sent an operation for the incident (where its resolve must go too). */
  desksForIncident(incidentId: number): string[];
  /** When an operation of these kinds was last delivered for the incident at the desk. */
  lastDeliveredAtMs(incidentId: number, desk: string, operations: readonly OutboxOperation[]): number | undefined;
  /**
   * Ledger tickets worth comparing with their desk: those of active incidents, those whose ticket
   * we believe open, and those whose incident changed since `sinceMs`; least recently checked first.
   */
  ticketsToCheck(sinceMs: number, limit: number): TicketRecord[];
  countOutbox(state: OutboxState): number;
  getTicket(incidentId: number, desk: string): TicketRecord | undefined;
  /** The series of a metric: on one host (by id or name), or on every host when neither is given. */
  findSeries(query: { hostId?: number; hostname?: string; metric: string }): SeriesRecord[];
  /** Every series of the host of this name, by metric and labels. */
  seriesOfHost(hostname: string): SeriesRecord[];
  /** Samples of one series with `fromMs <= atMs <= toMs`, in time order; `hotOnly`: only those not compacted yet. */
  seriesPoints(series: Pick<SeriesRecord, 'seriesId' | 'hostId'>, fromMs: number, toMs: number, options?: { hotOnly?: boolean }): SeriesPoint[];
  /** The same samples as columns, in time order: for long reads (no object per sample). */
  seriesColumns(series: Pick<SeriesRecord, 'seriesId' | 'hostId'>, fromMs: number, toMs: number, options?: { hotOnly?: boolean }): SeriesColumns;
  /**
   * Hands every sample of host `hostId`'s series `seriesIds` with `fromMs <= atMs <= toMs` to `visit`,
   * in no particular order (for reads that aggregate: no rows are built); `hotOnly`: only those not compacted yet.
   */
  visitHostPoints(hostId: number, seriesIds: ReadonlySet<number>, fromMs: number, toMs: number, visit: (seriesId: number, atMs: number, value: number) => void, options?: { hotOnly?: boolean }): void;
  /**
   * Rollups of compacted history summed per step of `stepMs` (aligned to the epoch), for buckets
   * starting within [fromMs, toMs], of several series in one read (a host page's charts); by series
   * id, series without rollups in the range missing.
   */
  rollupSteps(seriesIds: readonly number[], resolution: RollupResolution, fromMs: number, toMs: number, stepMs: number): Map<number, RollupBucket[]>;
  /**
   * A sparkline's read of several hosts at once (the fleet page's trend lines): hands `visit` the
   * samples of `series` within [fromMs, toMs] found in the first stored report of each host and each
   * step of `stepMs` (aligned to the epoch, by the report's base time), and every sample of their
   * compacted chunks in the range; one read for the hot reports of all hosts and one for the chunks,
   * however many hosts. The caller keeps the first sample of each step. Reports whose samples lie an
   * hour or more past their base time (a clock far ahead) are not searched.
   */
  visitStepSamples(series: ReadonlyArray<Pick<SeriesRecord, 'seriesId' | 'hostId'>>, fromMs: number, toMs: number, stepMs: number, visit: (seriesId: number, atMs: number, value: number) => void): void;
  /** The host of this name (the first by agent id when a reset left two), if it ever reported. */
  findHost(hostname: string): HostRecord | undefined;
  /** Rollup buckets of one series starting within [fromMs, toMs], of compacted history (add the hot samples for the rest). */
  rollups(seriesId: number, resolution: RollupResolution, fromMs: number, toMs: number): RollupBucket[];
  /** The newest stored sample of each series, by series id (series with none are missing). */
  latestPoints(series: ReadonlyArray<Pick<SeriesRecord, 'seriesId' | 'hostId'>>): Map<number, SeriesPoint>;
  /** Samples of one series (by metric and exact labels, `host` included) between two times. */
  querySeries(metric: string, labels: Record<string, string>, fromMs: number, toMs: number): StoredSample[];
  /**
   * Every stored sample of one host's series with `fromMs <= atMs <= toMs`, chunk by chunk in time
   * order (samples of a series share one labels object, `host` included). For history reads.
   */
  hostSamples(hostname: string, fromMs: number, toMs: number): Iterable<StoredSample>;
  countIncidents(status: IncidentStatus): number;
  /** Service incident links: of one service, under one service incident, or of one host incident. */
  serviceIncidentLinks(query: { service: string } | { serviceIncidentId: number } | { incidentId: number }): ServiceIncidentLink[];
  /** Each service's newest recorded state. */
  latestServiceStates(): ServiceStateChange[];
  /** A service's state changes in [fromMs, toMs), preceded by the one in force at fromMs (if any). */
  serviceStateChanges(service: string, fromMs: number, toMs: number): ServiceStateChange[];
  /** Incidents whose parent is `parentId` (symptoms and grouped problems). */
  childIncidents(parentId: number): IncidentRecord[];
  /** Silences not yet expired at `nowMs` (including future ones); all when nowMs is omitted. */
  listSilences(nowMs?: number): SilenceRecord[];
  getSilence(id: number): SilenceRecord | undefined;
  listMaintenance(): MaintenanceRecord[];
  /**
   * Every stored sample with `fromMs <= atMs <= toMs`, all hosts, report chunk by report chunk in
   * the order of their base time (samples inside one chunk in report order). For replays.
   */
  iterateSamples(fromMs: number, toMs: number): Iterable<StoredSample>;
  /**
   * The same samples as blocks of columns with the series they belong to, for replays: a
   * BlockCursor (sampleBlocks.ts) hands each block's samples on in iterateSamples' order, step by
   * step, without an object per sample. The series are read when this is called, the blocks as they
   * are iterated.
   */
  iterateSampleBlocks(fromMs: number, toMs: number): SampleBlocks;
}
