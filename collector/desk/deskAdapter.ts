/**
 * The one interface every desk adapter implements (webhook, Request Tracker, ServiceNow, ...),
 * each in its own file, each configured by one variant of the `desks` union in the config.
 */
import type { ErrorCodeOf, RetryableFlag } from '../../contract/errorCatalogue.js';

/** What a desk is told about an incident. */
export interface DeskIncident {
  id: number;
  /** Stable, unique key; desks store it so that a lost ticket id can be found again. */
  key: string;
  ruleName: string;
  severity: string;
  status: string;
  summary: string;
  description: string;
  host: string;
  labels: Record<string, string>;
  openedAt: string;
  resolvedAt: string | null;
  /** ITIL priority, P1 (most urgent) to P5, from impact x urgency (collector/services/priorityMatrix.ts). */
  priority: string;
  /** ITIL impact and urgency: high, medium or low. */
  impact: string;
  urgency: string;
  /** The services of the catalogue the incident touches. */
  services: string[];
  /** What a person at the desk needs to act without opening Tripline. */
  facts: TicketFacts;
}

/** Who acknowledged or resolved an incident, when, and what they said. */
export interface TicketActor {
  by: string;
  comment: string;
  at: string;
}

/** The facts of a ticket a desk can act on (see collector/desk/ticketFacts.ts); null where unknown. */
export interface TicketFacts {
  /** The series the rule watches, the value that fired it, and the threshold it crossed, in the metric's unit. */
  metric: string | null;
  value: number | null;
  comparison: 'above' | 'below' | null;
  threshold: number | null;
  unit: string | null;
  /** When the breach began (before `for`), as opposed to `openedAt`, when the rule fired. */
  breachStartedAt: string | null;
  /** The host's addresses as its agent last reported them. */
  hostAddresses: string[];
  /** The check the incident is about (its configured name) and its last output, which names its address (host:port, URL). */
  checkTarget: string | null;
  checkOutput: string | null;
  runbookUrl: string | null;
  /** The incident in Tripline (`collector.publicUrl`). */
  link: string | null;
  occurrences: number;
  acknowledged: TicketActor | null;
  resolved: TicketActor | null;
}

/** The desk's record of an incident. */
export interface TicketRef {
  externalId: string;
  url: string | null;
}

/** Per-attempt facts an adapter may pass on (for idempotency keys and tracing). */
export interface DeliveryContext {
  /** Unique per outbox row; the same on every retry of that row. */
  deliveryId: string;
  attempt: number;
}

/** A desk's ticket status, mapped onto the few states Tripline acts on. */
export type DeskTicketStatus = 'open' | 'resolved' | 'closed' | 'rejected' | 'unknown';

/** What the desk says about a ticket now (two-way sync and the reconciler read this). */
export interface DeskTicketState {
  status: DeskTicketStatus;
  /** The desk's own word for the state ("resolved", "6", "Done"), for the timeline. */
  deskStatus: string;
}

export interface DeskAdapter {
  readonly name: string;
  readonly type: string;
  open(incident: DeskIncident, context: DeliveryContext): Promise<TicketRef>;
  update(incident: DeskIncident, ticket: TicketRef, context: DeliveryContext): Promise<void>;
  resolve(incident: DeskIncident, ticket: TicketRef, context: DeliveryContext): Promise<void>;
  /** Re-opens a resolved ticket when its problem returns within the re-open window. */
  reopen(incident: DeskIncident, ticket: TicketRef, context: DeliveryContext): Promise<void>;
  /**
   * Finds the ticket opened for `incidentKey`, to recover after a crash between "sent" and
   * "recorded". `undefined` means the desk has none; adapters that cannot search return
   * `'unsupported'` and rely on the desk honouring the idempotency key instead.
   */
  findByKey(incidentKey: string): Promise<TicketRef | undefined | 'unsupported'>;
  /**
   * Puts the incident's ticket under its service incident's ticket (RT parent/child link, ServiceNow
   * `parent_incident`, a Jira issue link). Linking twice leaves one link. Desks without links
   * (webhook, e-mail, event APIs) answer `'unsupported'` and the ticket stays on its own.
   */
  link(incident: DeskIncident, ticket: TicketRef, parent: { incident: DeskIncident; ticket: TicketRef }, context: DeliveryContext): Promise<'linked' | 'unsupported'>;
  /** Adds a note to the ticket without changing its state (two-way sync policy "comment"). */
  comment(incident: DeskIncident, ticket: TicketRef, text: string, context: DeliveryContext): Promise<void>;
  /**
   * Reads the ticket's state back from the desk. `undefined` means the desk no longer has it;
   * desks that cannot be read (webhook, e-mail, event APIs) return `'unsupported'`.
   */
  fetchTicket(ticket: TicketRef): Promise<DeskTicketState | undefined | 'unsupported'>;
}

/** A desk failure's code, from the error catalogue (`TRIPLINE_DESK_*`). */
export type DeskErrorCode = ErrorCodeOf<'DeskError'>;

/**
 * A desk call failed. `retryable` says whether trying again can help (the catalogue fixes it for
 * every code but `TRIPLINE_DESK_BAD_RESPONSE`, and the type holds the adapters to it);
 * `retryAfterSeconds` carries the desk's own Retry-After. Messages never contain credentials.
 */
export class DeskError<C extends DeskErrorCode = DeskErrorCode> extends Error {
  constructor(
    readonly code: C,
    message: string,
    readonly retryable: RetryableFlag<C>,
    readonly details: { status?: number; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'DeskError';
  }
}

/** Classifies an HTTP status the way every HTTP desk does: 429 and 5xx retry, other 4xx do not. */
export function deskErrorForStatus(desk: string, status: number, retryAfterSeconds: number | undefined, detail: string): DeskError {
  const text = `${desk} answered HTTP ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 429) return new DeskError('TRIPLINE_DESK_RATE_LIMITED', text, true, { status, retryAfterSeconds });
  if (status >= 500) return new DeskError('TRIPLINE_DESK_SERVER_ERROR', text, true, { status, retryAfterSeconds });
  if (status === 401 || status === 403) return new DeskError('TRIPLINE_DESK_AUTH_FAILED', text, false, { status });
  return new DeskError('TRIPLINE_DESK_REJECTED', text, false, { status });
}

/** Parses a Retry-After header (seconds or an HTTP date) relative to `nowMs`. */
export function parseRetryAfter(header: string | string[] | undefined, nowMs: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - nowMs) / 1000);
}
