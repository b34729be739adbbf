/**
 * Issue 12 item 9, on a stepped clock over a real store: a ticket for a failed check names the
 * check and its address (the probe's output line), read from the stored `check_status` series of
 * the time the incident opened, not only the configured name of its `target` label.
 */
import { describe, expect, it } from 'vitest';
import { describeIncident } from '../../collector/desk/ticketFacts.js';
import { ticketText } from '../../collector/desk/ticketText.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';

const T0 = Date.UTC(2025, 0, 1, 12, 0);

describe('ticket facts from the store', () => {
  it('a tcp_up incident carries host:port from the check output it opened on', () => {
    const store = openSqliteStore({ file: ':memory:' });
    const report = (seconds: number, up: boolean, sequence: number) => {
      const atMs = T0 + seconds * 1000;
      store.transaction((tx) =>
        tx.insertReport({
          agentId: 'a1', hostname: 'web-1', labels: {}, version: 't', intervalSeconds: 15, sequence, receivedAtMs: atMs, checks: [],
          samples: [
            { metric: 'tcp_up', labels: { host: 'web-1', target: 'ssh' }, value: up ? 1 : 0, atMs },
            { metric: 'check_status', labels: { host: 'web-1', kind: 'tcp', check: 'ssh' }, value: up ? 0 : 2, atMs, text: up ? 'connected to 10.0.0.5:22 in 0.4ms' : 'cannot connect to 10.0.0.5:22: ECONNREFUSED' },
          ],
        }),
      );
    };
    report(0, true, 1);
    report(15, false, 2);
    report(30, false, 3);
    report(45, true, 4); // after the open: the ticket still quotes the failure it opened on
    const incident = store.transaction((tx) =>
      tx.insertIncident({
        key: 'k', fingerprint: 'f', ruleName: 'tcp_port_down', ruleVersion: 'v', host: 'web-1', severity: 'critical', summary: 'ssh is not accepting connections (checked from web-1)',
        description: '', labels: { host: 'web-1', target: 'ssh', alertname: 'tcp_port_down' }, status: 'open', openedAtMs: T0 + 30_000, resolvedAtMs: null, updatedAtMs: T0 + 30_000,
        why: { metric: 'tcp_up', value: 0, threshold: { op: 'below', value: 1 }, breachingSinceMs: T0 + 15_000 },
      }),
    );
    const described = describeIncident({ store, publicUrl: '' }, incident);
    expect(described.facts).toMatchObject({ checkTarget: 'tcp:ssh', checkOutput: 'cannot connect to 10.0.0.5:22: ECONNREFUSED', metric: 'tcp_up', value: 0 });
    expect(ticketText(described).split('\n')).toContain('Check: tcp:ssh - cannot connect to 10.0.0.5:22: ECONNREFUSED');
    store.close();
  });
});
