/** The desk contract for PagerDuty Events v2 against a fake faithful to the documented API. */
import { describe, expect, it } from 'vitest';
import { createPagerDutyDesk, pagerDutyDedupKey } from '../../collector/desk/pagerDutyDesk.js';
import { startPagerDutyFake } from '../support/fakes/pagerDutyFake.js';
import { contractIncident, runDeskContract } from './deskContract.js';
import { proxiedHarness } from './proxiedHarness.js';
import { parseDurationMs } from '../../config/duration.js';

const ROUTING_KEY = 'R0UTINGKEYdonotleak0123456789ab';
const make = (url: string, secret = ROUTING_KEY) => createPagerDutyDesk({ type: 'pagerduty', name: 'pagerduty', url, secret, timeout: parseDurationMs('2s'), rateLimitPerMinute: 120 }, { nowMs: () => Date.now() });

runDeskContract('PagerDuty Events v2 (fake)', async () => {
  const fake = await startPagerDutyFake(ROUTING_KEY);
  return proxiedHarness({
    target: fake.url,
    secret: ROUTING_KEY,
    wrongSecret: 'WR0NGROUTINGKEY0000000000000000',
    rejectedStatus: 400,
    makeDesk: (url, secret) => make(url, secret),
    // The dedup key is the ticket; its state is that of its latest alert.
    async ticketsForKey(key) {
      const latest = fake.alerts.filter((a) => a.dedupKey === key).at(-1);
      return latest ? [{ externalId: key, status: latest.status === 'resolved' ? 'resolved' : 'open' }] : [];
    },
    close: () => fake.close(),
  });
});

describe('PagerDuty specifics', () => {
  it('a replayed trigger merges into the open alert instead of paging twice', async () => {
    const fake = await startPagerDutyFake(ROUTING_KEY);
    try {
      const incident = contractIncident();
      await make(fake.url).open(incident, { deliveryId: 'd', attempt: 1 });
      await make(fake.url).open(incident, { deliveryId: 'd', attempt: 2 });
      expect(fake.alerts).toHaveLength(1);
      // contractIncident is P2: PagerDuty severity error (see deskPriority.ts)
      expect(fake.alerts[0]).toMatchObject({ triggers: 2, severity: 'error' });
    } finally {
      await fake.close();
    }
  });

  it.each([
    ['tripline-abc-1', 'tripline-abc-1'], // short keys are used as they are
    ['k'.repeat(255), 'k'.repeat(255)], // exactly at the limit
  ])('dedup key of %s', (key, expected) => {
    expect(pagerDutyDedupKey(key)).toBe(expected);
  });

  it('a key over 255 characters is hashed to a stable, shorter one', () => {
    const long = 'k'.repeat(300);
    expect(pagerDutyDedupKey(long)).toHaveLength(73);
    expect(pagerDutyDedupKey(long)).toBe(pagerDutyDedupKey(long));
  });
});
