/**
 * Two-way sync and reconciliation for one ledger ticket: a pure function from what we know (the
 * incident, our ledger, what the desk says now) to effects and a reason an operator can read.
 *
 * | desk says                  | incident          | ledger       | effects |
 * |---|---|---|---|
 * | (operations still queued)  | any               | any          | none: compare after they are delivered |
 * | no such ticket, key found  | any               | any          | ledger takes the found ticket id |
 * | no such ticket, none found | active            | any          | drop the ledger entry, open a new ticket |
 * | no such ticket, none found | resolved / closed | any          | ledger: gone |
 * | open                       | resolved / closed | any          | resolve the ticket |
 * | open                       | active            | desk-closed  | ledger: open (a person re-opened it) |
 * | open                       | active            | open         | none: in step |
 * | done                       | resolved / closed | not resolved | ledger: resolved |
 * | done                       | active            | desk-closed  | none: handled when the person closed it |
 * | done                       | active            | other        | onDeskResolved (acknowledge / close), then for a problem that persists: |
 * |                            |                   |              | acknowledge: comment once / reopen / new ticket; close: a comment says so |
 *
 * "done" is resolved, closed or rejected; "unknown" statuses change nothing.
 */
import type { SyncConfig } from '../../config/routingConfigSchema.js';
import type { IncidentStatus } from '../domain/incident.js';
import type { DeskTicketState, TicketRef } from './deskAdapter.js';

/** Ledger ticket states: `desk-closed` = a person closed it at the desk and the policy was applied. */
export type LedgerTicketState = 'open' | 'resolved' | 'desk-closed' | 'gone';

export type SyncEffect =
  | { kind: 'ledger-state'; state: LedgerTicketState }
  | { kind: 'ledger-ticket'; ticket: TicketRef }
  | { kind: 'drop-ledger' }
  | { kind: 'enqueue'; operation: 'open' | 'resolve' | 'reopen' | 'comment'; note?: string }
  | { kind: 'incident-status'; status: 'acknowledged' | 'closed' };

export interface SyncDecision {
  effects: SyncEffect[];
  reason: string;
}

export interface SyncInput {
  incident: { status: IncidentStatus };
  ledger: { externalId: string; state: string };
  /** What the desk said; undefined: it has no such ticket. */
  desk: DeskTicketState | undefined;
  /** When the desk has no such ticket: what a search by incident key found. */
  foundByKey?: TicketRef | undefined;
  /** Whether operations for this incident and desk are still waiting in the outbox. */
  pending: boolean;
  policy: Pick<SyncConfig, 'onDeskResolved' | 'onProblemPersistsAfterClose'>;
  deskName: string;
}

const none = (reason: string): SyncDecision => ({ effects: [], reason });

export function decideDeskSync(input: SyncInput): SyncDecision {
  const { incident, ledger, desk, deskName, policy } = input;
  const active = incident.status === 'open' || incident.status === 'acknowledged';
  const id = `ticket ${ledger.externalId} at ${deskName}`;
  if (input.pending) return none(`operations for ${deskName} are still queued: compare after they are delivered`);
  if (desk === undefined) {
    if (input.foundByKey && input.foundByKey.externalId !== ledger.externalId) {
      return { effects: [{ kind: 'ledger-ticket', ticket: input.foundByKey }], reason: `${id} no longer exists; recovered ticket ${input.foundByKey.externalId} by the incident key` };
    }
    if (active) return { effects: [{ kind: 'drop-ledger' }, { kind: 'enqueue', operation: 'open' }], reason: `${id} no longer exists and none has the incident key: opening a new ticket` };
    return ledger.state === 'gone' ? none(`${id} is gone; the incident is ${incident.status}`) : { effects: [{ kind: 'ledger-state', state: 'gone' }], reason: `${id} no longer exists; the incident is already ${incident.status}` };
  }
  switch (desk.status) {
    case 'unknown':
      return none(`${id} has status "${desk.deskStatus}", which Tripline does not map: no change`);
    case 'open':
      if (!active) return { effects: [{ kind: 'enqueue', operation: 'resolve' }], reason: `${id} is still ${desk.deskStatus} although the incident is ${incident.status}: resolving it` };
      if (ledger.state === 'desk-closed') return { effects: [{ kind: 'ledger-state', state: 'open' }], reason: `${id} was re-opened at the desk (now ${desk.deskStatus})` };
      return none(`${id} is ${desk.deskStatus}: in step`);
    case 'resolved':
    case 'closed':
    case 'rejected':
      return deskDone(input, desk, active, id);
    default:
      return desk.status satisfies never;
  }
}

function deskDone(input: SyncInput, desk: DeskTicketState, active: boolean, id: string): SyncDecision {
  const { incident, ledger, policy } = input;
  if (!active) {
    return ledger.state === 'resolved' || ledger.state === 'desk-closed' ? none(`${id} is ${desk.deskStatus}: in step`) : { effects: [{ kind: 'ledger-state', state: 'resolved' }], reason: `${id} is ${desk.deskStatus}, as the ${incident.status} incident expects` };
  }
  if (ledger.state === 'desk-closed') return none(`${id} is ${desk.deskStatus} and the problem persists: handled when it was closed`);
  const who = `a person ${desk.status === 'rejected' ? 'rejected' : desk.status} ${id} (desk status "${desk.deskStatus}")`;
  if (policy.onDeskResolved === 'close') {
    return {
      effects: [
        { kind: 'incident-status', status: 'closed' },
        { kind: 'ledger-state', state: 'desk-closed' },
        { kind: 'enqueue', operation: 'comment', note: 'Tripline closed its incident because this ticket was closed here, but Tripline still saw the problem at that time.' },
      ],
      reason: `${who}: incident closed by policy, although the problem persists (noted on the ticket)`,
    };
  }
  const acknowledge: SyncEffect[] = incident.status === 'open' ? [{ kind: 'incident-status', status: 'acknowledged' }] : [];
  const head = `${who}: incident ${incident.status === 'open' ? 'acknowledged' : 'stays acknowledged'}; the problem persists`;
  switch (policy.onProblemPersistsAfterClose) {
    case 'comment':
      return {
        effects: [...acknowledge, { kind: 'ledger-state', state: 'desk-closed' }, { kind: 'enqueue', operation: 'comment', note: 'Tripline still sees this problem although the ticket was closed. It will not re-open the ticket; the incident stays acknowledged until the problem clears.' }],
        reason: `${head}: commented on the ticket`,
      };
    case 'reopen':
      return { effects: [...acknowledge, { kind: 'ledger-state', state: 'desk-closed' }, { kind: 'enqueue', operation: 'reopen' }], reason: `${head}: re-opening the ticket` };
    case 'new-ticket':
      return { effects: [...acknowledge, { kind: 'drop-ledger' }, { kind: 'enqueue', operation: 'open' }], reason: `${head}: opening a new ticket` };
    default:
      return policy.onProblemPersistsAfterClose satisfies never;
  }
}
