/**
 * The collector's storage interface. SQLite (better-sqlite3, WAL) is the embedded engine; this
 * interface is what lets a second engine in later. Calls are synchronous because the embedded
 * engine is, and because a transaction must not interleave with other work on the event loop.
 *
 * Transactions belong to the service that needs them: `store.transaction(fn)` runs `fn` with
 * all writes committed together or not at all.
 */
import type { LabelMatcher, RuleState } from '../../rules/index.js';
import type { CheckResult } from '../../contract/report.js';

/** A known agent/host. */
export interface HostRecord {
  hostId: number;
  agentId: string;
  hostname: string;
  labels: Record<string, string>;
  version: string;
  intervalSeconds: number;
  lastSequence: number;
  firstSeenAtMs: number;
  lastReportAtMs: number;
  /** The host's primary non-loopback IP addresses as last reported; empty when the agent sent none. */
  addresses: string[];
  /** The host's default gateway as last reported, or null. */
  defaultGateway: string | null;
  /** Hardware and OS inventory as last reported, or null. */
  inventory: Record<string, unknown> | null;
}

/** An agent enrolled with the shared enrollment token; its credential is kept only as a SHA-256 digest. */
export interface EnrolledAgent {
  agentId: string;
  hostname: string;
  enrolledAtMs: number;
  revokedAtMs: number | null;
}

/** A stored sample decoded from a report chunk. */
export interface StoredSample {
  metric: string;
  labels: Record<string, string>;
  value: number;
  atMs: number;
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
  samples: ReadonlyArray<{ metric: string; labels: Record<string, string>; value: number; atMs: number }>;
  checks: readonly CheckResult[];
}

export type IncidentStatus = 'open' | 'acknowledged' | 'resolved' | 'closed';

export interface IncidentRecord {
  id: number;
  key: string;
  fingerprint: string;
  ruleName: string;
  ruleVersion: string;
  host: string;
  severity: string;
  summary: string;
  description: string;
  labels: Record<string, string>;
  status: IncidentStatus;
  openedAtMs: number;
  resolvedAtMs: number | null;
  updatedAtMs: number;
  /** The why-record: rule, values and reason that opened it. */
  why: Record<string, unknown>;
  /** How many times the problem fired into this incident (1 + re-opens + flaps folded in). */
  occurrences: number;
  /** Set on a symptom (its parent host is down) or a grouped incident: the incident that carries the ticket. */
  parentIncidentId: number | null;
  /** Whether an 'open' was enqueued for the desks (a suppressed incident has none until it is released). */
  ticketed: boolean;
  /** Why no ticket was opened yet; null when ticketed or nothing holds it. */
  hold: IncidentHold | null;
  /** True while the problem flaps: clears are folded in as occurrences, not sent as resolves. */
  flapping: boolean;
}

/** Why an incident has no ticket of its own. */
export type IncidentHold = 'silenced' | 'maintenance' | 'symptom' | 'grouped' | 'probing';

/** The lifecycle columns, defaulted on insert (occurrences 1, no parent, ticketed, no hold, not flapping). */
export type IncidentLifecycleFields = 'occurrences' | 'parentIncidentId' | 'ticketed' | 'hold' | 'flapping';

/** What `insertIncident` takes: everything but the id; lifecycle fields default. */
export type NewIncident = Omit<IncidentRecord, 'id' | IncidentLifecycleFields> & Partial<Pick<IncidentRecord, IncidentLifecycleFields>>;

/** One state change of a fingerprint, kept (the last 21) for flap detection. */
export interface FlapTransition {
  kind: 'firing' | 'resolved';
  atMs: number;
}

/** An operator's silence: incidents whose labels match all matchers get no ticket while it is active. */
export interface SilenceRecord {
  id: number;
  matchers: LabelMatcher[];
  comment: string;
  createdBy: string;
  startsAtMs: number;
  expiresAtMs: number;
  createdAtMs: number;
}

/** A recurring maintenance window: from each cron occurrence, for `durationSeconds`, on one host or a group. */
export interface MaintenanceRecord {
  id: number;
  cron: string;
  durationSeconds: number;
  /** Exactly one of host and group is set; group matches the `group` label of a signal. */
  host: string | null;
  group: string | null;
  comment: string;
  createdAtMs: number;
}

