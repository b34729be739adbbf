/** The desk contract for ServiceNow, in both modes, against a fake faithful to the documented APIs. */
import { describe, expect, it } from 'vitest';
import { createServiceNowDesk, serviceNowStatus } from '../../collector/desk/serviceNowDesk.js';
import { startServiceNowFake } from '../support/fakes/serviceNowFake.js';
import { runDeskContract } from './deskContract.js';
import { proxiedHarness } from './proxiedHarness.js';
import { parseDurationMs } from '../../config/duration.js';

const USER = 'tripline.integration';
const PASSWORD = 'servicenow-password-do-not-leak';
const make = (mode: 'table' | 'events') => (url: string, secret: string) =>
  createServiceNowDesk(
    { type: 'servicenow', name: 'snow', url, mode, user: USER, secret, timeout: parseDurationMs('2s'), rateLimitPerMinute: 300, closeCode: 'Solved (Permanently)', closeNotes: 'Resolved by Tripline', eventSource: 'Tripline' },
    { nowMs: () => Date.now() },
  );

runDeskContract('ServiceNow Table API (fake)', async () => {
  const fake = await startServiceNowFake(USER, PASSWORD);
  return proxiedHarness({
    target: fake.url,
    secret: PASSWORD,
    wrongSecret: 'servicenow-wrong-password-02',
    makeDesk: make('table'),
    async ticketsForKey(key) {
      return [...fake.incidents.values()].filter((i) => i.correlation_id === key).map((i) => ({ externalId: i.sys_id, status: serviceNowStatus(i.state) }));
    },
    async notesForKey(key) {
      return [...fake.incidents.values()].filter((i) => i.correlation_id === key).flatMap((i) => i.work_notes);
    },
    async resolveAsPerson(sysId) {
      Object.assign(fake.incidents.get(sysId)!, { state: '6', close_code: 'Solved (Work Around)', close_notes: 'done by hand' });
    },
    close: () => fake.close(),
  });
});

runDeskContract('ServiceNow Event Management (fake)', async () => {
  const fake = await startServiceNowFake(USER, PASSWORD);
  return proxiedHarness({
    target: fake.url,
    secret: PASSWORD,
    wrongSecret: 'servicenow-wrong-password-02',
    makeDesk: make('events'),
    // The message key is the ticket; its state is that of its latest alert.
    async ticketsForKey(key) {
      const latest = fake.alerts.filter((a) => a.message_key === key).at(-1);
      return latest ? [{ externalId: key, status: latest.state === 'Open' ? 'open' : 'resolved' }] : [];
    },
    close: () => fake.close(),
  });
});

describe('ServiceNow states', () => {
  it.each([
    ['1', 'open'], // New
    ['2', 'open'], // In Progress
    ['3', 'open'], // On Hold: still not done
    ['6', 'resolved'], // Resolved
    ['7', 'closed'], // Closed
    ['8', 'rejected'], // Canceled
    ['42', 'unknown'], // a custom state
  ])('state %s -> %s', (state, tripline) => {
    expect(serviceNowStatus(state)).toBe(tripline);
  });
});
