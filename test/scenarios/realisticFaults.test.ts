/**
 * The scenario suite: realistic faults fed through the collector's real decision path (store, rules
 * pipeline, incident service, missed-report watcher, reachability prober) on a stepped clock, asserting
 * the exact incidents and desk operations each fault must produce.
 */
import { parseDurationMs } from '../../config/duration.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createLifecycleHarness, INTERVAL_SECONDS, type LifecycleHarness } from '../support/lifecycleHarness.js';
import { ALL_RULES, cpu, disk, link } from '../incidents/lifecycleRules.js';

let h: LifecycleHarness;
afterEach(() => h?.close());

/** Every `INTERVAL_SECONDS` from `fromSeconds` (inclusive) to `toSeconds` (exclusive). */
function* steps(fromSeconds: number, toSeconds: number): Generator<number> {
  for (let t = fromSeconds; t < toSeconds; t += INTERVAL_SECONDS) yield t;
}

/** A deterministic wobble in [-amplitude, amplitude], so series look measured rather than drawn. */
const wobble = (t: number, amplitude: number) => Math.sin(t * 12.9898) * amplitude;

describe('a disk filling up', () => {
  it('opens one incident when it crosses 90% (noise around the line does not re-fire), resolves after clean-up', () => {
    h = createLifecycleHarness({ rules: ALL_RULES });
    // 2 hours from 80% to 96%, with ±1% measurement noise, then log rotation frees space.
    for (const t of steps(0, 7200)) h.at(t).report('db-1', [disk(0.8 + (0.16 * t) / 7200 + wobble(t, 0.01))]);
    expect(h.incidents()).toHaveLength(1);
    expect(h.deskOperations()).toEqual(['open #1']);
    const opened = h.incidents()[0]!;
    expect(opened.summary).toMatch(/^Filesystem \/ on db-1 is 9\d\.\d% full$/);
    expect(opened.why).toMatchObject({ rule: 'filesystem_space_low', ruleVersion: opened.ruleVersion });
    for (const t of steps(7200, 7500)) h.at(t).report('db-1', [disk(0.55)]);
    expect(h.deskOperations()).toEqual(['open #1', 'resolve #1']);
  });
});

describe('CPU saturation', () => {
  it('a 2-minute spike stays pending; 20 saturated minutes (brief dips stay above the clear line) are one incident', () => {
    h = createLifecycleHarness({ rules: ALL_RULES });
    for (const t of steps(0, 600)) h.at(t).report('app-1', [cpu(t >= 120 && t < 240 ? 0.99 : 0.4)]);
    expect(h.incidents()).toHaveLength(0);
    for (const t of steps(600, 1800)) h.at(t).report('app-1', [cpu(t % 420 === 0 ? 0.88 : 0.99)]);
    for (const t of steps(1800, 2100)) h.at(t).report('app-1', [cpu(0.3)]);
    expect(h.incidents().map((i) => [i.ruleName, i.status, i.occurrences])).toEqual([['cpu_saturated', 'resolved', 1]]);
    expect(h.deskOperations()).toEqual(['open #1', 'resolve #1']);
  });
});

