/**
 * The runtime view of the `agent` config section: durations in seconds, targets and plugins as the
 * probes take them, CA bundles read, the device pattern compiled, limits derived. The section was
 * checked when the config was loaded (config/checkAgentConfig.ts, with file:line:column), so this
 * only converts; reading a CA file that went away since can still throw.
 */
import { readFileSync } from 'node:fs';
import type { AgentConfig } from '../../config/configSchema.js';
import { parseDurationSeconds } from '../../config/duration.js';
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
  const intervalSeconds = parseDurationSeconds(config.interval);
  return {
    intervalSeconds,
    sendTimeoutSeconds: parseDurationSeconds(config.sendTimeout),
    probeTimeoutSeconds: Math.min(MAX_PROBE_TIMEOUT_SECONDS, intervalSeconds / 2),
    pingIntervalSeconds: parseDurationSeconds(config.ping.interval),
    pingTimeoutSeconds: parseDurationSeconds(config.ping.timeout),
    tcpTargets: config.tcp.targets.map((target) => ({ name: target.name, host: target.host, port: target.port, timeoutSeconds: parseDurationSeconds(target.timeout) })),
    httpTargets: config.http.targets.map(httpTarget),
    dnsTargets: config.dns.targets.map((target) => ({ ...target, timeoutSeconds: parseDurationSeconds(target.timeout) })),
    excludeDevices: new RegExp(config.disks.excludeDevices),
    ca: config.caFile === undefined ? undefined : readFileSync(config.caFile),
    spoolMaxReports: config.spool.maxReports,
    plugins: config.plugins.map((plugin) => ({
      name: plugin.name,
      command: plugin.command,
      args: plugin.args,
      intervalSeconds: parseDurationSeconds(plugin.interval),
      timeoutSeconds: parseDurationSeconds(plugin.timeout),
    })),
    inventoryIntervalSeconds: parseDurationSeconds(config.inventory.interval),
    inventoryCron: config.inventory.schedule,
    timeZone: config.timeZone,
    spoolMaxBytes: config.spool.maxBytes,
  };
}

function httpTarget(target: AgentConfig['http']['targets'][number]): HttpTarget {
  const ca = target.caFile === undefined ? undefined : readFileSync(target.caFile);
  return { name: target.name, url: target.url, expectStatus: target.expectStatus, timeoutSeconds: parseDurationSeconds(target.timeout), ...(ca ? { ca } : {}) };
}
