/**
 * `explain` as a timeline, on a stepped clock over the real store and incident service: each
 * decision with its time and the gates it was taken on (held by reachability, then opened; became a
 * symptom of its parent; flapping; re-opened as occurrence N with its own window), the current state
 * at the top, values rounded in their unit, and nothing from an agent reaching the terminal raw.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { formatExplanation } from '../../cli/commands/incidentActionCommands.js';
import { systemClock } from '../../collector/clock.js';
import { createIncidentCore } from '../../collector/incidents/incidentCore.js';
import { createOperations } from '../../collector/operations/createOperations.js';
import { measuredValue } from '../../collector/operations/measuredValue.js';
import { parseDurationMs } from '../../config/duration.js';
import { loadConfig } from '../../config/loadConfig.js';
import { createLifecycleHarness, INTERVAL_SECONDS, T0, type LifecycleHarness } from '../support/lifecycleHarness.js';
import { ALL_RULES, cpu, disk, link } from './lifecycleRules.js';

let h: LifecycleHarness;
afterEach(() => h.close());

function explain(id: number) {
  const { config } = loadConfig(undefined, {});
  const operations = createOperations({ store: h.store, config, clock: systemClock, core: createIncidentCore({ store: h.store, config, clock: systemClock, log: pino({ level: 'silent' }) }) });
  return operations.explainIncident(id);
}

/** Each timeline entry as "kind: gate=verdict ..." with the gates that did not simply pass. */
const decisions = (id: number) =>
  explain(id)
    .timeline.filter((e) => e.gates.length > 0)
    .map((e) => `${e.kind}: ${e.gates.filter((g) => !g.passed).map((g) => `${g.gate}=${g.code}`).join(' ') || 'all passed'}`);

const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

