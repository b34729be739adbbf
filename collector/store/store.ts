/**
 * The collector's storage interface. SQLite (better-sqlite3, WAL) is the embedded engine; this
 * interface is what lets a second engine in later. Calls are synchronous because the embedded
 * engine is, and because a transaction must not interleave with other work on the event loop.
 *
 * Transactions belong to the service that needs them: `store.transaction(fn)` runs `fn` with
 * all writes committed together or not at all.
 */
import type { RuleState } from '../../rules/ruleTypes.js';
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
}

export interface IncidentEvent {
  id: number;
  incidentId: number;
  atMs: number;
  kind: string;
  text: string;
  data: Record<string, unknown>;
}

export type OutboxOperation = 'open' | 'update' | 'resolve' | 'reopen';
export type OutboxState = 'pending' | 'delivered' | 'dead';

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
}

export interface TicketRecord {
  incidentId: number;
  desk: string;
  externalId: string;
  url: string | null;
  state: string;
  createdAtMs: number;
  updatedAtMs: number;
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
  findActiveIncident(fingerprint: string): IncidentRecord | undefined;
  insertIncident(incident: Omit<IncidentRecord, 'id'>): IncidentRecord;
  updateIncident(id: number, change: Partial<Pick<IncidentRecord, 'status' | 'resolvedAtMs' | 'updatedAtMs' | 'severity' | 'summary'>>): void;
  addIncidentEvent(event: Omit<IncidentEvent, 'id'>): void;
  enqueueOutbox(row: { incidentId: number; desk: string; operation: OutboxOperation; createdAtMs: number }): void;
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
  countOutbox(state: OutboxState): number;
  getTicket(incidentId: number, desk: string): TicketRecord | undefined;
  /** Samples of one series (by metric and exact labels, `host` included) between two times. */
  querySeries(metric: string, labels: Record<string, string>, fromMs: number, toMs: number): StoredSample[];
  countIncidents(status: IncidentStatus): number;
}
