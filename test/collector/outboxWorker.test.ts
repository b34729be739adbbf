/**
 * The outbox worker over a real SQLite store, with a scripted desk and a hand-moved clock:
 * ordering per incident, backoff that honours Retry-After, dead letters, and recovery after a
 * crash between "sent" and "recorded".
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createCollectorMetrics } from '../../collector/collectorMetrics.js';
import { DeskError, type DeskAdapter, type TicketRef } from '../../collector/desk/deskAdapter.js';
import { createOutboxWorker } from '../../collector/desk/outboxWorker.js';
import { createDeskRateLimits } from '../../collector/desk/tokenBucket.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { Store } from '../../collector/store/store.js';

type Step = 'ok' | DeskError;

/** A desk whose answers are scripted per call, recording every call made to it. */
function scriptedDesk(script: Step[], options: { findable?: Map<string, TicketRef> } = {}) {
  const calls: string[] = [];
  let opened = 0;
  const next = (what: string) => {
    calls.push(what);
    const step = script.shift() ?? 'ok';
    if (step !== 'ok') throw step;
  };
  const desk: DeskAdapter = {
    name: 'desk',
    type: 'scripted',
    async open(incident) {
      next(`open:${incident.id}`);
      opened++;
      return { externalId: `T-${incident.id}-${opened}`, url: null };
    },
    async update(incident) {
      next(`update:${incident.id}`);
    },
    async resolve(incident, ticket) {
      next(`resolve:${incident.id}:${ticket.externalId}`);
    },
    async reopen(incident, ticket) {
      next(`reopen:${incident.id}:${ticket.externalId}`);
    },
    async link(incident, ticket, parent) {
      next(`link:${incident.id}:${ticket.externalId}:${parent.ticket.externalId}`);
      return 'linked' as const;
    },
    async findByKey(key) {
      calls.push(`find:${key}`);
      return options.findable ? options.findable.get(key) : 'unsupported';
    },
    async comment(incident) {
      next(`comment:${incident.id}`);
    },
    async fetchTicket() {
      return 'unsupported';
    },
  };
  return { desk, calls };
}

function setup(desk: DeskAdapter, maxAttempts = 5, extra: { rateLimitsPerMinute?: Map<string, number>; coalesceWindowMs?: number } = {}) {
  const { rateLimitsPerMinute, ...rest } = extra;
  const store = openSqliteStore({ file: ':memory:' });
  let now = 1_000_000;
  const clock = { nowMs: () => now };
  const metrics = createCollectorMetrics({ activeIncidents: () => 0, outboxPending: () => 0, outboxDead: () => 0, unhealthyRules: () => 0 });
  const worker = createOutboxWorker({
    store,
    desks: new Map([['desk', desk]]),
    clock,
    log: pino({ level: 'silent' }),
    metrics,
    maxAttempts,
    initialBackoffSeconds: 1,
    maxBackoffSeconds: 60,
    pollIntervalMs: 10,
    random: () => 0.5,
    ...rest,
    ...(rateLimitsPerMinute ? { rateLimits: createDeskRateLimits(rateLimitsPerMinute, clock) } : {}),
  });
  const advance = (ms: number) => {
    now += ms;
  };
  return { store, worker, advance, now: () => now };
}

function openIncident(store: Store, nowMs: number, operations: Array<'open' | 'resolve' | 'update' | 'reopen'> = ['open']): number {
  return store.transaction((tx) => {
    const incident = tx.insertIncident({
      key: `key-${nowMs}`,
      fingerprint: `fp-${nowMs}`,
      ruleName: 'r',
      ruleVersion: 'v1',
      host: 'h',
      severity: 'critical',
      summary: 's',
      description: '',
      labels: { host: 'h' },
      status: 'open',
      openedAtMs: nowMs,
      resolvedAtMs: null,
      updatedAtMs: nowMs,
      why: {},
    });
    for (const operation of operations) tx.enqueueOutbox({ incidentId: incident.id, desk: 'desk', operation, createdAtMs: nowMs });
    return incident.id;
  });
}

const states = (store: Store, id: number) => store.outboxForIncident(id).map((r) => `${r.operation}:${r.state}:${r.attempts}`);

