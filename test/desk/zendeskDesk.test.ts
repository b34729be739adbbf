/**
 * The desk contract for Zendesk against a fake faithful to its documented API, plus what only
 * Zendesk does: a replayed create with the same Idempotency-Key, and the 30-updates limit.
 */
import { describe, expect, it } from 'vitest';
import { DeskError } from '../../collector/desk/deskAdapter.js';
import { createZendeskDesk, zendeskStatus } from '../../collector/desk/zendeskDesk.js';
import { startZendeskFake } from '../support/fakes/zendeskFake.js';
import { contractIncident, runDeskContract } from './deskContract.js';
import { proxiedHarness } from './proxiedHarness.js';
import { parseDurationMs } from '../../config/duration.js';

const USER = 'ops-bot@example.com';
const TOKEN = 'zendesk-api-token-do-not-leak';
const clock = { nowMs: () => Date.now() };
const make = (url: string, secret = TOKEN) => createZendeskDesk({ type: 'zendesk', name: 'zendesk', url, user: USER, secret, timeout: parseDurationMs('2s'), rateLimitPerMinute: 300, tags: ['tripline'] }, clock);

runDeskContract('Zendesk (fake)', async () => {
  const fake = await startZendeskFake(USER, TOKEN);
  return proxiedHarness({
    target: fake.url,
    secret: TOKEN,
    wrongSecret: 'zendesk-wrong-token-0002',
    rejectedStatus: 422,
    makeDesk: (url, secret) => make(url, secret),
    async ticketsForKey(key) {
      return [...fake.tickets.values()].filter((t) => t.external_id === key).map((t) => ({ externalId: String(t.id), status: zendeskStatus(t.status) }));
    },
    async resolveAsPerson(id) {
      fake.tickets.get(Number(id))!.status = 'solved';
    },
    async notesForKey(key) {
      return [...fake.tickets.values()].filter((t) => t.external_id === key).flatMap((t) => t.comments);
    },
    close: () => fake.close(),
  });
});

describe('Zendesk specifics', () => {
  it('a create replayed with the same Idempotency-Key returns the first ticket', async () => {
    const fake = await startZendeskFake(USER, TOKEN);
    try {
      const incident = contractIncident();
      const first = await make(fake.url).open(incident, { deliveryId: 'd-1', attempt: 1 });
      const again = await make(fake.url).open(incident, { deliveryId: 'd-1', attempt: 2 });
      expect(again).toEqual(first);
      expect(fake.tickets.size).toBe(1);
    } finally {
      await fake.close();
    }
  });

  it('the 31st update of a ticket within 10 minutes is refused with a retryable 429 and Retry-After', async () => {
    const fake = await startZendeskFake(USER, TOKEN);
    try {
      const incident = contractIncident();
      const desk = make(fake.url);
      const ticket = await desk.open(incident, { deliveryId: 'd-1', attempt: 1 });
      for (let i = 0; i < 30; i++) await desk.update(incident, ticket, { deliveryId: `u-${i}`, attempt: 1 });
      const error = await desk.update(incident, ticket, { deliveryId: 'u-31', attempt: 1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeskError);
      expect(error).toMatchObject({ code: 'TRIPLINE_DESK_RATE_LIMITED', retryable: true });
      expect((error as DeskError).details.retryAfterSeconds).toBeGreaterThan(500);
    } finally {
      await fake.close();
    }
  });

  it.each([
    ['new', 'open'], // nobody has looked yet
    ['pending', 'open'], // waiting on the requester: not done
    ['hold', 'open'], // waiting on a third party: not done
    ['solved', 'resolved'], // an agent solved it
    ['closed', 'closed'], // archived; cannot be re-opened
  ])('status %s -> %s', (zendesk, tripline) => {
    expect(zendeskStatus(zendesk)).toBe(tripline);
  });
});
