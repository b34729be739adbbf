/** The desk contract for the generic webhook, against a receiver that dedupes on Idempotency-Key. */
import { createWebhookDesk } from '../../collector/desk/webhookDesk.js';
import { startWebhookDeskFake } from '../support/fakes/webhookDeskFake.js';
import { runDeskContract } from './deskContract.js';
import { proxiedHarness } from './proxiedHarness.js';
import { parseDurationMs } from '../../config/duration.js';

const SECRET = 'webhook-contract-secret-0001';

runDeskContract('generic webhook', async () => {
  const fake = await startWebhookDeskFake(SECRET);
  return proxiedHarness({
    target: fake.url,
    secret: SECRET,
    wrongSecret: 'webhook-wrong-secret-0002',
    makeDesk: (url, secret) => createWebhookDesk({ type: 'webhook', name: 'hook', url: `${url}/hook`, secret, timeout: parseDurationMs('2s'), rateLimitPerMinute: 600, headers: {} }, { nowMs: () => Date.now() }),
    async ticketsForKey(key) {
      const ticket = fake.tickets.get(key);
      return ticket ? [{ externalId: ticket.id, status: ticket.status }] : [];
    },
    async notesForKey(key) {
      return [...fake.updates.filter((u) => u.key === key).map((u) => `Severity: ${u.severity}`), ...(fake.tickets.get(key)?.comments ?? [])];
    },
    close: () => fake.close(),
  });
});
