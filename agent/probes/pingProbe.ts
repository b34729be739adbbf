/**
 * ICMP round-trip time and loss to configured targets, through the `ping` package, which runs the
 * system `ping` binary without a shell. That costs a process per target per run, which is why ping
 * runs only for configured targets and on its own interval. Hosts are checked strictly when the
 * config is loaded (config/targetHost.ts), and `--` ends ping's options before the host as a second
 * guard.
 */
import type { PingConfig, PingResponse } from 'ping';
import type { CheckResult, Observation } from '../../contract/report.js';
import { observation, type Probe } from './probe.js';

/** Runs the system ping; the `ping` package's promise API, or a fake in tests. */
export type Pinger = (host: string, config: PingConfig) => Promise<PingResponse>;

/** A ping target: the host, and the name its series are labelled with when not the host. */
export interface PingTarget {
  name?: string | undefined;
  host: string;
}

/** Settings of the ping probe, from `agent.ping`. */
export interface PingProbeOptions {
  targets: readonly PingTarget[];
  /** Echo requests per target per run. */
  count: number;
  /** How long ping waits for a reply. */
  timeoutSeconds: number;
  pinger?: Pinger;
}

/**
 * The `ping` package's promise API, imported on the first ping: an agent without ping targets and
 * with the gateway ping off never loads it (2 MB of RSS, `npm run bench:agent`).
 */
const systemPing: Pinger = async (host, config) => (await import('ping')).default.promise.probe(host, config);

/** The `target` label of a ping target: its name, else its host. */
export function pingTargetLabel(target: PingTarget): string {
  return target.name ?? target.host;
}

/**
 * Observations from one ping run, or the reason there are none. A response without statistics
 * (unresolvable name, no permission to open an ICMP socket) is not reported as loss: the agent does
 * not know the target is unreachable, only that it could not measure.
 */
export function pingObservations(response: PingResponse, target: string, now: Date): Observation[] | string {
  const lossPercent = Number(response.packetLoss);
  if (!Number.isFinite(lossPercent)) return firstLine(response.output) || 'ping printed no statistics';
  const observations = [observation('ping_loss_ratio', lossPercent / 100, { target }, now)];
  const avgMs = Number(response.avg);
  if (response.alive && Number.isFinite(avgMs)) observations.push(observation('ping_rtt_seconds', avgMs / 1000, { target }, now));
  // Jitter as ping's mdev (the standard deviation of the replies' RTTs), as iputils prints it.
  const mdevMs = Number(response.stddev);
  if (response.alive && Number.isFinite(mdevMs)) observations.push(observation('ping_jitter_seconds', mdevMs / 1000, { target }, now));
  return observations;
}

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim() !== '' && line !== 'unknown')?.trim() ?? '';
}

/** Creates the ping probe for targets checked when the config was loaded (config/checkAgentTargets.ts). */
export function createPingProbe(options: PingProbeOptions): Probe {
  const pinger: Pinger = options.pinger ?? systemPing;
  const waitSeconds = Math.max(1, Math.ceil(options.timeoutSeconds));
  const config: PingConfig = { numeric: true, timeout: waitSeconds, min_reply: options.count, extra: ['--'] };

  async function pingOne(target: PingTarget, now: Date): Promise<{ observations: Observation[]; checks: CheckResult[] }> {
    const label = pingTargetLabel(target);
    const started = performance.now();
    let outcome: Observation[] | string;
    try {
      outcome = pingObservations(await pinger(target.host, { ...config }), label, now);
    } catch (error) {
      outcome = `ping could not run: ${(error as Error).message}`;
    }
    if (typeof outcome !== 'string') return { observations: outcome, checks: [] };
    const durationSeconds = (performance.now() - started) / 1000;
    return { observations: [], checks: [{ name: `ping:${label}`, status: 'unknown', output: outcome, at: now.toISOString(), durationSeconds }] };
  }

  return {
    name: 'ping',
    // ping sends one request per second, then waits up to the timeout for the last reply.
    timeoutSeconds: options.count + waitSeconds + 5,
    async collect(now) {
      const results = await Promise.all(options.targets.map((target) => pingOne(target, now)));
      return { observations: results.flatMap((r) => r.observations), checks: results.flatMap((r) => r.checks) };
    },
  };
}