describe('a switch down in front of 20 hosts', () => {
  const hosts = Array.from({ length: 20 }, (_, i) => `web-${String(i + 1).padStart(2, '0')}`);
  const topology = {
    hosts: {
      'switch-1': { address: '10.0.0.1', parents: [] },
      ...Object.fromEntries(hosts.map((host, i) => [host, { address: `10.0.1.${i + 1}`, parents: ['switch-1'] }])),
    },
  };

  it('makes one parent incident with 20 symptoms and one ticket; recovery resolves it without 20 tickets', async () => {
    h = createLifecycleHarness({ rules: ALL_RULES, incidents: { topology } });
    for (const t of steps(0, 60)) for (const host of ['switch-1', ...hosts]) h.at(t).report(host, [disk(0.5)]);
    // The switch dies after its report at 45 s: nobody behind it reaches the collector any more.
    h.at(45 + 4 * INTERVAL_SECONDS).tick();
    await h.probe();
    const [parent, ...symptoms] = h.incidents();
    expect(parent).toMatchObject({ host: 'switch-1', ruleName: 'agent_silent', hold: null, ticketed: true });
    expect(parent!.summary).toBe('Host down: Agent on switch-1 has stopped reporting');
    expect(symptoms).toHaveLength(20);
    expect(symptoms.every((s) => s.hold === 'symptom' && s.parentIncidentId === parent!.id && !s.ticketed)).toBe(true);
    expect(h.store.childIncidents(parent!.id)).toHaveLength(20);
    expect(h.pings).toEqual(['10.0.0.1']);
    expect(h.deskOperations()).toEqual(['open #1']);
    // The switch comes back; its hosts reconnect within the recovery grace.
    for (const t of steps(600, 660)) for (const host of ['switch-1', ...hosts]) h.at(t).report(host, [disk(0.5)]);
    h.at(655).tick();
    expect(h.incidents().filter((i) => i.status !== 'resolved').map((i) => [i.id, i.host, i.ruleName, i.hold])).toEqual([]);
    expect(h.deskOperations()).toEqual(['open #1', 'resolve #1']);
  });

  it('hosts whose agents cross the silence threshold a tick before the switch still become its symptoms', async () => {
    h = createLifecycleHarness({ rules: ALL_RULES, incidents: { topology } });
    // The hosts report early in each 15 s cycle, the switch late: their silences cross 3 intervals 10 s apart.
    for (const t of steps(0, 60)) {
      for (const host of hosts) h.at(t).report(host, [disk(0.5)]);
      h.at(t + 10).report('switch-1', [disk(0.5)]);
    }
    h.at(45 + 46).tick(); // the hosts' last reports were at 45 s: they are silent, the switch (55 s) not yet
    await h.probe(); // hosts with parents wait topology.settle (30 s) before they are pinged
    expect(h.incidents().map((i) => i.hold)).toEqual(hosts.map(() => 'probing'));
    expect(h.pings).toEqual([]);
    h.at(55 + 46).tick(); // now the switch
    await h.probe();
    expect(h.pings).toEqual(['10.0.0.1']);
    expect(h.deskOperations()).toEqual(['open #21']);
    h.at(45 + 46 + 30).tick();
    await h.probe();
    const symptoms = h.incidents().filter((i) => i.host !== 'switch-1');
    expect(symptoms.every((s) => s.hold === 'symptom' && s.parentIncidentId === 21 && !s.ticketed)).toBe(true);
    expect(h.store.incidentEvents(21).filter((e) => e.kind === 'symptom')).toHaveLength(20);
    expect(h.deskOperations()).toEqual(['open #21']);
  });

  it('a symptom that outlasts the recovery grace gets its own ticket', () => {
    h = createLifecycleHarness({ rules: ALL_RULES, incidents: { topology, reachability: { enabled: false } } });
    for (const host of ['switch-1', 'web-01']) h.at(0).report(host, [disk(0.5)]);
    h.at(60).tick();
    expect(h.incidents().map((i) => i.hold)).toEqual([null, 'symptom']);
    for (const t of steps(300, 420)) h.at(t).report('switch-1', [disk(0.5)]); // switch back; web-01 stays silent (its own problem)
    h.at(300 + 119).tick();
    expect(h.deskOperations()).toEqual(['open #1', 'resolve #1']);
    h.at(300 + 121).tick();
    expect(h.deskOperations()).toEqual(['open #1', 'resolve #1', 'open #2']);
  });
});

describe('a flapping link', () => {
  it('is one incident with an occurrence count, one flapping note and one resolve once it stays up', () => {
    h = createLifecycleHarness({ rules: ALL_RULES, incidents: { resolveSettle: parseDurationMs('2m') } });
    // The uplink of edge-1 bounces every 30 s for an hour.
    for (const t of steps(0, 3600)) h.at(t).report('edge-1', [link(Math.floor(t / 30) % 2 === 1)]);
    const incidents = h.incidents();
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ status: 'open', flapping: true, occurrences: 60 });
    // No resolve/re-open per flap: the open, and one note that it flaps.
    expect(h.deskOperations()).toEqual(['open #1', 'comment #1']);
    expect(h.store.incidentEvents(1).filter((e) => e.kind === 'returned')).toHaveLength(58);
    // The link is up from 3570 s and stays up: resolved once up for the settle time, not an hour later.
    for (const t of steps(3600, 3570 + 115)) h.at(t).report('edge-1', [link(true)]);
    expect(h.incidents()[0]!.status).toBe('open');
    for (const t of steps(3570 + 120, 3570 + 180)) h.at(t).report('edge-1', [link(true)]);
    expect(h.incidents()[0]).toMatchObject({ status: 'resolved', flapping: false });
    expect(h.deskOperations()).toEqual(['open #1', 'comment #1', 'resolve #1']);
  });
});

