/**
 * The numeric view of the `agent` config section that the agent runs on: durations parsed to
 * seconds and checked for sense, limits derived from them. Invalid values throw `AgentConfigError`
 * naming their config path, so `createAgent` fails before anything starts.
 */
import type { AgentConfig } from '../../config/configSchema.js';
import { parseDurationSeconds } from '../../config/duration.js';
import { validate as validateCron } from 'node-cron';
import { AgentConfigError } from '../agentConfigError.js';
import type { TcpTarget } from '../probes/tcpProbe.js';
import { validatePlugin, type PluginDefinition } from '../plugins/pluginDefinition.js';

/** What the agent needs from its config, in seconds and counts. */
export interface AgentSettings {
  intervalSeconds: number;
  sendTimeoutSeconds: number;
  /** Timeout of a probe that does not declare its own: half the interval, at most 10 s. */
  probeTimeoutSeconds: number;
  pingIntervalSeconds: number;
  pingTimeoutSeconds: number;
  tcpTargets: TcpTarget[];
  /** Reports kept in the on-disk spool while the collector is unreachable. */
  spoolMaxReports: number;
  inventoryIntervalSeconds: number;
  /** A validated cron expression for wall-clock inventory runs; replaces the interval when set. */
  inventoryCron: string | undefined;
  /** Validated Nagios plugins. */
  plugins: PluginDefinition[];
  spoolMaxBytes: number;
}

const MIN_INTERVAL_SECONDS = 1;
const MAX_INTERVAL_SECONDS = 86400;
const MAX_PROBE_TIMEOUT_SECONDS = 10;

/** Parses and checks the agent section. */
export function resolveAgentSettings(config: AgentConfig): AgentSettings {
  const intervalSeconds = duration(config.interval, 'agent.interval', MIN_INTERVAL_SECONDS, MAX_INTERVAL_SECONDS);
  return {
    intervalSeconds,
    sendTimeoutSeconds: duration(config.sendTimeout, 'agent.sendTimeout', 0.001, 600),
    probeTimeoutSeconds: Math.min(MAX_PROBE_TIMEOUT_SECONDS, intervalSeconds / 2),
    pingIntervalSeconds: duration(config.ping.interval, 'agent.ping.interval', MIN_INTERVAL_SECONDS, MAX_INTERVAL_SECONDS),
    pingTimeoutSeconds: duration(config.ping.timeout, 'agent.ping.timeout', 0.001, 60),
    tcpTargets: config.tcp.targets.map((target, index) => ({
      name: target.name,
      host: target.host,
      port: target.port,
      timeoutSeconds: duration(target.timeout, `agent.tcp.targets[${index}].timeout`, 0.001, 60),
    })),
    spoolMaxReports: config.spool.maxReports,
    plugins: resolvePlugins(config),
    inventoryIntervalSeconds: duration(config.inventory.interval, 'agent.inventory.interval', 60, 7 * 86400),
    inventoryCron: cronExpression(config.inventory.schedule, 'agent.inventory.schedule'),
    spoolMaxBytes: config.spool.maxBytes,
  };
}

function resolvePlugins(config: AgentConfig): PluginDefinition[] {
  const seen = new Set<string>();
  return config.plugins.map((plugin, index) => {
    const definition: PluginDefinition = {
      name: plugin.name,
      command: plugin.command,
      args: plugin.args,
      intervalSeconds: duration(plugin.interval, `agent.plugins[${index}].interval`, MIN_INTERVAL_SECONDS, MAX_INTERVAL_SECONDS),
      timeoutSeconds: duration(plugin.timeout, `agent.plugins[${index}].timeout`, 0.001, 600),
    };
    validatePlugin(definition, index, seen);
    return definition;
  });
}

function cronExpression(text: string | undefined, path: string): string | undefined {
  if (text === undefined) return undefined;
  if (!validateCron(text)) throw new AgentConfigError('TRIPLINE_AGENT_INVALID_SCHEDULE', path, `"${text}" is not a cron expression (5 or 6 fields, e.g. "17 3 * * *")`);
  return text;
}

function duration(text: string, path: string, min: number, max: number): number {
  let seconds: number;
  try {
    seconds = parseDurationSeconds(text);
  } catch (error) {
    throw new AgentConfigError('TRIPLINE_AGENT_INVALID_DURATION', path, (error as Error).message);
  }
  if (seconds < min || seconds > max) {
    throw new AgentConfigError('TRIPLINE_AGENT_INVALID_DURATION', path, `"${text}" is outside ${min}s..${max}s`);
  }
  return seconds;
}