describe('outbox worker', () => {
  it('delivers open before resolve and records the ticket in the ledger', async () => {
    const { desk, calls } = scriptedDesk([]);
    const { store, worker, now } = setup(desk);
    const id = openIncident(store, now(), ['open', 'resolve']);
    await worker.runOnce(); // only the oldest row per incident is due in one pass
    await worker.runOnce();
    expect(calls).toEqual([`open:${id}`, `resolve:${id}:T-${id}-1`]);
    expect(states(store, id)).toEqual(['open:delivered:1', 'resolve:delivered:1']);
    expect(store.getTicket(id, 'desk')).toMatchObject({ externalId: `T-${id}-1`, state: 'resolved' });
  });

  it('backs off on 5xx, waits for Retry-After on 429, then delivers', async () => {
    const { desk, calls } = scriptedDesk([
      new DeskError('TRIPLINE_DESK_SERVER_ERROR', 'desk answered HTTP 500', true, { status: 500 }),
      new DeskError('TRIPLINE_DESK_RATE_LIMITED', 'desk answered HTTP 429', true, { status: 429, retryAfterSeconds: 30 }),
    ]);
    const { store, worker, advance, now } = setup(desk);
    const id = openIncident(store, now());
    await worker.runOnce();
    expect(states(store, id)).toEqual(['open:pending:1']);
    // Attempt 1 failed: equal jitter with random 0.5 gives 0.75 x 1 s.
    const afterFirst = store.outboxForIncident(id)[0]!;
    expect(afterFirst.nextAttemptAtMs - now()).toBe(750);
    expect(afterFirst.lastError).toContain('HTTP 500');
    advance(749);
    expect(await worker.runOnce()).toBe(0); // not due yet
    advance(1);
    await worker.runOnce();
    // Attempt 2 hit 429 with Retry-After 30 s, which beats the 1.5 s backoff.
    expect(store.outboxForIncident(id)[0]!.nextAttemptAtMs - now()).toBe(30_000);
    advance(30_000);
    await worker.runOnce();
    expect(states(store, id)).toEqual(['open:delivered:3']);
    // Before each retry of an open the desk is searched: a failed answer does not prove no ticket was made.
    const key = store.getIncident(id)!.key;
    expect(calls).toEqual([`open:${id}`, `find:${key}`, `open:${id}`, `find:${key}`, `open:${id}`]);
  });

  it('makes a dead letter at once on a non-retryable error, and the resolve after it too', async () => {
    const { desk, calls } = scriptedDesk([new DeskError('TRIPLINE_DESK_REJECTED', 'desk answered HTTP 400', false, { status: 400 })]);
    const { store, worker, now } = setup(desk);
    const id = openIncident(store, now(), ['open', 'resolve']);
    await worker.runOnce();
    await worker.runOnce();
    expect(states(store, id)).toEqual(['open:dead:1', 'resolve:dead:1']);
    expect(calls).toEqual([`open:${id}`]);
    expect(store.incidentEvents(id).map((e) => e.kind)).toEqual(['desk-dead-letter', 'desk-dead-letter']);
  });

  it('gives up after maxAttempts retryable failures', async () => {
    const failing = Array.from({ length: 10 }, () => new DeskError('TRIPLINE_DESK_UNREACHABLE', 'cannot reach', true));
    const { desk } = scriptedDesk(failing);
    const { store, worker, advance, now } = setup(desk, 3);
    const id = openIncident(store, now());
    for (let i = 0; i < 3; i++) {
      await worker.runOnce();
      advance(120_000);
    }
    expect(states(store, id)).toEqual(['open:dead:3']);
  });

  it('after a crash mid-open, finds the ticket by key instead of opening a second one', async () => {
    const findable = new Map<string, TicketRef>();
    const { desk, calls } = scriptedDesk([], { findable });
    const { store, worker, advance, now } = setup(desk);
    const id = openIncident(store, now());
    // Simulate the crash: the attempt was committed, the call reached the desk, the result was never recorded.
    const row = store.outboxForIncident(id)[0]!;
    store.transaction((tx) => tx.markOutboxAttempt(row.id, 1, now() + 30_000, null));
    findable.set(store.getIncident(id)!.key, { externalId: 'T-already-there', url: null });
    advance(30_000);
    await worker.runOnce();
    expect(calls).toEqual([`find:${store.getIncident(id)!.key}`]);
    expect(store.getTicket(id, 'desk')?.externalId).toBe('T-already-there');
    expect(states(store, id)).toEqual(['open:delivered:2']);
  });

  it('a delivery in flight when the process died is due at once when the next worker starts; a backoff is kept', async () => {
    const { desk } = scriptedDesk([]);
    const { store, worker, now } = setup(desk);
    const inFlight = openIncident(store, now());
    const backingOff = openIncident(store, now() + 1);
    store.transaction((tx) => {
      tx.leaseOutbox(store.outboxForIncident(inFlight)[0]!.id, 1, now() + 30_000); // the crash: attempt committed, call never concluded
      tx.markOutboxAttempt(store.outboxForIncident(backingOff)[0]!.id, 1, now() + 5_000, 'TRIPLINE_DESK_SERVER_ERROR: 500');
    });
    worker.start();
    await worker.stop();
    expect(store.outboxForIncident(inFlight)[0]!.nextAttemptAtMs).toBe(now());
    expect(store.outboxForIncident(backingOff)[0]!.nextAttemptAtMs).toBe(now() + 5_000);
  });

  it('after a crash mid-open on a desk that cannot search, re-sends with the same delivery id', async () => {
    const { desk, calls } = scriptedDesk([]);
    const { store, worker, advance, now } = setup(desk);
    const id = openIncident(store, now());
    const row = store.outboxForIncident(id)[0]!;
    store.transaction((tx) => tx.markOutboxAttempt(row.id, 1, now() + 30_000, null));
    advance(30_000);
    await worker.runOnce();
    expect(calls).toEqual([`find:${store.getIncident(id)!.key}`, `open:${id}`]);
    expect(states(store, id)).toEqual(['open:delivered:2']);
  });
});

