/**
 * The sync worker over a real SQLite store and the Zendesk fake (a desk that can be read back):
 * a person solving the ticket is reflected on the incident, a ticket left open for a resolved
 * incident is resolved, and a ticket the desk lost is recovered by the incident key.
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCollectorMetrics } from '../../collector/collectorMetrics.js';
import { createDeskSyncWorker } from '../../collector/desk/deskSyncWorker.js';
import { createOutboxWorker } from '../../collector/desk/outboxWorker.js';
import { createZendeskDesk } from '../../collector/desk/zendeskDesk.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { Store } from '../../collector/store/store.js';
import { startZendeskFake, type ZendeskFake } from '../support/fakes/zendeskFake.js';
import { parseDurationMs } from '../../config/duration.js';

const USER = 'bot@example.com';
const TOKEN = 'zendesk-sync-token-0001';

describe('desk sync worker', () => {
  let fake: ZendeskFake;
  let store: Store;
  let now = Date.parse('2026-11-24T06:00:00Z');
  const clock = { nowMs: () => now };
  const log = pino({ level: 'silent' });
  const make = (policy: { onDeskResolved: 'acknowledge' | 'close'; onProblemPersistsAfterClose: 'comment' | 'reopen' | 'new-ticket' }) => {
    const desk = createZendeskDesk({ type: 'zendesk', name: 'zd', url: fake.url, user: USER, secret: TOKEN, timeout: parseDurationMs('2s'), rateLimitPerMinute: 300, tags: [] }, clock);
    const desks = new Map([['zd', desk]]);
    const metrics = createCollectorMetrics({ activeIncidents: () => 0, outboxPending: () => 0, outboxDead: () => 0, unhealthyRules: () => 0 });
    const outbox = createOutboxWorker({ store, desks, clock, log, metrics, maxAttempts: 3, initialBackoffSeconds: 1, maxBackoffSeconds: 10, pollIntervalMs: 10 });
    const sync = createDeskSyncWorker({ store, desks, clock, log, policy, intervalMs: 60_000, lookbackMs: 86_400_000 });
    const drain = async () => {
      while ((await outbox.runOnce()) > 0);
    };
    return { outbox, sync, drain };
  };
  const newIncident = () =>
    store.transaction((tx) => {
      const incident = tx.insertIncident({ key: `tripline-sync-${now}`, fingerprint: `fp-${now}`, ruleName: 'r', ruleVersion: 'v', host: 'h', severity: 'critical', summary: 'Disk full', description: '', labels: {}, status: 'open', openedAtMs: now, resolvedAtMs: null, updatedAtMs: now, why: {} });
      tx.enqueueOutbox({ incidentId: incident.id, desk: 'zd', operation: 'open', createdAtMs: now });
      return incident.id;
    });
  const zendeskTicket = (id: number) => fake.tickets.get(Number(store.getTicket(id, 'zd')!.externalId))!;

  beforeEach(async () => {
    fake = await startZendeskFake(USER, TOKEN);
    store = openSqliteStore({ file: ':memory:' });
    now += 3_600_000;
  });
  afterEach(async () => {
    store.close();
    await fake.close();
  });

  it('a person solving the ticket acknowledges the incident and comments once that the problem persists', async () => {
    const { sync, drain } = make({ onDeskResolved: 'acknowledge', onProblemPersistsAfterClose: 'comment' });
    const id = newIncident();
    await drain();
    expect(await sync.runOnce()).toEqual([]); // in step
    zendeskTicket(id).status = 'solved';
    const [decision] = await sync.runOnce();
    expect(decision!.reason).toMatch(/a person resolved ticket 1 at zd .*incident acknowledged; the problem persists: commented on the ticket/);
    expect(store.getIncident(id)!.status).toBe('acknowledged');
    await drain();
    expect(zendeskTicket(id).comments.at(-1)).toMatch(/still sees this problem/);
    expect(await sync.runOnce()).toEqual([]); // handled: no second comment
    expect(store.incidentEvents(id).filter((e) => e.kind === 'desk-sync')).toHaveLength(1);
  });

  it('policy reopen puts the ticket back to open', async () => {
    const { sync, drain } = make({ onDeskResolved: 'acknowledge', onProblemPersistsAfterClose: 'reopen' });
    const id = newIncident();
    await drain();
    zendeskTicket(id).status = 'solved';
    await sync.runOnce();
    await drain();
    expect(zendeskTicket(id).status).toBe('open');
    expect(store.getTicket(id, 'zd')!.state).toBe('open');
  });

  it('policy new-ticket opens a second ticket for the persisting problem', async () => {
    const { sync, drain } = make({ onDeskResolved: 'acknowledge', onProblemPersistsAfterClose: 'new-ticket' });
    const id = newIncident();
    await drain();
    zendeskTicket(id).status = 'solved';
    await sync.runOnce();
    await drain();
    expect(fake.tickets.size).toBe(2);
    expect(store.getTicket(id, 'zd')!.externalId).toBe('2');
  });

  it('policy close closes the incident and says so on the ticket', async () => {
    const { sync, drain } = make({ onDeskResolved: 'close', onProblemPersistsAfterClose: 'comment' });
    const id = newIncident();
    await drain();
    zendeskTicket(id).status = 'solved';
    await sync.runOnce();
    await drain();
    expect(store.getIncident(id)!.status).toBe('closed');
    expect(zendeskTicket(id).comments.at(-1)).toMatch(/closed its incident because this ticket was closed/);
  });

  it('the reconciler resolves a ticket still open for a resolved incident (its resolve was lost)', async () => {
    const { sync, drain } = make({ onDeskResolved: 'acknowledge', onProblemPersistsAfterClose: 'comment' });
    const id = newIncident();
    await drain();
    // The incident resolved, but its resolve never reached the desk (say, a dead letter discarded by hand).
    store.transaction((tx) => tx.updateIncident(id, { status: 'resolved', resolvedAtMs: now, updatedAtMs: now }));
    const [decision] = await sync.runOnce();
    expect(decision!.reason).toMatch(/still new although the incident is resolved: resolving it/);
    await drain();
    expect(zendeskTicket(id).status).toBe('solved');
  });

  it('a ticket id the desk does not know is recovered by the incident key', async () => {
    const { sync, drain } = make({ onDeskResolved: 'acknowledge', onProblemPersistsAfterClose: 'comment' });
    const id = newIncident();
    await drain();
    store.transaction((tx) => tx.saveTicket({ ...store.getTicket(id, 'zd')!, externalId: '404' }));
    const [decision] = await sync.runOnce();
    expect(decision!.reason).toMatch(/ticket 404 at zd no longer exists; recovered ticket 1 by the incident key/);
    expect(store.getTicket(id, 'zd')!.externalId).toBe('1');
  });

  it('a desk that cannot be read is skipped, not failed', async () => {
    const { sync } = make({ onDeskResolved: 'acknowledge', onProblemPersistsAfterClose: 'comment' });
    await fake.close();
    newIncident();
    expect(await sync.runOnce()).toEqual([]); // no ticket yet; and an unreachable desk only logs
  });
});
