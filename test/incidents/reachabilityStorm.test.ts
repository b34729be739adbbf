/**
 * A storm of silent agents (a whole fleet cut off at once): every incident still gets its probe's
 * verdict, at most MAX_PINGS_AT_ONCE pings run together (never one process per host at once), and
 * the pass records its verdicts in one transaction, not one commit (and one read of every active
 * incident) per verdict, which made the pass quadratic in the fleet and starved ingest.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_PINGS_AT_ONCE, type Pinger } from '../../collector/incidents/reachabilityProber.js';
import { createLifecycleHarness, INTERVAL_SECONDS, type LifecycleHarness } from '../support/lifecycleHarness.js';
import { ALL_RULES, disk } from './lifecycleRules.js';

let h: LifecycleHarness | undefined;
afterEach(() => h?.close());

describe('a fleet falling silent at once', () => {
  it('probes every host with bounded pings and records all verdicts in one transaction', async () => {
    const hosts = Array.from({ length: 300 }, (_, i) => `vm-${i}`);
    const addresses = new Map(hosts.map((host, i) => [host, `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`]));
    let inFlight = 0;
    let mostInFlight = 0;
    const pinged: string[] = [];
    const pinger: Pinger = async (address) => {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise((ok) => setImmediate(ok));
      inFlight -= 1;
      pinged.push(address);
      return { alive: Number(address.split('.')[3]) % 2 === 0, rttMs: 0.2 };
    };
    h = createLifecycleHarness({
      rules: ALL_RULES,
      pinger,
      incidents: { topology: { hosts: Object.fromEntries(hosts.map((host) => [host, { address: addresses.get(host)!, parents: [] }])) } },
    });
    for (const host of hosts) h.at(0).report(host, [disk(0.5)]);
    h.at(4 * INTERVAL_SECONDS + 1).tick();
    expect(h.incidents().map((i) => i.hold)).toEqual(hosts.map(() => 'probing'));

    const transaction = vi.spyOn(h.store, 'transaction');
    await h.probe();
    expect(transaction).toHaveBeenCalledTimes(1);
    expect(mostInFlight).toBeGreaterThan(1);
    expect(mostInFlight).toBeLessThanOrEqual(MAX_PINGS_AT_ONCE);
    expect([...pinged].sort()).toEqual([...addresses.values()].sort());
    // Every incident has its verdict and is released to its desk: "Agent down" where ping answered.
    const incidents = h.incidents();
    expect(incidents.map((i) => i.hold)).toEqual(hosts.map(() => null));
    const answered = (host: string) => Number(addresses.get(host)!.split('.')[3]) % 2 === 0;
    expect(incidents.map((i) => [i.host, i.summary.split(':')[0]])).toEqual(incidents.map((i) => [i.host, answered(i.host) ? 'Agent down' : 'Host down']));
    expect(new Set(incidents.map((i) => i.host))).toEqual(new Set(hosts));
    expect(h.deskOperations()).toHaveLength(300);
  });
});
