/**
 * Pings the default gateway found in `/proc/net/route` (re-read every run, so a changed route is
 * followed), as series `target="gateway"`. Runs on the ping interval, not every report cycle,
 * because it spawns the system ping; `agent.ping.gateway: false` turns it off.
 */
import type { ProbeResult, Probe } from './probe.js';
import type { ProcReader } from '../procfs/procReader.js';
import { defaultGateway } from '../report/hostAddressing.js';
import { createPingProbe, type Pinger } from './pingProbe.js';

/** Settings of the gateway ping, from `agent.ping`. */
export interface GatewayPingProbeOptions {
  proc: ProcReader;
  count: number;
  timeoutSeconds: number;
  pinger?: Pinger;
}

export function createGatewayPingProbe({ proc, count, timeoutSeconds, pinger }: GatewayPingProbeOptions): Probe {
  return {
    name: 'gateway-ping',
    timeoutSeconds: count + Math.max(1, Math.ceil(timeoutSeconds)) + 5,
    async collect(now): Promise<ProbeResult> {
      const gateway = defaultGateway(proc);
      if (gateway === undefined) return { observations: [] };
      // The gateway is an IP literal parsed from hex, so it always passes target validation.
      return createPingProbe({ targets: [{ name: 'gateway', host: gateway }], count, timeoutSeconds, pinger }).collect(now);
    },
  };
}
