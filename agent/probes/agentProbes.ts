/**
 * The agent's probe set, built from its config: the probes run every report cycle, and the ping
 * probes that run on their own interval. New probes are added here.
 *
 * Every default cycle probe reads `/proc`, `/sys` or statfs and spawns no process. What spawns
 * (ping, Nagios plugins, systemctl) runs only when configured, or on its own slower schedule.
 */
import type { Logger } from 'pino';
import type { AgentConfig } from '../../config/configSchema.js';
import type { AgentSettings } from '../lifecycle/agentSettings.js';
import type { Probe } from './probe.js';
import type { ProcReader } from '../procfs/procReader.js';
import { join } from 'node:path';
import { filesystemFilter } from '../../contract/filesystemExclusions.js';
import { createCpuProbe } from './cpuProbe.js';
import { createDiskIoProbe } from './diskIoProbe.js';
import { createDnsProbe } from './dnsProbe.js';
import { createHttpProbe } from './httpProbe.js';
import { createSystemdProbe, type SystemctlRunner } from './systemdProbe.js';
import { createFileDescriptorProbe } from './fileDescriptorProbe.js';
import { createGatewayPingProbe } from './gatewayPingProbe.js';
import { createMdRaidProbe } from './mdRaidProbe.js';
import { createProcessProbe } from './processProbe.js';
import { createTemperatureProbe } from './temperatureProbe.js';
import { createUptimeProbe } from './uptimeProbe.js';
import { createVmstatProbe } from './vmstatProbe.js';
import { createFilesystemProbe } from './filesystemProbe.js';
import { createLoadProbe } from './loadProbe.js';
import { createMemoryProbe } from './memoryProbe.js';
import { createNetworkProbe } from './networkProbe.js';
import { createPingProbe, type Pinger } from './pingProbe.js';
import { createSwapProbe } from './swapProbe.js';
import { meminfoOfCycle } from '../procfs/procMeminfo.js';
import { createTcpProbe } from './tcpProbe.js';

/** Probes grouped by schedule. */
export interface AgentProbes {
  /** Run every report interval. */
  cycle: Probe[];
  /** Run every `agent.ping.interval`: configured targets and the default gateway; may be empty. */
  ping: Probe[];
}

/** What the probe set is built from. */
export interface AgentProbesOptions {
  config: AgentConfig;
  settings: AgentSettings;
  proc: ProcReader;
  /** Reads below `/sys`. */
  sys: ProcReader;
  /** `<dataDir>/agent`, where probes keep what they must remember across restarts. */
  stateDir: string;
  log: Logger;
  pinger?: Pinger;
  /** Runs systemctl; the real one by default. */
  systemctl?: SystemctlRunner | undefined;
}

/** Builds the probes from checked config (see config/checkAgentConfig.ts). */
export function createAgentProbes({ config, settings, proc, sys, stateDir, log, pinger, systemctl }: AgentProbesOptions): AgentProbes {
  // Memory and swap read one /proc/meminfo per cycle between them.
  const meminfo = meminfoOfCycle(proc);
  const cycle: Probe[] = [
    createCpuProbe({ proc }),
    createLoadProbe({ proc }),
    createMemoryProbe({ proc, meminfo }),
    createSwapProbe({ proc, meminfo }),
    createVmstatProbe({ proc }),
    createFileDescriptorProbe({ proc }),
    createUptimeProbe({ proc, bootIdFile: join(stateDir, 'boot_id') }),
    createDiskIoProbe({ proc, exclude: settings.excludeDevices }),
    createMdRaidProbe({ proc }),
    createTemperatureProbe({ sys, criticalCelsius: config.temperatures.criticalCelsius }),
    createFilesystemProbe({
      proc,
      filter: filesystemFilter(config.filesystems),
      log: log.child({ probe: 'filesystems' }),
      statfsTimeoutSeconds: Math.max(0.5, settings.probeTimeoutSeconds - 0.5),
    }),
    createNetworkProbe({ proc, sys, excludeInterfaces: config.network.excludeInterfaces }),
  ];
  if (settings.tcpTargets.length > 0) cycle.push(createTcpProbe({ targets: settings.tcpTargets }));
  if (config.processes.names.length > 0) cycle.push(createProcessProbe({ proc, names: config.processes.names }));
  if (settings.httpTargets.length > 0) cycle.push(createHttpProbe({ targets: settings.httpTargets }));
  if (settings.dnsTargets.length > 0) cycle.push(createDnsProbe({ targets: settings.dnsTargets }));
  if (config.systemd.units.length > 0) cycle.push(createSystemdProbe({ units: config.systemd.units, ...(systemctl ? { run: systemctl } : {}) }));
  const ping: Probe[] = [];
  const pingOptions = { count: config.ping.count, timeoutSeconds: settings.pingTimeoutSeconds, pinger };
  if (config.ping.targets.length > 0) ping.push(createPingProbe({ targets: config.ping.targets, ...pingOptions }));
  if (config.ping.gateway) ping.push(createGatewayPingProbe({ proc, ...pingOptions }));
  return { cycle, ping };
}
