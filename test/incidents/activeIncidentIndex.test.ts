/**
 * The active-incident index of a decision pass answers exactly what a scan of every active incident
 * answered (the host's own incident, the first incident that says a host is down), through any
 * sequence of opens, updates and resolves: checked against that scan over seeded random sequences.
 */
import { describe, expect, it } from 'vitest';
import { createActiveIncidentIndex } from '../../collector/incidents/activeIncidentIndex.js';
import { incidentPolicy } from '../../collector/incidents/incidentPolicy.js';
import { downHostOf } from '../../collector/incidents/topology.js';
import type { IncidentRecord } from '../../collector/domain/incident.js';
import { incidentsConfig } from '../support/lifecycleHarness.js';

const policy = incidentPolicy(incidentsConfig());

function incident(overrides: Partial<IncidentRecord>): IncidentRecord {
  return {
    id: 1, key: 'k', fingerprint: 'f', ruleName: 'agent_silent', ruleVersion: 'v', host: 'h0', severity: 'critical', summary: '', description: '',
    labels: {}, status: 'open', openedAtMs: 0, resolvedAtMs: null, updatedAtMs: 0, why: {}, occurrences: 1, parentIncidentId: null, ticketed: true, hold: null, flapping: false, settlingSinceMs: null, rearmAtMs: null,
    ...overrides,
  };
}

/** A small deterministic generator (mulberry32), so a failure names its seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What the service computed before the index: scans of the active incidents in id order. */
function scan(active: Map<number, IncidentRecord>) {
  const sorted = [...active.values()].sort((a, b) => a.id - b.id);
  return {
    hostIncident: (host: string, fingerprint: string) => sorted.find((i) => i.host === host && i.parentIncidentId === null && i.fingerprint !== fingerprint && i.hold !== 'probing'),
    down: (host: string) => sorted.find((i) => downHostOf(i, policy) === host),
  };
}

describe('the active-incident index', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('agrees with a scan of every active incident through a random sequence (seed %i)', (seed) => {
    const next = random(seed);
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
    const hosts = ['h0', 'h1', 'h2', 'h3', 'switch'];
    const rules = ['agent_silent', 'ping_loss_high', 'filesystem_space_low', 'cpu_high'];
    const make = (id: number): IncidentRecord =>
      incident({
        id,
        host: pick(hosts),
        ruleName: pick(rules),
        fingerprint: `f${Math.floor(next() * 6)}`,
        labels: next() < 0.5 ? { target: pick(hosts) } : {},
        hold: next() < 0.3 ? 'probing' : null,
        parentIncidentId: next() < 0.2 ? 1 : null,
        settlingSinceMs: next() < 0.15 ? 5 : null,
        why: next() < 0.3 ? { reachability: { verdict: pick(['agent-down', 'host-down']) } } : {},
      });
    const truth = new Map<number, IncidentRecord>();
    for (let id = 1; id <= 20; id++) if (next() < 0.5) truth.set(id, make(id));
    const index = createActiveIncidentIndex([...truth.values()].sort((a, b) => a.id - b.id), policy);
    let nextId = 21;
    for (let step = 0; step < 400; step++) {
      const roll = next();
      if (roll < 0.3) {
        const fresh = make(nextId++);
        truth.set(fresh.id, fresh);
        index.update(fresh);
      } else if (roll < 0.55 && truth.size > 0) {
        // Changes an incident: it may now say another host is down, move out of probing, settle...
        const old = pick([...truth.values()]);
        const changed = { ...make(old.id), host: next() < 0.8 ? old.host : pick(hosts) };
        truth.set(old.id, changed);
        index.update(changed);
      } else if (roll < 0.75) {
        // Resolves one, or brings an older one back (a re-open keeps its id).
        const id = 1 + Math.floor(next() * (nextId - 1));
        if (truth.has(id) && next() < 0.7) {
          const resolved = { ...truth.get(id)!, status: 'resolved' as const };
          truth.delete(id);
          index.update(resolved);
        } else if (!truth.has(id)) {
          const back = make(id);
          truth.set(id, back);
          index.update(back);
        }
      } else if (truth.size > 0) {
        const id = pick([...truth.keys()]);
        truth.delete(id);
        index.delete(id);
      }
      const expected = scan(truth);
      for (const host of hosts) {
        expect(index.downHosts.get(host)?.id, `seed ${seed} step ${step} down ${host}`).toBe(expected.down(host)?.id);
        for (const fingerprint of ['f0', 'f3', 'none']) {
          expect(index.hostIncident(host, fingerprint)?.id, `seed ${seed} step ${step} host ${host}`).toBe(expected.hostIncident(host, fingerprint)?.id);
        }
      }
      expect([...index.values()].map((i) => i.id).sort((a, b) => a - b)).toEqual([...truth.keys()].sort((a, b) => a - b));
    }
  });
});
