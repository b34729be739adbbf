/**
 * One Alertmanager alert into a Signal (decideAlert), row by row: the host from `host` or
 * `instance`, the severity label, the fingerprint, and a notification sent again after its episode
 * was resolved (stale) against a new episode, and an incident resolved by hand: its re-arm settled by
 * the alert's next notification.
 */
import { describe, expect, it } from 'vitest';
import type { IncidentRecord } from '../../collector/domain/incident.js';
import { alertFingerprint, decideAlert, hostOfInstance, severityOf } from '../../collector/intake/alertmanagerAlert.js';
import type { AlertmanagerAlert } from '../../collector/intake/alertmanagerPayload.js';

const NOW = Date.parse('2026-12-02T12:00:00Z');
const alert = (over: Partial<AlertmanagerAlert> = {}): AlertmanagerAlert => ({
  status: 'firing',
  labels: { alertname: 'HighLatency', instance: 'pay-1:9100', severity: 'critical', job: 'payments' },
  annotations: { summary: 'p99 over 2s', description: 'checkout is slow', runbook_url: 'https://wiki.example.com/latency' },
  startsAt: '2026-12-02T11:58:00.123456789Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://prometheus:9090/graph?g0.expr=x',
  fingerprint: 'A1B2c3d4e5f60718',
  ...over,
});
const incident = (over: Partial<IncidentRecord>): IncidentRecord => ({ id: 7, resolvedAtMs: null, status: 'open', settlingSinceMs: null, ...over }) as IncidentRecord;

