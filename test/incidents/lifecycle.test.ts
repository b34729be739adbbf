/**
 * Time-step tests of the incident lifecycle, one describe per feature: the clock moves, agents
 * report, the collector ticks, and each step asserts the incidents and the exact desk operations.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLifecycleHarness, T0, type LifecycleHarness } from '../support/lifecycleHarness.js';
import { ALL_RULES, cpu, disk, link } from './lifecycleRules.js';
import { parseDurationMs } from '../../config/duration.js';

let h: LifecycleHarness;
afterEach(() => h?.close());

const summary = () => h.incidents().map((i) => ({ id: i.id, status: i.status, hold: i.hold, occurrences: i.occurrences, parent: i.parentIncidentId }));

describe('dedup and the re-open window', () => {
  it('a problem that returns within the window re-opens its incident and ticket; later, a new one', () => {
    h = createLifecycleHarness({ rules: ALL_RULES });
    h.at(0).report('web-1', [disk(0.95)]); // fires
    h.at(15).report('web-1', [disk(0.96)]); // still firing: dedup, nothing new
    expect(h.deskOperations()).toEqual(['open #1']);
    h.at(30).report('web-1', [disk(0.8)]); // clears below 0.85
    h.at(600).report('web-1', [disk(0.93)]); // back 9.5 minutes later: within 1h
    expect(h.deskOperations()).toEqual(['open #1', 'resolve #1', 'reopen #1']);
    expect(summary()).toEqual([{ id: 1, status: 'open', hold: null, occurrences: 2, parent: null }]);
    expect(h.store.incidentEvents(1).map((e) => e.kind)).toContain('reopened');
    h.at(615).report('web-1', [disk(0.8)]);
    h.at(615 + 3601).report('web-1', [disk(0.95)]); // back after more than the window
    expect(h.deskOperations()).toEqual(['open #1', 'resolve #1', 'reopen #1', 'resolve #1', 'open #2']);
  });
});

describe('flap detection', () => {
  it('folds a flapping problem into one incident with an occurrence count, then resolves once it settles', () => {
    h = createLifecycleHarness({ rules: ALL_RULES, incidents: { resolveSettle: parseDurationMs('2m') } });
    for (let i = 0; i < 30; i++) h.at(i * 30).report('sw-1', [link(i % 2 === 1)]); // down at even steps: 30 transitions
    const incident = h.incidents()[0]!;
    expect(h.incidents()).toHaveLength(1);
    expect(incident.flapping).toBe(true);
    expect(incident.status).toBe('open');
    expect(incident.occurrences).toBe(15); // every return counted
    // No resolve/re-open pairs: the open, and one note at the first return.
    expect(h.deskOperations()).toEqual(['open #1', 'comment #1']);
    // The link stays up from 870 s (the last down step was 840 s): it resolves 120 s later, once.
    h.at(30 * 30 + 60).report('sw-1', [link(true)]);
    expect(h.incidents()[0]!.status).toBe('open');
    h.at(870 + 120).report('sw-1', [link(true)]);
    expect(h.incidents()[0]!.status).toBe('resolved');
    expect(h.incidents()[0]!.resolvedAtMs).toBe(T0 + 870_000); // when it cleared
    expect(h.deskOperations()).toEqual(['open #1', 'comment #1', 'resolve #1']);
  });

  it('detects flapping whatever the flap window: one return before the settle is enough', () => {
    h = createLifecycleHarness({ rules: ALL_RULES, incidents: { resolveSettle: parseDurationMs('1m'), flap: { window: parseDurationMs('10s') } } });
    for (let i = 0; i < 6; i++) h.at(i * 30).report('sw-1', [link(i % 2 === 1)]);
    expect(h.incidents()[0]).toMatchObject({ flapping: true, occurrences: 3, status: 'open' });
    expect(h.deskOperations()).toEqual(['open #1', 'comment #1']);
  });

  it('a clear that stays clear resolves after the settle time; a healthy problem gets no flapping note', () => {
    h = createLifecycleHarness({ rules: ALL_RULES, incidents: { resolveSettle: parseDurationMs('30s') } });
    h.at(0).report('sw-1', [link(false)]);
    h.at(15).report('sw-1', [link(true)]);
    h.at(44).tick();
    expect(h.incidents()[0]!.status).toBe('open');
    h.at(45).tick();
    expect(h.incidents()[0]).toMatchObject({ status: 'resolved', flapping: false, occurrences: 1 });
    expect(h.deskOperations()).toEqual(['open #1', 'resolve #1']);
    const texts = h.store.incidentEvents(1).map((e) => `${e.kind}: ${e.text}`);
    expect(texts).toContain('resolved: the problem stayed clear for 30s (incidents.resolveSettle) since 2025-01-01T12:00:15.000Z');
  });
});

describe('silences', () => {
  it('hold back the ticket; the clear needs no desk operation because none was opened', () => {
    h = createLifecycleHarness({ rules: ALL_RULES });
    h.at(0).addSilence({ host: 'web-1' }, 3600);
    h.at(10).report('web-1', [disk(0.95)]);
    expect(summary()).toEqual([{ id: 1, status: 'open', hold: 'silenced', occurrences: 1, parent: null }]);
    h.at(20).report('web-1', [disk(0.5)]);
    expect(h.incidents()[0]!.status).toBe('resolved');
    expect(h.deskOperations()).toEqual([]);
  });

  it('never block a resolve: a ticket opened before the silence is resolved at the desk', () => {
    h = createLifecycleHarness({ rules: ALL_RULES });
    h.at(0).report('web-1', [disk(0.95)]);
    h.at(5).addSilence({ host: 'web-1' }, 3600);
    h.at(10).report('web-1', [disk(0.5)]);
    expect(h.deskOperations()).toEqual(['open #1', 'resolve #1']);
  });

  it('release the ticket when the silence expires and the problem persists', () => {
    h = createLifecycleHarness({ rules: ALL_RULES });
    h.at(0).addSilence({ host: 'web-1', mount: '/' }, 60);
    h.at(10).report('web-1', [disk(0.95)]);
    h.at(59).report('web-1', [disk(0.95)]);
    expect(h.deskOperations()).toEqual([]);
    h.at(61).report('web-1', [disk(0.95)]);
    expect(h.deskOperations()).toEqual(['open #1']);
    expect(h.store.incidentEvents(1).map((e) => e.kind)).toEqual(['opened', 'held-silenced', 'released', 'routed']);
  });
});

describe('maintenance windows', () => {
  it('hold back tickets during the window and release a problem that outlasts it', () => {
    h = createLifecycleHarness({ rules: ALL_RULES });
    h.addMaintenance({ cron: '0 12 * * *', durationSeconds: 1800, group: 'db' }); // 12:00-12:30 UTC daily
    h.at(60).report('db-1', [disk(0.95)], { group: 'db' });
    h.at(120).report('web-1', [disk(0.95)], { group: 'web' }); // not in the group: ticket at once
    expect(summary().map((s) => s.hold)).toEqual(['maintenance', null]);
    expect(h.deskOperations()).toEqual(['open #2']);
    h.at(1801).report('db-1', [disk(0.95)], { group: 'db' });
    expect(h.deskOperations()).toEqual(['open #2', 'open #1']);
  });
});

describe('escalation', () => {
  it('raises the severity of a persisting incident once per step and updates the ticket', () => {
    h = createLifecycleHarness({ rules: ALL_RULES, incidents: { escalation: [{ after: parseDurationMs('30m'), severity: 'critical' }] } });
    h.at(0).report('web-1', [disk(0.95)]);
    h.at(1799).report('web-1', [disk(0.95)]);
    expect(h.incidents()[0]!.severity).toBe('warning');
    h.at(1800).report('web-1', [disk(0.95)]);
    h.at(1815).report('web-1', [disk(0.95)]);
    expect(h.incidents()[0]!.severity).toBe('critical');
    expect(h.deskOperations()).toEqual(['open #1', 'update #1']);
  });
});

describe('grouping by host', () => {
  it('records a second problem on the same host under the first; releases it when the first resolves', () => {
    h = createLifecycleHarness({ rules: ALL_RULES, incidents: { grouping: { byHost: true } } });
    h.at(0).report('web-1', [disk(0.95), cpu(0.99)]);
    h.at(300).report('web-1', [disk(0.95), cpu(0.99)]); // cpu fires after its 5m
    expect(summary()).toEqual([
      { id: 1, status: 'open', hold: null, occurrences: 1, parent: null },
      { id: 2, status: 'open', hold: 'grouped', occurrences: 1, parent: 1 },
    ]);
    h.at(315).report('web-1', [disk(0.5), cpu(0.99)]);
    expect(h.deskOperations()).toEqual(['open #1', 'resolve #1', 'open #2']);
  });

  it('is off by default: two problems, two tickets', () => {
    h = createLifecycleHarness({ rules: ALL_RULES });
    h.at(0).report('web-1', [disk(0.95), cpu(0.99)]);
    h.at(300).report('web-1', [disk(0.95), cpu(0.99)]);
    expect(h.deskOperations()).toEqual(['open #1', 'open #2']);
  });
});

describe('operator actions', () => {
  it('acknowledge updates the ticket, resolve by hand resolves it, and refusals say why', () => {
    h = createLifecycleHarness({ rules: ALL_RULES });
    h.at(0).report('web-1', [disk(0.95)]);
    expect(h.operator(1, 'acknowledge')).toMatchObject({ ok: true, reason: 'acknowledged by alice' });
    expect(h.operator(1, 'acknowledge')).toEqual({ ok: false, reason: 'incident 1 is acknowledged; only an open incident can be acknowledged' });
    expect(h.operator(1, 'resolve')).toMatchObject({ ok: true });
    expect(h.operator(1, 'resolve')).toEqual({ ok: false, reason: 'incident 1 is already resolved' });
    expect(h.deskOperations()).toEqual(['open #1', 'update #1', 'resolve #1']);
  });
});
