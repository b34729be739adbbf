/** The two-way sync decision, one row per case of its transition table. */
import { describe, expect, it } from 'vitest';
import { decideDeskSync, type SyncInput } from '../../collector/desk/decideDeskSync.js';

const base: SyncInput = {
  incident: { status: 'open' },
  ledger: { externalId: '7', state: 'open' },
  desk: { status: 'open', deskStatus: 'open' },
  pending: false,
  policy: { onDeskResolved: 'acknowledge', onProblemPersistsAfterClose: 'comment' },
  deskName: 'rt',
};
const done = { status: 'resolved' as const, deskStatus: 'resolved' };

describe('decideDeskSync', () => {
  it.each<[string, Partial<SyncInput>, string[], RegExp]>([
    // Operations still queued: never decide on a desk that has not heard the latest yet.
    ['queued operations', { pending: true, incident: { status: 'resolved' } }, [], /still queued/],
    // Desk lost the id but the key finds the ticket: the ledger follows.
    ['lost id, found by key', { desk: undefined, foundByKey: { externalId: '9', url: null } }, ['ledger-ticket'], /recovered ticket 9 by the incident key/],
    // Desk lost it, nothing has the key, problem still there: a new ticket.
    ['lost, active', { desk: undefined }, ['drop-ledger', 'enqueue:open'], /opening a new ticket/],
    // Desk lost it and the incident is over: just note it.
    ['lost, resolved', { desk: undefined, incident: { status: 'resolved' } }, ['ledger-state:gone'], /already resolved/],
    // The reconciler's main job: a ticket left open for a resolved incident is resolved.
    ['open ticket, resolved incident', { incident: { status: 'resolved' } }, ['enqueue:resolve'], /still open although the incident is resolved: resolving it/],
    // In step.
    ['open ticket, open incident', {}, [], /in step/],
    // A person re-opened a ticket they had closed.
    ['re-opened at the desk', { ledger: { externalId: '7', state: 'desk-closed' } }, ['ledger-state:open'], /re-opened at the desk/],
    // Resolved on both sides; the ledger catches up.
    ['done, resolved incident', { desk: done, incident: { status: 'resolved' }, ledger: { externalId: '7', state: 'open' } }, ['ledger-state:resolved'], /as the resolved incident expects/],
    // Already handled once: no second comment.
    ['done, handled before', { desk: done, ledger: { externalId: '7', state: 'desk-closed' } }, [], /handled when it was closed/],
    // A person resolved it while the problem persists; policy acknowledge + comment.
    ['done, persists, comment', { desk: done }, ['incident-status:acknowledged', 'ledger-state:desk-closed', 'enqueue:comment'], /a person resolved ticket 7 at rt .*incident acknowledged; the problem persists: commented/],
    // ... policy reopen.
    ['done, persists, reopen', { desk: done, policy: { onDeskResolved: 'acknowledge', onProblemPersistsAfterClose: 'reopen' } }, ['incident-status:acknowledged', 'ledger-state:desk-closed', 'enqueue:reopen'], /re-opening the ticket/],
    // ... policy new-ticket.
    ['done, persists, new ticket', { desk: done, policy: { onDeskResolved: 'acknowledge', onProblemPersistsAfterClose: 'new-ticket' } }, ['incident-status:acknowledged', 'drop-ledger', 'enqueue:open'], /opening a new ticket/],
    // Already acknowledged: not acknowledged twice.
    ['done, acknowledged incident', { desk: done, incident: { status: 'acknowledged' } }, ['ledger-state:desk-closed', 'enqueue:comment'], /stays acknowledged/],
    // Policy close: the person's word wins, and the ticket hears that the problem persists.
    ['rejected, policy close', { desk: { status: 'rejected', deskStatus: 'rejected' }, policy: { onDeskResolved: 'close', onProblemPersistsAfterClose: 'comment' } }, ['incident-status:closed', 'ledger-state:desk-closed', 'enqueue:comment'], /a person rejected ticket 7 .*incident closed by policy, although the problem persists/],
    // A status Tripline cannot map changes nothing.
    ['unknown status', { desk: { status: 'unknown', deskStatus: 'triage' } }, [], /"triage", which Tripline does not map/],
  ])('%s', (_name, change, effects, reason) => {
    const decision = decideDeskSync({ ...base, ...change });
    expect(decision.effects.map((e) => (e.kind === 'enqueue' ? `enqueue:${e.operation}` : e.kind === 'ledger-state' ? `ledger-state:${e.state}` : e.kind === 'incident-status' ? `incident-status:${e.status}` : e.kind))).toEqual(effects);
    expect(decision.reason).toMatch(reason);
  });
});
