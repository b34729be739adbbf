/**
 * The agent's probe set, built from its config: the probes run every report cycle, and the ping
 * probe that runs on its own interval. New probes are added here.
 */
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/configSchema.js';
import type { AgentSettings } from './agentSettings.js';
import type { Probe } from './probe.js';
import type { ProcReader } from './procfs/procReader.js';
import { createCpuProbe } from './probes/cpuProbe.js';
import { createFilesystemProbe } from './probes/filesystemProbe.js';
import { createLoadProbe } from './probes/loadProbe.js';
import { createMemoryProbe } from './probes/memoryProbe.js';
import { createNetworkProbe } from './probes/networkProbe.js';
import { createPingProbe, type Pinger } from './probes/pingProbe.js';
import { createSwapProbe } from './probes/swapProbe.js';
import { createTcpProbe } from './probes/tcpProbe.js';

/** Probes grouped by schedule. */
export interface AgentProbes {
  /** Run every report interval. */
  cycle: Probe[];
  /** Runs every `agent.ping.interval`; absent when no ping target is configured. */
  ping: Probe | undefined;
}

/** What the probe set is built from. */
export interface AgentProbesOptions {
  config: AgentConfig;
  settings: AgentSettings;
  proc: ProcReader;
  log: Logger;
  pinger?: Pinger;
}

/** Builds the probes; throws `AgentConfigError` for an invalid ping or TCP target. */
export function createAgentProbes({ config, settings, proc, log, pinger }: AgentProbesOptions): AgentProbes {
  const cycle: Probe[] = [
    createCpuProbe({ proc }),
    createLoadProbe({ proc }),
    createMemoryProbe({ proc }),
    createSwapProbe({ proc }),
    createFilesystemProbe({
      proc,
      filter: config.filesystems,
      log: log.child({ probe: 'filesystems' }),
      statfsTimeoutSeconds: Math.max(0.5, settings.probeTimeoutSeconds - 0.5),
    }),
    createNetworkProbe({ proc, excludeInterfaces: config.network.excludeInterfaces }),
  ];
  if (settings.tcpTargets.length > 0) cycle.push(createTcpProbe({ targets: settings.tcpTargets }));
  const ping =
    config.ping.targets.length === 0
      ? undefined
      : createPingProbe({ targets: config.ping.targets, count: config.ping.count, timeoutSeconds: settings.pingTimeoutSeconds, pinger });
  return { cycle, ping };
}
