/**
 * The runtime view of the `agent` config section: durations in seconds, targets and plugins as the
 * probes take them, CA bundles read, the device pattern compiled, limits derived. The section was
 * checked and its durations decoded when the config was loaded (config/, with file:line:column), so
 * this only picks and converts; reading a CA file that went away since can still throw.
 */
import { readFileSync } from 'node:fs';
import type { AgentConfig } from '../../config/configSchema.js';
import type { DurationMs } from '../../config/duration.js';
import type { PluginDefinition } from '../plugins/pluginDefinition.js';
import type { DnsTarget } from '../probes/dnsProbe.js';
import type { HttpTarget } from '../probes/httpProbe.js';
import type { TcpTarget } from '../probes/tcpProbe.js';

/** What the agent needs from its config, in seconds, counts and ready-to-use values. */
export interface AgentSettings {
  intervalSeconds: number;
  sendTimeoutSeconds: number;
  /** Timeout of a probe that does not declare its own: half the interval, at most 10 s. */
  probeTimeoutSeconds: number;
  pingIntervalSeconds: number;
  pingTimeoutSeconds: number;
  tcpTargets: TcpTarget[];
  httpTargets: HttpTarget[];
  dnsTargets: DnsTarget[];
  /** Block devices the disk I/O probe leaves out. */
  excludeDevices: RegExp;
  /** The CA bundle that signed the collector's certificate, when configured. */
  ca: Buffer | undefined;
  /** Reports kept in the on-disk spool while the collector is unreachable. */
  spoolMaxReports: number;
  inventoryIntervalSeconds: number;
  /** A cron expression for wall-clock inventory runs; replaces the interval when set. */
  inventoryCron: string | undefined;
  /** The time zone the cron expression is read in (the top-level `timeZone`). */
  timeZone: string;
  /** Nagios plugins. */
  plugins: PluginDefinition[];
  spoolMaxBytes: number;
}

const MAX_PROBE_TIMEOUT_SECONDS = 10;

/** Converts a checked agent section. */
export function resolveAgentSettings(config: AgentConfig): AgentSettings {
  const intervalSeconds = seconds(config.interval);
  return {
    intervalSeconds,
    sendTimeoutSeconds: seconds(config.sendTimeout),
    probeTimeoutSeconds: Math.min(MAX_PROBE_TIMEOUT_SECONDS, intervalSeconds / 2),
    pingIntervalSeconds: seconds(config.ping.interval),
    pingTimeoutSeconds: seconds(config.ping.timeout),
    tcpTargets: config.tcp.targets.map((target) => ({ name: target.name, host: target.host, port: target.port, timeoutSeconds: seconds(target.timeout) })),
    httpTargets: config.http.targets.map(httpTarget),
    dnsTargets: config.dns.targets.map((target) => ({ ...target, timeoutSeconds: seconds(target.timeout) })),
    excludeDevices: new RegExp(config.disks.excludeDevices),
    ca: config.caFile === undefined ? undefined : readFileSync(config.caFile),
    spoolMaxReports: config.spool.maxReports,
    plugins: config.plugins.map((plugin) => ({
      name: plugin.name,
      command: plugin.command,
      args: plugin.args,
      intervalSeconds: seconds(plugin.interval),
      timeoutSeconds: seconds(plugin.timeout),
    })),
    inventoryIntervalSeconds: seconds(config.inventory.interval),
    inventoryCron: config.inventory.schedule,
    timeZone: config.timeZone,
    spoolMaxBytes: config.spool.maxBytes,
  };
}

/** The probes and schedulers count in seconds. */
function seconds(duration: DurationMs): number {
  return duration / 1000;
}

function httpTarget(target: AgentConfig['http']['targets'][number]): HttpTarget {
  const ca = target.caFile === undefined ? undefined : readFileSync(target.caFile);
  return { name: target.name, url: target.url, expectStatus: target.expectStatus, timeoutSeconds: seconds(target.timeout), ...(ca ? { ca } : {}) };
}