describe('outbox worker: coalescing, pace and dead letters', () => {
  const enqueue = (store: Store, id: number, operation: 'update' | 'resolve' | 'reopen' | 'comment', atMs: number, note?: string) =>
    store.transaction((tx) => tx.enqueueOutbox({ incidentId: id, desk: 'desk', operation, createdAtMs: atMs, ...(note ? { note } : {}) }));

  it('queues no second update behind an untried one: the one queued carries the latest state', () => {
    const { desk } = scriptedDesk([]);
    const { store, now } = setup(desk);
    const id = openIncident(store, now(), ['open']);
    for (let i = 0; i < 5; i++) enqueue(store, id, 'update', now());
    expect(states(store, id)).toEqual(['open:pending:0', 'update:pending:0']);
  });

  it('an update with a resolve behind it is superseded, not sent', async () => {
    const { desk, calls } = scriptedDesk([]);
    const { store, worker, now } = setup(desk);
    const id = openIncident(store, now(), ['open', 'update', 'resolve']);
    for (let i = 0; i < 4; i++) await worker.runOnce();
    expect(calls).toEqual([`open:${id}`, `resolve:${id}:T-${id}-1`]);
    expect(states(store, id)).toEqual(['open:delivered:1', 'update:superseded:0', 'resolve:delivered:1']);
  });

  it('holds an update back until the coalescing window after the last call on the ticket, and a resolve hurries it out of the way', async () => {
    const { desk, calls } = scriptedDesk([]);
    const { store, worker, advance, now } = setup(desk, 5, { coalesceWindowMs: 60_000 });
    const id = openIncident(store, now(), ['open']);
    await worker.runOnce();
    enqueue(store, id, 'update', now());
    await worker.runOnce();
    expect(store.outboxForIncident(id)[1]!.nextAttemptAtMs - now()).toBe(60_000); // held, no attempt counted
    advance(10_000);
    enqueue(store, id, 'resolve', now()); // the resolve must not wait 50 s behind the held update
    await worker.runOnce();
    await worker.runOnce();
    expect(calls).toEqual([`open:${id}`, `resolve:${id}:T-${id}-1`]);
    expect(states(store, id)).toEqual(['open:delivered:1', 'update:superseded:0', 'resolve:delivered:1']);
  });

  it('sends no more calls per minute to a desk than its rate limit allows', async () => {
    const { desk, calls } = scriptedDesk([]);
    const { store, worker, advance, now } = setup(desk, 5, { rateLimitsPerMinute: new Map([['desk', 6]]) });
    for (let i = 0; i < 5; i++) openIncident(store, now() + i, ['open']);
    await worker.runOnce();
    expect(calls).toHaveLength(1); // burst of 1 (10 s worth of 6/min)
    advance(10_000);
    await worker.runOnce();
    expect(calls).toHaveLength(2);
    advance(30_000);
    await worker.runOnce();
    expect(calls).toHaveLength(3); // the bucket holds one token at most
  });

  it('two workers sharing the store each claim their own rows; one whose claim ran out and was taken does not call', async () => {
    const { desk, calls } = scriptedDesk([]);
    const store = openSqliteStore({ file: ':memory:' });
    // Every read of the clock moves it on 1 ms, so a claim and the renewal before a call end at different times.
    let now = 1_000_000;
    const clock = { nowMs: () => now++ };
    const metrics = createCollectorMetrics({ activeIncidents: () => 0, outboxPending: () => 0, outboxDead: () => 0, unhealthyRules: () => 0 });
    const worker = (holder: string) =>
      createOutboxWorker({ store, desks: new Map([['desk', desk]]), clock, log: pino({ level: 'silent' }), metrics, maxAttempts: 5, initialBackoffSeconds: 1, maxBackoffSeconds: 60, pollIntervalMs: 10, holder, claimTimeoutMs: 5_000, sharedStore: true });
    const [a, b] = [worker('a'), worker('b')];
    const first = openIncident(store, now - 2, ['open']);
    const second = openIncident(store, now - 1, ['open']);
    // a claims both rows and calls for the first slowly: its claim on the second runs out meanwhile (the
    // first's was renewed before the call, later) and b takes and delivers the second.
    const open = desk.open.bind(desk);
    desk.open = async (incident, context) => {
      if (incident.id === first) {
        now = store.outboxForIncident(second)[0]!.nextAttemptAtMs;
        expect(await b.runOnce()).toBe(1);
      }
      return open(incident, context);
    };
    expect(await a.runOnce()).toBe(2);
    expect(calls).toEqual([`open:${second}`, `open:${first}`]);
    expect(store.outboxForIncident(first)[0]).toMatchObject({ state: 'delivered', claimedBy: 'a', attempts: 1 });
    expect(store.outboxForIncident(second)[0]).toMatchObject({ state: 'delivered', claimedBy: 'b', attempts: 1 });
  });

  it('a 429 with Retry-After pauses every row of that desk, not only the one that got it', async () => {
    const { desk, calls } = scriptedDesk([new DeskError('TRIPLINE_DESK_RATE_LIMITED', 'desk answered HTTP 429', true, { status: 429, retryAfterSeconds: 20 })]);
    const { store, worker, advance, now } = setup(desk);
    openIncident(store, now(), ['open']);
    openIncident(store, now() + 1, ['open']);
    await worker.runOnce();
    expect(calls).toHaveLength(1);
    advance(19_000);
    await worker.runOnce();
    expect(calls).toHaveLength(1);
    advance(1_000);
    await worker.runOnce();
    expect(calls.filter((c) => c.startsWith('open'))).toHaveLength(3);
  });

  it('a dead open can be retried, and the resolve that died with it is retried after it, in order', async () => {
    const { desk, calls } = scriptedDesk([new DeskError('TRIPLINE_DESK_AUTH_FAILED', 'desk answered HTTP 401', false, { status: 401 })]);
    const { store, worker, now } = setup(desk);
    const id = openIncident(store, now(), ['open', 'resolve']);
    await worker.runOnce();
    await worker.runOnce();
    expect(states(store, id)).toEqual(['open:dead:1', 'resolve:dead:1']);
    const openRow = store.outboxForIncident(id)[0]!;
    expect(store.transaction((tx) => tx.reviveOutbox(openRow.id, now()))).toHaveLength(2);
    await worker.runOnce();
    await worker.runOnce();
    expect(states(store, id)).toEqual(['open:delivered:1', 'resolve:delivered:1']);
    expect(calls.slice(1)).toEqual([`open:${id}`, `resolve:${id}:T-${id}-1`]);
  });

  it('delivers a comment with its note', async () => {
    const { desk, calls } = scriptedDesk([]);
    const { store, worker, now } = setup(desk);
    const id = openIncident(store, now(), ['open']);
    enqueue(store, id, 'comment', now(), 'still broken');
    await worker.runOnce();
    await worker.runOnce();
    expect(calls).toEqual([`open:${id}`, `comment:${id}`]);
    expect(store.outboxForIncident(id)[1]).toMatchObject({ state: 'delivered', note: 'still broken' });
  });
});
