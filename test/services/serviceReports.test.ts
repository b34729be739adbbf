/**
 * Service reports over a month on a stepped clock: a real SQLite store, the incident core and rules
 * pipeline wired as the collector wires them, the service watcher (which records each service's
 * state changes) and the SLA watcher run at each step, operators acknowledging through the
 * operations. The figures of November 2026 are checked against values computed by hand below, and
 * the same figures come out of the CLI's table, CSV and JSON (the API route: serviceRoutes.test.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { renderServiceReport } from '../../cli/commands/serviceReportCommand.js';
import { createAlertPipeline } from '../../collector/alerting/alertPipeline.js';
import { createIncidentCore } from '../../collector/incidents/incidentCore.js';
import { createOperations } from '../../collector/operations/createOperations.js';
import { slaCalendar } from '../../collector/services/businessCalendar.js';
import { reportPeriod, serviceReport } from '../../collector/services/serviceReport.js';
import { createServiceWatcher } from '../../collector/services/serviceWatcher.js';
import { createSlaWatcher } from '../../collector/services/slaWatcher.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import { parseDurationMs } from '../../config/duration.js';
import { loadConfig } from '../../config/loadConfig.js';
import { testRule } from '../rules/ruleScenario.js';

const MINUTE = 60_000;
const diskFull = testRule({ name: 'filesystem_full', metric: 'filesystem_used_ratio', fire: { op: 'above', threshold: 0.98 }, severity: 'critical', summary: 'Filesystem {{ labels.mount }} on {{ labels.host }} is full' });

function setup() {
  let now = Date.UTC(2026, 9, 31, 22, 0);
  const clock = { nowMs: () => now };
  const store = openSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'tripline-service-reports-')), 'tripline.db') });
  const { config } = loadConfig(undefined, {});
  config.incidents.reachability.enabled = false;
  config.incidents.resolveSettle = parseDurationMs('0s'); // a clear resolves at once
  config.incidents.reopenWindow = parseDurationMs('0s'); // each fault a new incident
  config.services = {
    payments: { description: '', owner: '', impact: 'high', members: { hosts: ['pay-1', 'pay-2'], groups: [], matchers: [] }, dependsOn: [], desks: [] },
    search: { description: '', owner: '', impact: 'low', members: { hosts: ['search-1'], groups: [], matchers: [] }, dependsOn: [], desks: [] },
  };
  // A critical incident of payments: impact high x urgency high = P1.
  config.priority.sla = { P1: { acknowledge: parseDurationMs('20m'), resolve: parseDurationMs('4h') } };
  const log = pino({ level: 'silent' });
  const core = createIncidentCore({ store, config, clock, log });
  const operations = createOperations({ store, config, clock, core });
  const pipeline = createAlertPipeline({ rules: [diskFull], initialStates: new Map(), incidents: core.service, log });
  const services = createServiceWatcher({ store, catalogue: core.catalogue, priority: config.priority, clock, log, intervalMs: 1000 });
  const sla = createSlaWatcher({ store, sla: config.priority.sla, calendar: slaCalendar(config), clock, log, intervalMs: 1000 });
  let sequence = 0;
  /** At `iso` (UTC): the hosts report their disks (`full` or not), then the watchers run, as the collector's loops do. */
  const step = (iso: string, disks: Record<string, boolean> = {}) => {
    now = Date.parse(iso);
    for (const [host, full] of Object.entries(disks)) {
      sequence++;
      const samples = [{ metric: 'filesystem_used_ratio', labels: { host, mount: '/' }, value: full ? 0.99 : 0.5, atMs: now }];
      const { commit } = store.transaction((tx) => {
        tx.insertReport({ agentId: host, hostname: host, labels: {}, version: 't', intervalSeconds: 15, sequence, receivedAtMs: now, samples, checks: [] });
        return pipeline.process(tx, samples, now);
      });
      commit();
    }
    services.runOnce();
    sla.runOnce();
  };
  const openOn = (host: string) => store.listIncidents({ host, status: 'active', limit: 5 })[0]!;
  return { store, operations, step, openOn, config, core };
}