describe('a maintenance window', () => {
  it('opens no ticket during the window, and still delivers the resolve of a ticket opened before it', () => {
    h = createLifecycleHarness({ rules: ALL_RULES });
    h.addMaintenance({ cron: '10 12 * * *', durationSeconds: 3600, host: 'db-1' }); // 12:10-13:10 UTC
    h.at(0).report('db-1', [disk(0.95)]); // before the window: a real ticket
    for (const t of steps(600, 1200)) h.at(t).report('db-1', [disk(0.95)]); // window opens
    // The admin reboots db-1 in the window: the agent is silent for 5 minutes, the disk is cleaned.
    h.at(1200 + 300).tick();
    for (const t of steps(1500, 1800)) h.at(t).report('db-1', [disk(0.6)]);
    expect(h.incidents().map((i) => [i.ruleName, i.status, i.hold])).toEqual([
      ['filesystem_space_low', 'resolved', null],
      ['agent_silent', 'resolved', 'maintenance'],
    ]);
    expect(h.deskOperations()).toEqual(['open #1', 'resolve #1']);
  });
});

describe('a reboot that outlasts its maintenance window', () => {
  it('pings the host when the window ends, then opens the ticket with the verdict', async () => {
    h = createLifecycleHarness({ rules: ALL_RULES, incidents: { topology: { hosts: { 'db-1': { address: '10.0.9.1', parents: [] } } } } });
    h.addMaintenance({ cron: '0 12 * * *', durationSeconds: 600, host: 'db-1' }); // 12:00-12:10 UTC
    h.at(0).report('db-1', [disk(0.5)]);
    h.at(300).tick(); // the reboot hangs: agent silent inside the window
    expect(h.incidents().map((i) => i.hold)).toEqual(['maintenance']);
    h.at(601).tick(); // the window is over, the host is still silent
    expect(h.incidents().map((i) => i.hold)).toEqual(['probing']);
    expect(h.deskOperations()).toEqual([]);
    await h.probe();
    expect(h.incidents()[0]!.summary).toBe('Host down: Agent on db-1 has stopped reporting');
    expect(h.deskOperations()).toEqual(['open #1']);
  });
});

describe('an agent crash versus a host crash', () => {
  it('pings the silent hosts and opens "agent down" for the one that answers, "host down" for the other', async () => {
    const topology = {
      hosts: {
        'hv-1': { address: '10.0.2.1', parents: [] },
        'hv-2': { address: '10.0.2.2', parents: [] },
        'vm-1': { address: '10.0.3.1', parents: ['hv-1'] },
      },
    };
    h = createLifecycleHarness({ rules: ALL_RULES, incidents: { topology }, alive: (address) => address === '10.0.2.1' });
    for (const host of ['hv-1', 'hv-2', 'vm-1']) h.at(0).report(host, [disk(0.5)]);
    h.at(60).report('vm-1', [disk(0.5)]).tick(); // hv-1's agent crashed, hv-2 lost power; vm-1 still reports
    await h.probe();
    const [agentDown, hostDown] = h.incidents();
    expect(agentDown!.summary).toBe('Agent down: Agent on hv-1 has stopped reporting');
    expect(agentDown!.why.reachability).toMatchObject({ verdict: 'agent-down', address: '10.0.2.1' });
    expect(hostDown!.summary).toBe('Host down: Agent on hv-2 has stopped reporting');
    expect(hostDown!.why.reachability).toMatchObject({ verdict: 'host-down', address: '10.0.2.2' });
    expect(h.deskOperations().sort()).toEqual(['open #1', 'open #2']); // verdicts arrive in any order
    // hv-1 only lost its agent, so a problem on its VM is not a symptom: it gets its own ticket.
    h.at(75).report('vm-1', [disk(0.97)]);
    expect(h.incidents()[2]).toMatchObject({ host: 'vm-1', hold: null, parentIncidentId: null });
    expect(h.deskOperations().at(-1)).toBe('open #3');
  });
});
