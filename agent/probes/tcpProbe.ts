/** TCP reachability of configured targets: connect, time it, close. No process, no payload. */
import { connect } from 'node:net';
import type { CheckResult, Observation } from '../../contract/report.js';
import { observation, type Probe } from './probe.js';

/** One configured TCP target with its timeout already parsed. */
export interface TcpTarget {
  name?: string | undefined;
  host: string;
  port: number;
  timeoutSeconds: number;
}

/** Outcome of one connection attempt. */
export type ConnectOutcome = { connected: true; seconds: number } | { connected: false; reason: string; seconds: number };

/** The `target` label of a TCP target: its name, else `host:port`. */
export function tcpTargetLabel(target: Pick<TcpTarget, 'name' | 'host' | 'port'>): string {
  return target.name ?? `${target.host}:${target.port}`;
}

/** Opens one connection and closes it at once; never rejects. Includes name resolution in the time. */
export function connectOnce(host: string, port: number, timeoutSeconds: number): Promise<ConnectOutcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect({ host, port });
    const elapsed = () => (performance.now() - started) / 1000;
    const finish = (outcome: ConnectOutcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ connected: false, reason: `no connection within ${timeoutSeconds}s`, seconds: elapsed() }), timeoutSeconds * 1000);
    socket.once('connect', () => finish({ connected: true, seconds: elapsed() }));
    socket.once('error', (error: NodeJS.ErrnoException) => finish({ connected: false, reason: error.code ?? error.message, seconds: elapsed() }));
  });
}

/** Creates the TCP probe for targets checked when the config was loaded (config/checkAgentTargets.ts). */
export function createTcpProbe({ targets }: { targets: readonly TcpTarget[] }): Probe {

  async function probeOne(target: TcpTarget, now: Date): Promise<{ observations: Observation[]; check: CheckResult }> {
    const label = tcpTargetLabel(target);
    const address = `${target.host}:${target.port}`;
    const outcome = await connectOnce(target.host, target.port, target.timeoutSeconds);
    const at = now.toISOString();
    if (!outcome.connected) {
      return {
        observations: [observation('tcp_up', 0, { target: label }, now)],
        check: { name: `tcp:${label}`, status: 'critical', output: `cannot connect to ${address}: ${outcome.reason}`, at, durationSeconds: outcome.seconds },
      };
    }
    return {
      observations: [observation('tcp_up', 1, { target: label }, now), observation('tcp_connect_seconds', outcome.seconds, { target: label }, now)],
      check: { name: `tcp:${label}`, status: 'ok', output: `connected to ${address} in ${(outcome.seconds * 1000).toFixed(1)} ms`, at, durationSeconds: outcome.seconds },
    };
  }

  return {
    name: 'tcp',
    timeoutSeconds: Math.max(0, ...targets.map((t) => t.timeoutSeconds)) + 1,
    async collect(now) {
      const results = await Promise.all(targets.map((target) => probeOne(target, now)));
      return { observations: results.flatMap((r) => r.observations), checks: results.map((r) => r.check) };
    },
  };
}