describe('an Alertmanager alert as a signal', () => {
  it('a firing alert: fingerprint, host from instance, severity, summary, runbook, breach start', () => {
    const verdict = decideAlert(alert(), { active: undefined, latest: undefined, nowMs: NOW });
    expect(verdict).toMatchObject({
      kind: 'signal',
      signal: {
        kind: 'firing', ruleName: 'HighLatency', ruleVersion: 'alertmanager', fingerprint: 'alertmanager-a1b2c3d4e5f60718', severity: 'critical',
        labels: { alertname: 'HighLatency', instance: 'pay-1:9100', host: 'pay-1', job: 'payments', severity: 'critical' },
        summary: 'p99 over 2s', description: 'checkout is slow', runbook: 'https://wiki.example.com/latency',
        atMs: Date.parse('2026-12-02T11:58:00.123Z'), sinceMs: Date.parse('2026-12-02T11:58:00.123Z'),
        reason: 'Alertmanager: HighLatency firing since 2026-12-02T11:58:00.123Z (http://prometheus:9090/graph?g0.expr=x)',
      },
    });
  });

  it.each([
    // [what, incident state for the fingerprint, expected verdict]
    ['nothing known: opens', { active: undefined, latest: undefined }, 'signal'],
    ['active incident: a firing signal the lifecycle dedups', { active: incident({}), latest: incident({}) }, 'signal'],
    ['resolved before this episode began: a new episode (re-open or open)', { active: undefined, latest: incident({ status: 'resolved', resolvedAtMs: Date.parse('2026-12-02T11:50:00Z') }) }, 'signal'],
    ['resolved after this episode began (its resolve, or by hand): stale', { active: undefined, latest: incident({ status: 'resolved', resolvedAtMs: Date.parse('2026-12-02T11:59:00Z') }) }, 'stale'],
  ] as const)('%s', (_what, held, kind) => {
    expect(decideAlert(alert(), { ...held, nowMs: NOW }).kind).toBe(kind);
  });

  it.each([
    // [what, alert status, re-arm standing of the newest (resolved) incident, expected verdict]
    ['resolved by hand, re-arm time come, still firing: opens again', 'firing', 'due', { kind: 'rearm', stillFiring: true }],
    ['resolved by hand, re-arm left to the notification, still firing: opens again', 'firing', 'deferred', { kind: 'rearm', stillFiring: true }],
    ['resolved by hand, before its re-arm time: the resolve holds', 'firing', 'pending', { kind: 'stale' }],
    ['resolved by hand, the alert resolves before the re-arm: re-arm dropped', 'resolved', 'pending', { kind: 'rearm', stillFiring: false }],
    ['resolved by hand, the alert resolves after a deferred re-arm: re-arm dropped', 'resolved', 'deferred', { kind: 'rearm', stillFiring: false }],
    ['resolved otherwise, a resolved notification again: a resolved signal that changes nothing', 'resolved', 'none', { kind: 'signal' }],
  ] as const)('%s', (_what, status, standing, expected) => {
    const latest = incident({ status: 'resolved', resolvedAtMs: Date.parse('2026-12-02T11:59:00Z'), rearmAtMs: standing === 'due' ? NOW - 1 : standing === 'pending' ? NOW + 60_000 : null });
    const asked: number[] = [];
    const verdict = decideAlert(alert({ status }), { active: undefined, latest, nowMs: NOW, rearmOf: (i) => (asked.push(i.id), standing) });
    expect(verdict).toMatchObject(expected);
    if (verdict.kind === 'rearm') expect(verdict.incident).toBe(latest);
    if (verdict.kind === 'stale') expect(verdict.reason).toContain('resolved by hand; it re-arms at 2026-12-02T12:01:00.000Z');
    expect(asked).toEqual([7]);
  });

  it('the re-arm standing is not asked while an incident of the alert is active', () => {
    const verdict = decideAlert(alert(), { active: incident({}), latest: incident({}), nowMs: NOW, rearmOf: () => { throw new Error('asked'); } });
    expect(verdict.kind).toBe('signal');
  });

  it('a resolved alert resolves at its endsAt (at the latest now); Go zero time means now', () => {
    const resolved = decideAlert(alert({ status: 'resolved', endsAt: '2026-12-02T11:59:30Z' }), { active: incident({}), latest: undefined, nowMs: NOW });
    expect(resolved).toMatchObject({ kind: 'signal', signal: { kind: 'resolved', atMs: Date.parse('2026-12-02T11:59:30Z') } });
    const zero = decideAlert(alert({ status: 'resolved' }), { active: incident({}), latest: undefined, nowMs: NOW });
    expect(zero).toMatchObject({ kind: 'signal', signal: { kind: 'resolved', atMs: NOW } });
    const future = decideAlert(alert({ status: 'resolved', endsAt: '2027-01-01T00:00:00Z' }), { active: incident({}), latest: undefined, nowMs: NOW });
    expect(future).toMatchObject({ kind: 'signal', signal: { atMs: NOW } });
  });

  it('without a fingerprint (another sender), one from the labels, whatever their order', () => {
    const a = alertFingerprint({ labels: { alertname: 'X', b: '2', a: '1' } });
    expect(a).toMatch(/^alertmanager-[0-9a-f]{16}$/);
    expect(alertFingerprint({ labels: { a: '1', alertname: 'X', b: '2' } })).toBe(a);
    expect(alertFingerprint({ labels: { a: '1', alertname: 'X', b: '3' } })).not.toBe(a);
  });

  it.each([
    // [instance label, host]
    ['web-1:9100', 'web-1'],
    ['10.0.0.5:9100', '10.0.0.5'],
    ['[2001:db8::1]:9100', '2001:db8::1'],
    ['2001:db8::1', '2001:db8::1'],
    ['https://shop.example.com/health', 'shop.example.com'],
    ['web-2', 'web-2'],
    ['', undefined],
    [undefined, undefined],
  ])('instance %s is host %s', (instance, host) => {
    expect(hostOfInstance(instance)).toBe(host);
  });

  it('a host label wins over instance; no summary falls back to the alert name and host', () => {
    const verdict = decideAlert(alert({ labels: { alertname: 'DiskFull', host: 'db-1', instance: 'x:1' }, annotations: {} }), { active: undefined, latest: undefined, nowMs: NOW });
    expect(verdict).toMatchObject({ signal: { labels: { host: 'db-1' }, summary: 'DiskFull on db-1', severity: 'warning' } });
    expect(verdict.kind === 'signal' && 'runbook' in verdict.signal).toBe(false);
  });

  it.each([
    ['critical', 'critical'], ['PAGE', 'critical'], ['error', 'critical'], ['warning', 'warning'], ['info', 'info'], ['none', 'info'], ['major', 'warning'], [undefined, 'warning'],
  ] as const)('severity label %s is %s', (label, severity) => {
    expect(severityOf(label)).toBe(severity);
  });
});
