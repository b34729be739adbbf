/**
 * Stepped-clock scenarios for the edges of the lifecycle: a manual resolve of a problem that
 * persists re-arms after `incidents.rearmAfter`; a rule removed from the set resolves its incidents
 * with the reason "rule removed" and the desk hears it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseDurationMs } from '../../config/duration.js';
import { createLifecycleHarness, type LifecycleHarness } from '../support/lifecycleHarness.js';
import { ALL_RULES, disk, link, linkRule } from './lifecycleRules.js';

let h: LifecycleHarness;
afterEach(() => h.close());
const events = (id: number) => h.store.incidentEvents(id).map((e) => `${e.kind}: ${e.text}`);

describe('a manual resolve of a problem that persists', () => {
  it('opens again once rearmAfter has passed while the rule still fires, and the timeline says why', () => {
    h = createLifecycleHarness({ rules: ALL_RULES, incidents: { rearmAfter: parseDurationMs('3m') } });
    h.at(0).report('sw-1', [link(false)]);
    expect(h.operator(1, 'resolve')).toMatchObject({ ok: true });
    expect(h.incidents()[0]).toMatchObject({ status: 'resolved', rearmAtMs: h.nowMs() + 180_000 });
    // The port stays down: nothing before the re-arm time ...
    for (let t = 15; t < 180; t += 15) h.at(t).report('sw-1', [link(false)]);
    expect(h.incidents()[0]!.status).toBe('resolved');
    // ... and at it, the same incident opens again and its ticket is re-opened.
    h.at(180).report('sw-1', [link(false)]);
    expect(h.incidents()).toHaveLength(1);
    expect(h.incidents()[0]).toMatchObject({ status: 'open', rearmAtMs: null, occurrences: 2 });
    expect(h.deskOperations()).toEqual(['open #1', 'resolve #1', 'reopen #1']);
    expect(events(1)).toContain('rearmed: re-armed: the problem persisted 3m after the manual resolve (incidents.rearmAfter); opened again');
    expect(events(1).find((e) => e.startsWith('resolved:'))).toMatch(/resolved by hand by alice; if the problem persists, it opens again at 2025-01-01T12:03:00.000Z \(incidents.rearmAfter 3m\)/);
  });

  it('a silence made after the resolve holds the re-armed incident\'s ticket until it expires, as it would a re-open', () => {
    h = createLifecycleHarness({ rules: ALL_RULES, incidents: { rearmAfter: parseDurationMs('3m') } });
    h.at(0).report('sw-1', [link(false)]);
    h.operator(1, 'resolve');
    h.at(30).addSilence({ host: 'sw-1' }, 300);
    for (let t = 45; t <= 180; t += 15) h.at(t).report('sw-1', [link(false)]);
    expect(h.incidents()[0]).toMatchObject({ status: 'open', occurrences: 2, hold: 'silenced', rearmAtMs: null });
    expect(h.deskOperations()).toEqual(['open #1', 'resolve #1']);
    const rearmed = h.store.incidentEvents(1).find((e) => e.kind === 'rearmed')!;
    expect(rearmed.text).toMatch(/opened again; suppressed: silence #1 \{host="sw-1"\} until /);
    expect((rearmed.data.gates as Array<{ gate: string; passed: boolean }>).find((g) => g.gate === 'silence')).toMatchObject({ passed: false });
    // The silence ends at 330 s: the sweep releases the hold and the ticket is re-opened then.
    for (let t = 195; t <= 345; t += 15) h.at(t).report('sw-1', [link(false)]);
    expect(h.incidents()[0]).toMatchObject({ status: 'open', hold: null });
    expect(h.deskOperations()).toEqual(['open #1', 'resolve #1', 'reopen #1']);
  });

  it('an incident held when it was resolved by hand (never ticketed) gets its first ticket when it re-arms with nothing holding it', () => {
    h = createLifecycleHarness({ rules: ALL_RULES, incidents: { rearmAfter: parseDurationMs('3m') } });
    h.at(0).addSilence({ host: 'sw-1' }, 60);
    h.report('sw-1', [link(false)]);
    expect(h.incidents()[0]).toMatchObject({ status: 'open', hold: 'silenced', ticketed: false });
    h.operator(1, 'resolve');
    for (let t = 15; t <= 180; t += 15) h.at(t).report('sw-1', [link(false)]);
    expect(h.incidents()[0]).toMatchObject({ status: 'open', hold: null, ticketed: true, occurrences: 2 });
    expect(h.deskOperations()).toEqual(['open #1']);
  });

  it('does not re-arm a problem that cleared after the resolve', () => {
    h = createLifecycleHarness({ rules: ALL_RULES, incidents: { rearmAfter: parseDurationMs('3m') } });
    h.at(0).report('sw-1', [link(false)]);
    h.operator(1, 'resolve');
    h.at(60).report('sw-1', [link(true)]);
    h.at(200).report('sw-1', [link(true)]);
    expect(h.incidents()[0]).toMatchObject({ status: 'resolved', rearmAtMs: null });
    expect(h.deskOperations()).toEqual(['open #1', 'resolve #1']);
    expect(events(1)).toContain('rearm-dropped: not re-armed: the problem cleared after the manual resolve');
  });

  it('a problem that clears and returns before the re-arm re-opens as usual, once', () => {
    h = createLifecycleHarness({ rules: ALL_RULES, incidents: { rearmAfter: parseDurationMs('3m') } });
    h.at(0).report('sw-1', [link(false)]);
    h.operator(1, 'resolve');
    h.at(30).report('sw-1', [link(true)]);
    h.at(60).report('sw-1', [link(false)]);
    h.at(400).report('sw-1', [link(false)]);
    expect(h.incidents()[0]).toMatchObject({ status: 'open', rearmAtMs: null, occurrences: 2 });
    expect(h.deskOperations()).toEqual(['open #1', 'resolve #1', 'reopen #1']);
  });

  it('with rearmAfter 0s it never re-arms', () => {
    h = createLifecycleHarness({ rules: ALL_RULES, incidents: { rearmAfter: parseDurationMs('0s') } });
    h.at(0).report('sw-1', [link(false)]);
    h.operator(1, 'resolve');
    h.at(3600).report('sw-1', [link(false)]);
    expect(h.incidents()[0]).toMatchObject({ status: 'resolved', rearmAtMs: null });
  });
});

describe('a rule removed from the set', () => {
  it('resolves its incidents with the reason "rule removed", the desk hears it, and the other rules are untouched', () => {
    h = createLifecycleHarness({ rules: ALL_RULES });
    h.at(0).report('sw-1', [link(false), disk(0.95)]);
    expect(h.incidents().map((i) => [i.ruleName, i.status])).toEqual([['interface_down', 'open'], ['filesystem_space_low', 'open']]);
    h.replaceRules(ALL_RULES.filter((rule) => rule !== linkRule));
    h.at(15).report('sw-1', [link(false), disk(0.95)]);
    expect(h.incidents().map((i) => [i.ruleName, i.status])).toEqual([['interface_down', 'resolved'], ['filesystem_space_low', 'open']]);
    expect(h.deskOperations()).toEqual(['open #1', 'open #2', 'resolve #1']);
    expect(events(1)).toContain('resolved: rule removed: interface_down is no longer in the rule set');
    // Its persisted state is gone too: putting the rule back starts afresh, with a new firing.
    expect([...h.store.loadRuleStates().values()].map((s) => s.ruleName)).not.toContain('interface_down');
  });
});
