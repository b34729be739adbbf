/**
 * DNS resolution checks through c-ares (node:dns Resolver; no process): resolves a name's A or
 * AAAA records, optionally at a given server, and times it. A name that does not resolve is
 * dns_up 0 and check dns:<target> critical.
 */
import type { CheckResult, Observation } from '../../contract/report.js';
import { observation, type Probe } from './probe.js';

/** One configured DNS check, timeout parsed. */
export interface DnsTarget {
  name: string;
  query: string;
  type: 'A' | 'AAAA';
  /** IP literal of the server to ask; the system resolvers when absent. */
  server?: string | undefined;
  timeoutSeconds: number;
}

/** Creates the DNS probe for targets checked when the config was loaded (config/checkAgentTargets.ts). */
export function createDnsProbe({ targets }: { targets: readonly DnsTarget[] }): Probe {
  async function probeOne(target: DnsTarget, now: Date): Promise<{ observations: Observation[]; check: CheckResult }> {
    // Imported on the first check: an agent without DNS targets never loads it.
    const { Resolver } = await import('node:dns/promises');
    const resolver = new Resolver({ timeout: Math.max(1, Math.round(target.timeoutSeconds * 1000)), tries: 1 });
    if (target.server !== undefined) resolver.setServers([target.server]);
    const labels = { target: target.name };
    const started = performance.now();
    const at = now.toISOString();
    try {
      const addresses = target.type === 'A' ? await resolver.resolve4(target.query) : await resolver.resolve6(target.query);
      const seconds = (performance.now() - started) / 1000;
      return {
        observations: [observation('dns_up', 1, labels, now), observation('dns_lookup_seconds', seconds, labels, now)],
        check: { name: `dns:${target.name}`, status: 'ok', output: `${target.query} ${target.type} -> ${addresses.slice(0, 8).join(', ')}`, at, durationSeconds: seconds },
      };
    } catch (error) {
      const seconds = (performance.now() - started) / 1000;
      const { code, message } = error as { code?: string; message?: string };
      return {
        observations: [observation('dns_up', 0, labels, now)],
        check: { name: `dns:${target.name}`, status: 'critical', output: `${target.query} ${target.type} did not resolve: ${code ?? message}`, at, durationSeconds: seconds },
      };
    } finally {
      resolver.cancel();
    }
  }

  return {
    name: 'dns',
    timeoutSeconds: Math.max(0, ...targets.map((t) => t.timeoutSeconds)) + 1,
    async collect(now) {
      const results = await Promise.all(targets.map((target) => probeOne(target, now)));
      return { observations: results.flatMap((r) => r.observations), checks: results.map((r) => r.check) };
    },
  };
}