describe('service reports over a month on a stepped clock', () => {
  it('November 2026 of payments: the figures computed by hand', () => {
    const { step, openOn, operations, store } = setup();
    // October 31 23:00: pay-1 fails; it clears November 1 01:00. Opened in October: not one of
    // November's incidents, but its last hour of degradation is November's.
    step('2026-10-31T23:00:00Z', { 'pay-1': true, 'pay-2': false, 'search-1': false });
    step('2026-10-31T23:30:00Z'); // nobody acknowledged it within 20m: the SLA watcher sees the breach
    step('2026-11-01T01:00:00Z', { 'pay-1': false });
    // November 3: pay-1 fails at 10:00, acknowledged at 10:10 (within the 20m SLA), clears at 11:00.
    step('2026-11-03T10:00:00Z', { 'pay-1': true });
    step('2026-11-03T10:10:00Z');
    operations.acknowledge(openOn('pay-1').id, { by: 'alice', comment: 'looking' });
    step('2026-11-03T11:00:00Z', { 'pay-1': false });
    // November 10: both members fail at 08:00 (an outage: fewer healthy than minHealthy 1); pay-2 is
    // acknowledged at 08:15; pay-1 never is, so its 20m acknowledge SLA runs out (the watcher sees
    // it at 08:30); pay-1 clears at 08:45 (degraded: pay-2 still down), pay-2 at 09:45.
    step('2026-11-10T08:00:00Z', { 'pay-1': true, 'pay-2': true });
    step('2026-11-10T08:15:00Z');
    operations.acknowledge(openOn('pay-2').id, { by: 'bob', comment: 'disk' });
    step('2026-11-10T08:30:00Z');
    step('2026-11-10T08:45:00Z', { 'pay-1': false });
    step('2026-11-10T09:45:00Z', { 'pay-2': false });
    // December 1 00:30: pay-1 fails again: December's, not November's.
    step('2026-12-01T00:30:00Z', { 'pay-1': true });
    step('2026-12-02T12:00:00Z');

    const [payments, search] = operations.serviceReports('2026-11').services;
    // Minutes in November: 30 days x 24 h x 60 min = 43200.
    const monthMinutes = 30 * 24 * 60;
    // Outage: November 10 08:00-08:45 = 45 minutes.
    const outage = 45;
    // Degraded: November 1 00:00-01:00 (60, carried over from October 31) + November 3 10:00-11:00
    // (60) + November 10 08:45-09:45 (60) = 180 minutes. Degraded time counts as available.
    const degraded = 60 + 60 + 60;
    // Availability = (minutes in month - outage minutes) / minutes in month = 43155 / 43200.
    const availability = (100 * (monthMinutes - outage)) / monthMinutes;
    expect(availability).toBeCloseTo(99.895833, 5);
    // Incidents opened in November: pay-1 Nov 3, pay-1 Nov 10, pay-2 Nov 10 = 3.
    // MTTA over the acknowledged ones: (10 + 15) / 2 = 12.5 minutes (pay-1 of Nov 10 was never acknowledged).
    // MTTR over the resolved ones: (60 + 45 + 105) / 3 = 70 minutes.
    // SLA breaches: 1 (pay-1 of Nov 10, not acknowledged within 20m).
    expect(payments).toEqual({
      service: 'payments',
      month: '2026-11',
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-12-01T00:00:00.000Z',
      periodMinutes: monthMinutes,
      outageMinutes: outage,
      degradedMinutes: degraded,
      availabilityPercent: availability,
      incidents: 3,
      acknowledged: 2,
      resolved: 3,
      mttaMinutes: 12.5,
      mttrMinutes: 70,
      slaBreaches: 1,
    });
    // search never failed: 100%, nothing else.
    expect(search).toMatchObject({ availabilityPercent: 100, outageMinutes: 0, degradedMinutes: 0, incidents: 0, mttaMinutes: null, mttrMinutes: null, slaBreaches: 0 });
    // The service incidents opened on the way are not counted as incidents, but they were made.
    expect(store.listIncidents({ limit: 100 }).filter((i) => i.ruleName === 'tripline:service')).toHaveLength(4);

    // October: 23:00-24:00 degraded; its one incident was not acknowledged within 20m (breach), and
    // was resolved after 120 minutes (in November: an incident's time to resolve belongs to the month it opened).
    expect(operations.serviceReports('2026-10').services[0]).toMatchObject({ degradedMinutes: 60, outageMinutes: 0, incidents: 1, acknowledged: 0, mttrMinutes: 120, slaBreaches: 1, availabilityPercent: 100 });
    // December so far (to December 2 12:00 = 2160 minutes): degraded since 00:30, the incident still open.
    expect(operations.serviceReports('2026-12').services[0]).toMatchObject({ periodMinutes: 2160, degradedMinutes: 2160 - 30, incidents: 1, resolved: 0, mttrMinutes: null });

    // The CLI's three formats carry the same figures.
    const csv = renderServiceReport([payments!, search!], 'csv').split('\r\n');
    expect(csv[0]).toBe('service,month,availability_percent,outage_minutes,degraded_minutes,incidents,mtta_minutes,mttr_minutes,sla_breaches');
    expect(csv[1]).toBe('payments,2026-11,99.896,45,180,3,12.5,70,1');
    expect(csv[2]).toBe('search,2026-11,100.000,0,0,0,,,0');
    expect(JSON.parse(renderServiceReport([payments!], 'json'))).toEqual([payments]);
    expect(renderServiceReport([payments!], 'table')).toMatch(/^SERVICE +MONTH +AVAILABILITY PERCENT .*\npayments +2026-11 +99\.896 +45 +180 +3 +12\.5 +70 +1\s*\n$/);
  });

  it('a month that is malformed or has not begun is refused, saying which', () => {
    const { operations } = setup();
    expect(() => operations.serviceReports('2026-13')).toThrow('must be YYYY-MM (such as 2026-11), not "2026-13"');
    expect(() => operations.serviceReports('November')).toThrow(/must be YYYY-MM/);
    expect(() => operations.serviceReports('2026-12')).toThrow('is 2026-12, which has not begun yet'); // the clock is at 2026-10-31
  });

  it('the state in force when the month began counts from its first minute; no record at all counts as operational', () => {
    const period = reportPeriod('2026-02', Date.UTC(2026, 5, 1));
    if ('error' in period) throw new Error(period.error);
    // February 2026: 28 days = 40320 minutes; an outage since January 31 12:00 ends February 1 06:00 = 360 minutes.
    const changes = [
      { service: 's', state: 'outage' as const, atMs: Date.UTC(2026, 0, 31, 12), reason: '' },
      { service: 's', state: 'operational' as const, atMs: Date.UTC(2026, 1, 1, 6), reason: '' },
    ];
    expect(serviceReport('s', '2026-02', period, changes, [])).toMatchObject({ periodMinutes: 40320, outageMinutes: 360, availabilityPercent: (100 * (40320 - 360)) / 40320 });
    expect(serviceReport('s', '2026-02', period, [], [])).toMatchObject({ outageMinutes: 0, degradedMinutes: 0, availabilityPercent: 100 });
  });
});
