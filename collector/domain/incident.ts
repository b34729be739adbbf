/**
 * The incident: the lifecycle of one problem (open, acknowledged, resolved, closed) with its
 * why-record, and the timeline events recorded against it. The store persists these; the incident
 * decisions and the operations read and change them.
 */

export type IncidentStatus = 'open' | 'acknowledged' | 'resolved' | 'closed';

/** Why an incident has no ticket of its own. */
export type IncidentHold = 'silenced' | 'maintenance' | 'symptom' | 'grouped' | 'probing' | 'inhibited';

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
  /** Set on a symptom (its parent host is down), a grouped or an inhibited incident: the incident that carries the ticket. */
  parentIncidentId: number | null;
  /** Whether an 'open' was enqueued for the desks (a suppressed incident has none until it is released). */
  ticketed: boolean;
  /** Why no ticket was opened yet; null when ticketed or nothing holds it. */
  hold: IncidentHold | null;
  /** True while the problem flaps: clears are folded in as occurrences, not sent as resolves. */
  flapping: boolean;
  /**
   * When the problem last cleared while the incident waits to resolve (it resolves once clear for
   * `incidents.resolveSettle`; a return before then folds in); null when it is not clearing.
   */
  settlingSinceMs: number | null;
  /**
   * On an incident an operator resolved while its rule still fired: when it re-arms (opens again if
   * the problem persists, see `incidents.rearmAfter`); null otherwise.
   */
  rearmAtMs: number | null;
}

/** The lifecycle columns, defaulted on insert (occurrences 1, no parent, ticketed, no hold, not flapping, not settling, no re-arm). */
export type IncidentLifecycleFields = 'occurrences' | 'parentIncidentId' | 'ticketed' | 'hold' | 'flapping' | 'settlingSinceMs' | 'rearmAtMs';

/** What `insertIncident` takes: everything but the id; lifecycle fields default. */
export type NewIncident = Omit<IncidentRecord, 'id' | IncidentLifecycleFields> & Partial<Pick<IncidentRecord, IncidentLifecycleFields>>;

/** What `updateIncident` may change. */
export type IncidentChange = Partial<Pick<IncidentRecord, 'status' | 'resolvedAtMs' | 'updatedAtMs' | 'severity' | 'summary' | 'why' | IncidentLifecycleFields>>;

/** One entry of an incident's timeline: what happened, when, in words and data. */
export interface IncidentEvent {
  id: number;
  incidentId: number;
  atMs: number;
  kind: string;
  text: string;
  data: Record<string, unknown>;
}
