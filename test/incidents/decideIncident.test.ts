/** The pure decision for one signal, as a table: context in, effects and a readable reason out. */
import { describe, expect, it } from 'vitest';
import { decideIncident, type SignalContext } from '../../collector/incidents/decideIncident.js';
import { incidentPolicy } from '../../collector/incidents/incidentPolicy.js';
import type { Signal } from '../../rules/index.js';
import type { IncidentRecord } from '../../collector/domain/incident.js';
import { incidentsConfig, T0 } from '../support/lifecycleHarness.js';

const signal = (kind: Signal['kind'], atMs = T0): Signal => ({
  kind, ruleName: 'filesystem_space_low', ruleVersion: 'v1', fingerprint: 'fp', labels: { host: 'web-1', mount: '/', alertname: 'filesystem_space_low' },
  severity: 'warning', summary: 'disk full', description: '', value: 0.95, atMs, sinceMs: atMs, reason: 'filesystem_used_ratio 0.95 above 0.9',
});
const incident = (overrides: Partial<IncidentRecord>): IncidentRecord => ({
  id: 5, key: 'k', fingerprint: 'fp', ruleName: 'filesystem_space_low', ruleVersion: 'v1', host: 'web-1', severity: 'warning', summary: '', description: '',
  labels: { host: 'web-1' }, status: 'open', openedAtMs: T0 - 600_000, resolvedAtMs: null, updatedAtMs: T0, why: {}, occurrences: 1, parentIncidentId: null, ticketed: true, hold: null, flapping: false, settlingSinceMs: null, rearmAtMs: null,
  ...overrides,
});
const context = (overrides: Partial<SignalContext>): SignalContext => ({
  signal: signal('firing'), nowMs: T0, policy: incidentPolicy(incidentsConfig()), active: undefined, latest: undefined, flapHistory: [],
  silences: [], maintenance: [], downParent: undefined, hostIncident: undefined, ...overrides,
});
const deskOps = (c: SignalContext) => decideIncident(c).effects.filter((e) => e.kind === 'desk').map((e) => (e.kind === 'desk' ? `${e.operation} ${e.incidentId}` : ''));

describe('decideIncident', () => {
  it.each([
    // [note, context, reason, desk operations]
    ['new problem: open with the rule\'s reason', context({}), 'filesystem_used_ratio 0.95 above 0.9', ['open new']],
    ['dedup: already active', context({ active: incident({}) }), 'already active as incident #5', []],
    ['returns within the window: re-open', context({ latest: incident({ status: 'resolved', resolvedAtMs: T0 - 60_000 }) }), 're-opened within the re-open window', ['reopen 5']],
    ['returns after the window: a new incident', context({ latest: incident({ status: 'resolved', resolvedAtMs: T0 - 3_700_000 }) }), 'filesystem_used_ratio 0.95 above 0.9', ['open new']],
    [
      'silenced: open without a ticket',
      context({ silences: [{ id: 1, matchers: [{ label: 'host', op: '=', value: 'web-1' }], comment: '', createdBy: 'a', startsAtMs: T0 - 1, expiresAtMs: T0 + 60_000, createdAtMs: 0 }] }),
      'suppressed: silence #1 {host="web-1"} until 2025-01-01T12:01:00.000Z',
      [],
    ],
    ['parent down: a symptom', context({ downParent: { host: 'switch-1', incident: incident({ id: 9, host: 'switch-1' }) } }), 'suppressed: parent switch-1 is down (incident #9)', []],
    ['clear: resolve at the desk', context({ signal: signal('resolved'), active: incident({}) }), 'filesystem_used_ratio 0.95 above 0.9', ['resolve 5']],
    ['clear of a silenced incident: nothing to tell the desk', context({ signal: signal('resolved'), active: incident({ ticketed: false, hold: 'silenced' }) }), 'filesystem_used_ratio 0.95 above 0.9', []],
    ['clear with nothing active', context({ signal: signal('resolved') }), 'no active incident to resolve', []],
  ])('%s', (_note, c, reason, ops) => {
    expect(decideIncident(c).reason).toBe(reason);
    expect(deskOps(c)).toEqual(ops);
  });

  it('records every gate it passed in the why-record of a new incident', () => {
    const open = decideIncident(context({})).effects.find((e) => e.kind === 'open');
    expect(open?.kind === 'open' && (open.incident.why.gates as Array<{ gate: string; passed: boolean }>).map((g) => `${g.gate}:${g.passed}`)).toEqual([
      'flap:true', 'dedup:true', 'reopen:true', 'silence:true', 'maintenance:true', 'topology:true', 'grouping:true', 'reachability:true',
    ]);
  });
});
