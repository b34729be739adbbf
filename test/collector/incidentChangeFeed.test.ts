/**
 * The live change feed around the store's transactions: each transaction's opened incidents become
 * events once it commits, and every transaction is handed the same watching transaction object, so
 * that a wrapper of the transaction (the priority recorder) is made once rather than per batch.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { NewIncident } from '../../collector/domain/incident.js';
import { withIncidentChangeFeed } from '../../collector/live/incidentChangeFeed.js';
import { createLiveEvents, type LiveEvent } from '../../collector/live/liveEvents.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { StoreTransaction } from '../../collector/store/store.js';

const BASE = Date.parse('2026-12-04T00:00:00Z');

function incident(key: string, fingerprint: string): NewIncident {
  return {
    key, fingerprint, ruleName: 'disk_full', ruleVersion: 'v1', host: 'web-01', severity: 'critical', summary: `${key} summary`, description: 'd',
    labels: { host: 'web-01' }, status: 'open', openedAtMs: BASE, resolvedAtMs: null, updatedAtMs: BASE, why: { because: 'x' },
  };
}

describe('the incident change feed', () => {
  it('hands every transaction the same watching object, and each still publishes what it opened', () => {
    const events = createLiveEvents();
    const seen: LiveEvent[] = [];
    events.subscribe((event) => seen.push(event));
    const store = withIncidentChangeFeed(openSqliteStore({ file: ':memory:' }), events, pino({ level: 'silent' }));
    const given: StoreTransaction[] = [];
    store.transaction((tx) => {
      given.push(tx);
      tx.insertIncident(incident('k1', 'fp1'));
    });
    expect(seen.map((event) => [event.type, event.incident.summary])).toEqual([['incident.opened', 'k1 summary']]);
    store.transaction((tx) => {
      given.push(tx);
      tx.insertIncident(incident('k2', 'fp2'));
    });
    expect(given[1]).toBe(given[0]);
    expect(seen.map((event) => [event.type, event.incident.summary])).toEqual([
      ['incident.opened', 'k1 summary'],
      ['incident.opened', 'k2 summary'],
    ]);
  });

  it('publishes nothing of a transaction rolled back, and the next one publishes its own only', () => {
    const events = createLiveEvents();
    const seen: LiveEvent[] = [];
    events.subscribe((event) => seen.push(event));
    const store = withIncidentChangeFeed(openSqliteStore({ file: ':memory:' }), events, pino({ level: 'silent' }));
    expect(() =>
      store.transaction((tx) => {
        tx.insertIncident(incident('k1', 'fp1'));
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    store.transaction((tx) => tx.insertIncident(incident('k2', 'fp2')));
    expect(seen.map((event) => event.incident.summary)).toEqual(['k2 summary']);
  });
});