describe('explain as a timeline', () => {
  const topology = { hosts: { 'switch-1': { address: '10.0.0.1', parents: [] }, 'web-01': { address: '10.0.1.1', parents: ['switch-1'] } } };

  it('a switch held for its ping, then opened; a host behind it that became its symptom later', async () => {
    h = createLifecycleHarness({ rules: ALL_RULES, incidents: { topology } });
    // web-01 reports early in each cycle, the switch late: web-01's silence is seen first.
    for (let t = 0; t < 60; t += INTERVAL_SECONDS) {
      h.at(t).report('web-01', [disk(0.5)]);
      h.at(t + 10).report('switch-1', [disk(0.5)]);
    }
    h.at(45 + 46).tick();
    await h.probe();
    h.at(55 + 46).tick();
    await h.probe();
    h.at(45 + 46 + 30).tick();
    await h.probe();
    const [child, parent] = h.incidents();
    expect([child!.host, child!.hold, parent!.host, parent!.hold]).toEqual(['web-01', 'symptom', 'switch-1', null]);

    // The switch: held by reachability when it opened, then its ticket opened on the ping's verdict.
    expect(decisions(parent!.id)).toEqual(['opened: reachability=probing', 'reachability: all passed']);
    const switchExplained = explain(parent!.id);
    expect(switchExplained.now.text).toBe('open; ticket open; 1 occurrence(s)');
    expect(switchExplained.timeline.find((e) => e.kind === 'reachability')).toMatchObject({ at: at(55 + 46), text: expect.stringContaining('host down') });

    // web-01: opened waiting for its ping (topology passed then), became the switch's symptom later.
    expect(decisions(child!.id)).toEqual(['opened: reachability=probing', 'held-symptom: topology=parent-down']);
    const childExplained = explain(child!.id);
    expect(childExplained.timeline.find((e) => e.kind === 'opened')!.gates.find((g) => g.gate === 'topology')).toMatchObject({ passed: true, reason: 'no parent of this host is down' });
    expect(childExplained.now.text).toBe(`open; ticket held: symptom (under incident #${parent!.id}); 1 occurrence(s)`);
    const text = formatExplanation(childExplained);
    expect(text).toContain(`\nNow\n  open; ticket held: symptom (under incident #${parent!.id}); 1 occurrence(s)\n`);
    expect(text).toMatch(/ held-symptom +suppressed: parent switch-1 is down \(incident #2\); host down.*\n {6}HOLD {2}topology {5}suppressed: parent switch-1 is down \(incident #2\)\n/);
  });

  it('a flapping incident shows the flap at the decision that found it, not "pass flap 0%"', () => {
    h = createLifecycleHarness({ rules: ALL_RULES, incidents: { resolveSettle: parseDurationMs('2m') } });
    h.at(0).report('sw-1', [link(false)]);
    h.at(15).report('sw-1', [link(true)]);
    h.at(30).report('sw-1', [link(false)]);
    h.at(45).report('sw-1', [link(true)]);
    const explained = explain(1);
    expect(decisions(1)).toEqual(['opened: all passed', 'clearing: all passed', 'flapping: flap=flapping dedup=folded', 'clearing: flap=flapping']);
    expect(explained.now.text).toBe(`open; ticket open; 2 occurrence(s); flapping; clear since ${at(45)}, resolves once it stays clear (incidents.resolveSettle)`);
    expect(explained.timeline.find((e) => e.kind === 'flapping')!.gates[0]!.reason).toMatch(/^flapping: returned 15s after it cleared, within incidents.resolveSettle; \d+% state change$/);
    expect(formatExplanation(explained)).toMatch(/ {6}flapping {2}flap {9}flapping: returned 15s/);
  });

  it('a re-opened incident shows its own occurrence and window, and keeps the earlier ones', () => {
    h = createLifecycleHarness({ rules: ALL_RULES });
    // cpu_saturated fires after 5 minutes above 95%: the first occurrence 0-300 s, the second 330-630 s.
    for (let t = 0; t <= 300; t += INTERVAL_SECONDS) h.at(t).report('app-1', [cpu(0.99)]);
    h.at(315).report('app-1', [cpu(0.3)]);
    for (let t = 330; t <= 630; t += INTERVAL_SECONDS) h.at(t).report('app-1', [cpu(0.97)]);
    expect(h.incidents().map((i) => [i.status, i.occurrences])).toEqual([['open', 2]]);
    const explained = explain(1);
    expect(explained.occurrence).toMatchObject({ occurrence: 2, value: 0.97, window: { from: at(330), to: at(630) }, firedAt: at(630) });
    expect(explained.earlier).toEqual([expect.objectContaining({ occurrence: 1, value: 0.99, window: { from: at(0), to: at(300) } })]);
    expect(decisions(1)).toEqual(['opened: all passed', 'reopened: reopen=reopened']);
    expect(explained.timeline.find((e) => e.kind === 'reopened')).toMatchObject({ at: at(630), text: 're-opened within the re-open window: occurrence 2' });
    const text = formatExplanation(explained);
    expect(text).toContain(`Why it fired (occurrence 2)`);
    expect(text).toContain(`window ${at(330)} .. ${at(630)} (5m)`);
    expect(text).toContain(`Earlier occurrences (1)\n  #1 `);
    expect(text).toMatch(/ {6}reopened {2}reopen {7}re-opened within the re-open window \(1h\): incident #1 resolved 5m15s before/);
  });

  it('prints values rounded, in their metric\'s unit', () => {
    expect([
      measuredValue(0.95001220703125, 'filesystem_used_ratio'),
      measuredValue(3.0138000000000003, 'load1'),
      measuredValue(1610612736, 'memory_available_bytes'),
      measuredValue(0.0123456, 'ping_rtt_seconds'),
      measuredValue(0.000123456, undefined),
      measuredValue('n/a', 'load1'),
    ]).toEqual(['95%', '3.014', '1.5 GiB', '12ms', '0.000123', null]);
    h = createLifecycleHarness({ rules: ALL_RULES });
    const opened = h.store.transaction((tx) =>
      tx.insertIncident({
        key: 'k', fingerprint: 'f', ruleName: 'filesystem_space_low', ruleVersion: 'v', host: 'db-1', severity: 'warning', summary: 'disk', description: '', labels: {}, status: 'open',
        openedAtMs: T0, resolvedAtMs: null, updatedAtMs: T0, why: { metric: 'filesystem_used_ratio', value: 0.95001220703125, reason: 'filesystem_used_ratio above 0.9', window: { fromMs: T0, toMs: T0 } },
      }),
    );
    const text = formatExplanation(explain(opened.id));
    expect(text).toContain('filesystem_used_ratio above 0.9 (value 95%)');
    expect(text).not.toContain('0.95001220703125');
  });

  it('escapes control characters from agents: a host name or summary with ESC sequences never reaches the terminal raw', () => {
    h = createLifecycleHarness({ rules: ALL_RULES });
    const evil = 'web\u001b]0;pwned\u0007\u001b[2J-1';
    h.at(0).report(evil, [link(false)]);
    const text = formatExplanation(explain(1));
    expect(text).toContain('web\\x1b]0;pwned\\x07\\x1b[2J-1');
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });
});
