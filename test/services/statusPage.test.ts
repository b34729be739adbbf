/**
 * The status page's view on a stepped clock: a real SQLite store (in memory) and the incident core
 * wired as the collector wires it. A day on which a critical incident of a service was active is
 * degraded in its 90 days of history, a day with a recorded outage an outage (days in the configured time zone, an incident across
 * midnight marking both), other days and other services operational; the notice is set, shown
 * without who set it, and cleared once.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createAlertPipeline } from '../../collector/alerting/alertPipeline.js';
import { createIncidentCore } from '../../collector/incidents/incidentCore.js';
import { createOperations } from '../../collector/operations/createOperations.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import { parseDurationMs } from '../../config/duration.js';
import { loadConfig } from '../../config/loadConfig.js';
import { diskRule } from '../incidents/lifecycleRules.js';

function setup() {
  let now = Date.parse('2026-11-20T10:00:00Z');
  const clock = { nowMs: () => now };
  const store = openSqliteStore({ file: ':memory:' });
  const { config } = loadConfig(undefined, {});
  config.timeZone = 'Europe/Berlin';
  config.incidents.reachability.enabled = false;
  config.incidents.resolveSettle = parseDurationMs('0s');
  config.services = {
    payments: { description: 'Card payments', owner: 'team-p', impact: 'high', members: { hosts: ['pay-1', 'pay-2'], groups: [], matchers: [] }, dependsOn: [], desks: [] },
    mail: { description: '', owner: '', impact: 'low', members: { hosts: ['mail-1'], groups: [], matchers: [] }, dependsOn: [], desks: [] },
  };
  const log = pino({ level: 'silent' });
  const core = createIncidentCore({ store, config, clock, log });
  const operations = createOperations({ store, config, clock, core });
  const pipeline = createAlertPipeline({ rules: [{ ...diskRule, severity: 'critical' }], initialStates: new Map(), incidents: core.service, log });
  let sequence = 0;
  const report = (host: string, used: number) => {
    sequence++;
    const samples = [{ metric: 'filesystem_used_ratio', labels: { host, mount: '/' }, value: used, atMs: now }];
    const { commit } = store.transaction((tx) => {
      tx.insertReport({ agentId: host, hostname: host, labels: {}, version: 't', intervalSeconds: 15, sequence, receivedAtMs: now, samples, checks: [] });
      return pipeline.process(tx, samples, now);
    });
    commit();
  };
  const at = (iso: string) => {
    now = Date.parse(iso);
  };
  const recordState = (service: string, state: 'operational' | 'degraded' | 'outage', iso: string) =>
    store.transaction((tx) => tx.recordServiceState({ service, state, atMs: Date.parse(iso), reason: `test: ${state}` }));
  return { operations, report, at, recordState };
}

describe('the status page view', () => {
  it('marks the days a critical incident of a service was active, in the time zone, today last', () => {
    const { operations, report, at } = setup();
    report('pay-1', 0.97); // 20 Nov 11:00 Berlin
    at('2026-11-20T12:00:00Z');
    report('pay-1', 0.5);
    at('2026-11-24T22:30:00Z'); // 24 Nov 23:30 Berlin, across midnight to the 25th
    report('pay-2', 0.97);
    at('2026-11-24T23:30:00Z');
    report('pay-2', 0.5);
    at('2026-11-28T09:00:00Z');
    report('mail-1', 0.1);
    const page = operations.statusPage();
    expect(page.overall).toBe('operational');
    const payments = page.services.find((s) => s.name === 'payments')!;
    expect(payments.history).toHaveLength(90);
    expect(payments.history.at(-1)).toEqual({ date: '2026-11-28', state: 'operational' });
    expect(payments.history[0]!.date).toBe('2026-08-31');
    expect(payments.history.filter((d) => d.state !== 'operational').map((d) => d.date)).toEqual(['2026-11-20', '2026-11-24', '2026-11-25']);
    expect(page.services.find((s) => s.name === 'mail')!.history.every((d) => d.state === 'operational')).toBe(true);
    // nothing internal in the view
    expect(JSON.stringify(page)).not.toMatch(/pay-1|pay-2|mail-1|team-p|filesystem/);
  });

  it('takes outages from the recorded service states, worst of the day', () => {
    const { operations, at, recordState } = setup();
    recordState('mail', 'outage', '2026-11-10T08:00:00Z');
    recordState('mail', 'degraded', '2026-11-10T09:00:00Z');
    recordState('mail', 'operational', '2026-11-11T23:30:00Z'); // 12 Nov 00:30 Berlin
    at('2026-11-20T10:00:00Z');
    const mail = operations.statusPage().services.find((s) => s.name === 'mail')!;
    expect(mail.history.filter((d) => d.state !== 'operational')).toEqual([
      { date: '2026-11-10', state: 'outage' },
      { date: '2026-11-11', state: 'degraded' },
      { date: '2026-11-12', state: 'degraded' },
    ]);
  });

  it('today follows the state now', () => {
    const { operations, report } = setup();
    report('pay-1', 0.97);
    const page = operations.statusPage();
    expect(page).toMatchObject({ overall: 'degraded', services: [{ name: 'payments', state: 'degraded' }, { name: 'mail', state: 'operational' }] });
    expect(page.services[0]!.history.at(-1)).toEqual({ date: '2026-11-20', state: 'degraded' });
  });

  it('sets the notice (trimmed), shows it without who set it, and clears it once', () => {
    const { operations } = setup();
    expect(() => operations.setStatusNotice({ text: '   ' }, 'alice')).toThrow('is empty');
    expect(operations.setStatusNotice({ text: '  Payments are slow.  ' }, 'alice')).toEqual({ text: 'Payments are slow.', setBy: 'alice', setAt: '2026-11-20T10:00:00.000Z' });
    expect(operations.statusPage().notice).toEqual({ text: 'Payments are slow.', at: '2026-11-20T10:00:00.000Z' });
    expect(operations.clearStatusNotice()).toEqual({ cleared: true });
    expect(operations.statusPage().notice).toBeNull();
    expect(() => operations.clearStatusNotice()).toThrow('no status notice is set');
  });
});