export interface IncidentEvent {
  id: number;
  incidentId: number;
  atMs: number;
  kind: string;
  text: string;
  data: Record<string, unknown>;
}

export type OutboxOperation = 'open' | 'update' | 'resolve' | 'reopen' | 'comment';
/** `superseded`: an update coalesced into a later operation that carries the newer state. */
export type OutboxState = 'pending' | 'delivered' | 'dead' | 'superseded';

export interface OutboxRow {
  id: number;
  incidentId: number;
  desk: string;
  operation: OutboxOperation;
  state: OutboxState;
  attempts: number;
  nextAttemptAtMs: number;
  lastError: string | null;
  createdAtMs: number;
  deliveredAtMs: number | null;
  /** The text of a `comment` operation. */
  note: string | null;
}

export interface TicketRecord {
  incidentId: number;
  desk: string;
  externalId: string;
  url: string | null;
  state: string;
  createdAtMs: number;
  updatedAtMs: number;
  /** What the desk last said about the ticket (its own word), and when it was asked. */
  deskStatus?: string | null;
  checkedAtMs?: number | null;
}

export interface OutboxFilter {
  state?: OutboxState;
  desk?: string;
  limit?: number;
}

export interface IncidentFilter {
  status?: IncidentStatus | 'active';
  limit?: number;
}

/** Writes and reads that must happen inside a transaction. */
export interface StoreTransaction {
  /** Stores one report; returns false when (agentId, sequence) was stored already. */
  insertReport(report: ReportRecord): boolean;
  saveRuleStates(states: readonly RuleState[]): void;
  deleteRuleStates(fingerprints: readonly string[]): void;
  desksForIncident(incidentId: number): string[];
  findActiveIncident(fingerprint: string): IncidentRecord | undefined;
  /** Reads inside the transaction (they see its own writes). */
  getIncident(id: number): IncidentRecord | undefined;
  /** Open and acknowledged incidents, oldest first. */
  activeIncidents(): IncidentRecord[];
  insertIncident(incident: NewIncident): IncidentRecord;
  updateIncident(
    id: number,
    change: Partial<Pick<IncidentRecord, 'status' | 'resolvedAtMs' | 'updatedAtMs' | 'severity' | 'summary' | 'why' | IncidentLifecycleFields>>,
  ): void;
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
  /**
   * Queues a desk operation. Coalescing: an `update` is not queued behind a pending, untried
   * `update` of the same incident and desk (that one will carry the latest state), and any
   * pending, untried `update` that was held back is made due now, so it cannot delay what follows.
   */
  enqueueOutbox(row: { incidentId: number; desk: string; operation: OutboxOperation; createdAtMs: number; note?: string }): void;
  /** Commits an attempt before its call: the row is held until `untilMs` unless the call concludes first. */
  leaseOutbox(id: number, attempts: number, untilMs: number): void;
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
}

export interface Store extends StoreReads {
  transaction<T>(fn: (tx: StoreTransaction) => T): T;
  /** Records an enrolled agent; false when the id is taken (enrolled before, revoked or not). */
  enrollAgent(agent: { agentId: string; hostname: string; credentialSha256: string; atMs: number }): boolean;
  /** Revokes an agent's credential; false when there is no such agent or it was revoked already. */
  revokeAgent(agentId: string, atMs: number): boolean;
  /** Deletes observations older than `cutoffMs`; returns how many report chunks went. */
  pruneBefore(cutoffMs: number): number;
  close(): void;
}

export interface StoreReads {
  listHosts(): HostRecord[];
  listAgents(): EnrolledAgent[];
  /** The agent holding this credential digest, if any (revoked ones included). */
  findAgentByCredential(credentialSha256: string): EnrolledAgent | undefined;
  loadRuleStates(): Map<string, RuleState>;
  getIncident(id: number): IncidentRecord | undefined;
  listIncidents(filter?: IncidentFilter): IncidentRecord[];
  incidentEvents(incidentId: number): IncidentEvent[];
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
  /** Samples of one series (by metric and exact labels, `host` included) between two times. */
  querySeries(metric: string, labels: Record<string, string>, fromMs: number, toMs: number): StoredSample[];
  countIncidents(status: IncidentStatus): number;
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
}
