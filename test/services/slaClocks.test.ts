/**
 * SLA clocks on a stepped clock: a real SQLite store (in memory), the incident core wired as the
 * collector wires it, and the SLA watcher run at chosen times. A breach escalates exactly once
 * (priority one step up, one desk update, a timeline entry); a met clock escalates nothing.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createAlertPipeline } from '../../collector/alerting/alertPipeline.js';
import { createIncidentCore } from '../../collector/incidents/incidentCore.js';
import { createOperations } from '../../collector/operations/createOperations.js';
import { slaCalendar } from '../../collector/services/businessCalendar.js';
import { createSlaWatcher } from '../../collector/services/slaWatcher.js';
import type { Config } from '../../config/configSchema.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import { parseDurationMs } from '../../config/duration.js';
import { loadConfig } from '../../config/loadConfig.js';
import { diskRule } from '../incidents/lifecycleRules.js';

const T0 = Date.UTC(2026, 10, 2, 9, 0);
const MINUTE = 60_000;

function setup(tune: (config: Config) => void = () => undefined) {
  let now = T0;
  const clock = { nowMs: () => now };
  const store = openSqliteStore({ file: ':memory:' });
  const { config } = loadConfig(undefined, {});
  config.incidents.reachability.enabled = false;
  config.incidents.resolveSettle = parseDurationMs('0s'); // a clear resolves at once: the lifecycle's settle time is not what this tests
  config.desks = [{ type: 'webhook', name: 'ops', url: 'http://127.0.0.1:9/never', timeout: parseDurationMs('1s'), headers: {}, rateLimitPerMinute: 600 }];
  config.services = { payments: { description: '', owner: '', impact: 'high', members: { hosts: ['pay-1', 'pay-2'], groups: [], matchers: [] }, dependsOn: [], desks: [] } };
  // a warning on payments: impact high x urgency medium = P2
  config.priority.sla = { P2: { acknowledge: parseDurationMs('15m'), resolve: parseDurationMs('4h') } };
  tune(config);
  const log = pino({ level: 'silent' });
  const core = createIncidentCore({ store, config, clock, log });
  const operations = createOperations({ store, config, clock, core });
  const pipeline = createAlertPipeline({ rules: [diskRule], initialStates: new Map(), incidents: core.service, log });
  const watcher = createSlaWatcher({ store, sla: config.priority.sla, calendar: slaCalendar(config), clock, log, intervalMs: 1000, routeEscalation: core.routeEscalation });
  let sequence = 0;
  const report = (host: string, used: number) => {
    sequence++;
    const samples = [{ metric: 'filesystem_used_ratio', labels: { host, mount: '/' }, value: used, atMs: now }];
    const { commit } = store.transaction((tx) => {
      tx.insertReport({ agentId: host, hostname: host, labels: {}, version: 't', intervalSeconds: 15, sequence, receivedAtMs: now, samples, checks: [] });
      return pipeline.process(tx, samples, now);
    });
    commit();
    return store.listIncidents().find((i) => i.host === host)!;
  };
  const at = (minutes: number | string) => {
    now = typeof minutes === 'string' ? Date.parse(minutes) : T0 + minutes * MINUTE;
  };
  const updates = (id: number) => store.outboxForIncident(id).filter((o) => o.operation === 'update').length;
  const deliveries = (id: number) => store.outboxForIncident(id).map((o) => `${o.operation} ${o.desk}`).sort();
  return { store, operations, watcher, report, at, updates, deliveries };
}

describe('SLA clocks', () => {
  it('an unacknowledged P2 breaches its 15m time to acknowledge once: P1, one desk update, a timeline entry', () => {
    const { operations, watcher, report, at, updates } = setup();
    const { id } = report('pay-1', 0.97);
    expect(operations.incidentDetail(id).incident).toMatchObject({ priority: 'P2', sla: { acknowledge: { dueAt: '2026-11-02T09:15:00.000Z', state: 'running' }, resolve: { dueAt: '2026-11-02T13:00:00.000Z', state: 'running' } } });
    at(15);
    expect(watcher.runOnce()).toBe(0); // due at 09:15 exactly: not yet breached
    at(16);
    expect(watcher.runOnce()).toBe(1);
    const after = operations.incidentDetail(id);
    expect(after.incident).toMatchObject({ priority: 'P1', sla: { acknowledge: { state: 'breached' }, resolve: { state: 'running' } } });
    expect(after.incident.priorityReason).toBe('impact high (service payments) x urgency medium (severity warning) = P2; raised from P2 to P1 when the acknowledge SLA ran out at 2026-11-02T09:16:00.000Z');
    expect(after.timeline.filter((e) => e.kind === 'sla-breach').map((e) => e.text)).toEqual(['SLA breached: time to acknowledge (15m for P2) ran out at 2026-11-02T09:15:00.000Z; priority raised from P2 to P1']);
    expect(updates(id)).toBe(1);
    // exactly once: later checks, and the resolve clock running out too, escalate nothing more
    at(30);
    expect(watcher.runOnce()).toBe(0);
    at(5 * 60);
    expect(watcher.runOnce()).toBe(0);
    expect(operations.incidentDetail(id).incident).toMatchObject({ priority: 'P1', sla: { resolve: { state: 'breached' } } });
    expect(updates(id)).toBe(1);
  });

  it('acknowledged in time, resolved late: the resolve clock escalates', () => {
    const { operations, watcher, report, at, updates } = setup();
    const { id } = report('pay-2', 0.97);
    at(10);
    operations.acknowledge(id, { by: 'alice', comment: 'on it' });
    at(20);
    expect(watcher.runOnce()).toBe(0);
    expect(operations.incidentDetail(id).incident.sla).toMatchObject({ acknowledge: { state: 'met' }, resolve: { state: 'running' } });
    at(4 * 60 + 1);
    expect(watcher.runOnce()).toBe(1);
    expect(operations.incidentDetail(id).incident).toMatchObject({ priority: 'P1', sla: { acknowledge: { state: 'met' }, resolve: { state: 'breached' } } });
    // the acknowledgement's update is still queued (the desk is never reached here): it carries the new priority too
    expect(updates(id)).toBe(1);
  });

  it('a resolved incident and a priority without an SLA never escalate', () => {
    const { operations, watcher, report, at, store } = setup();
    const { id } = report('pay-1', 0.97);
    at(5);
    report('pay-1', 0.5); // clears: resolved within both clocks
    const other = report('web-9', 0.97); // no service: impact low x medium = P4, no SLA
    at(24 * 60);
    expect(watcher.runOnce()).toBe(0);
    expect(store.getIncident(id)!.status).toBe('resolved');
    expect(operations.incidentDetail(id).incident.sla).toMatchObject({ acknowledge: { state: 'met' }, resolve: { state: 'met' } });
    expect(operations.incidentDetail(other.id).incident).toMatchObject({ priority: 'P4', sla: null });
  });

  it('in business hours: a breach across a holiday weekend escalates once, at the business-time moment', () => {
    const hours = ['09:00-17:00'];
    const { operations, watcher, report, at, updates } = setup((config) => {
      config.timeZone = 'Europe/Berlin';
      // Monday 9 November is a holiday here
      config.priority.businessHours = { week: { mon: hours, tue: hours, wed: hours, thu: hours, fri: hours }, holidays: ['2026-11-09'] };
      config.priority.sla = { P2: { acknowledge: parseDurationMs('30m'), resolve: parseDurationMs('8h'), businessHours: true } };
    });
    at('2026-11-06T15:45:00Z'); // Friday 16:45 in Berlin: 15 minutes of the day left
    const { id } = report('pay-1', 0.97);
    // 15m on Friday, the weekend and the holiday closed, 15m on Tuesday: due Tuesday 09:15 Berlin
    expect(operations.incidentDetail(id).incident.sla).toEqual({
      acknowledge: { dueAt: '2026-11-10T08:15:00.000Z', state: 'running' },
      resolve: { dueAt: '2026-11-10T15:45:00.000Z', state: 'running' },
    });
    for (const quiet of ['2026-11-06T16:20:00Z', '2026-11-07T11:00:00Z', '2026-11-08T23:00:00Z', '2026-11-09T10:00:00Z', '2026-11-10T08:00:00Z', '2026-11-10T08:15:00Z']) {
      at(quiet); // wall-clock 30m ran out at 17:15 on Friday; business time has not
      expect(watcher.runOnce()).toBe(0);
    }
    at('2026-11-10T08:16:00Z');
    expect(watcher.runOnce()).toBe(1);
    const after = operations.incidentDetail(id);
    expect(after.incident).toMatchObject({ priority: 'P1', sla: { acknowledge: { state: 'breached' }, resolve: { state: 'running' } } });
    expect(after.timeline.filter((e) => e.kind === 'sla-breach').map((e) => e.text)).toEqual([
      'SLA breached: time to acknowledge (30m of business hours for P2) ran out at 2026-11-10T08:15:00.000Z; priority raised from P2 to P1',
    ]);
    for (const later of ['2026-11-10T09:00:00Z', '2026-11-10T16:00:00Z', '2026-11-12T12:00:00Z']) {
      at(later);
      expect(watcher.runOnce()).toBe(0);
    }
    expect(operations.incidentDetail(id).incident.sla).toMatchObject({ resolve: { state: 'breached' } });
    expect(updates(id)).toBe(1);
  });

  describe('escalation to another route', () => {
    const twoDesks = (config: Config) => {
      config.desks = [...config.desks, { type: 'webhook', name: 'pager', url: 'http://127.0.0.1:9/never', timeout: parseDurationMs('1s'), headers: {}, rateLimitPerMinute: 600 }];
    };

    it('a route for `sla: breached` opens a ticket at its desk at the breach; later operations go to both desks', () => {
      const { operations, watcher, report, at, deliveries } = setup((config) => {
        twoDesks(config);
        config.routing.routes = [
          { match: { sla: 'breached' }, desks: ['pager'], continue: true },
          { match: { severity: 'warning' }, desks: ['ops'], continue: false },
        ];
      });
      const { id } = report('pay-1', 0.97);
      expect(deliveries(id)).toEqual(['open ops']);
      at(16);
      expect(watcher.runOnce()).toBe(1);
      expect(deliveries(id)).toEqual(['open ops', 'open pager', 'update ops']);
      const routed = operations.incidentDetail(id).timeline.filter((e) => e.kind === 'routed').map((e) => e.text);
      expect(routed).toEqual(['routed by route 2 to ops', 'SLA breach routed by routes 1, 2: pager added']);
      at(30);
      expect(watcher.runOnce()).toBe(0); // escalates once: no second open
      report('pay-1', 0.5); // clears: the resolve reaches both tickets
      expect(deliveries(id)).toEqual(['open ops', 'open pager', 'resolve ops', 'resolve pager', 'update ops']);
    });

    it('a route on the raised priority brings in its desk', () => {
      const { watcher, report, at, deliveries } = setup((config) => {
        twoDesks(config);
        config.routing.routes = [{ match: { priority: 'P1' }, desks: ['pager'], continue: false }];
        config.routing.fallback = ['ops'];
      });
      const { id } = report('pay-1', 0.97); // P2: no route, the fallback
      expect(deliveries(id)).toEqual(['open ops']);
      at(16);
      expect(watcher.runOnce()).toBe(1); // P1 now
      expect(deliveries(id)).toEqual(['open ops', 'open pager', 'update ops']);
    });

    it('the fallback never adds desks at a breach, and a route already holding the ticket adds nothing', () => {
      const { operations, watcher, report, at, deliveries } = setup((config) => {
        twoDesks(config);
        config.routing.routes = [{ match: { severity: 'warning' }, desks: ['ops'], continue: false }];
        config.routing.fallback = []; // every desk, ops and pager, for an incident no route matches
      });
      const { id } = report('pay-1', 0.97);
      at(16);
      expect(watcher.runOnce()).toBe(1);
      expect(deliveries(id)).toEqual(['open ops', 'update ops']);
      expect(operations.incidentDetail(id).timeline.filter((e) => e.kind === 'routed')).toHaveLength(1);
    });
  });
});
