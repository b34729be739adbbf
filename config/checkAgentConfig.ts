/**
 * The checks of the `agent:` section that its schema cannot express: durations within their
 * ranges, an http(s) collector URL, readable CA files, a valid device pattern and cron expression,
 * and the targets and plugins (`checkAgentTargets.ts`, `checkAgentPlugins.ts`). Config loading runs
 * them once and reports every problem with its file, line and column; the agent then only converts
 * the checked values (agent/lifecycle/agentSettings.ts).
 */
import { cronExpressionProblem } from './cronSchedule.js';
import { readFileSync } from 'node:fs';
import type { AgentConfig } from './agentConfigSchema.js';
import type { AgentConfigIssue } from './agentConfigIssue.js';
import { checkAgentPlugins } from './checkAgentPlugins.js';
import { checkAgentTargets } from './checkAgentTargets.js';
import { parseDurationSeconds } from './duration.js';

/** Report, ping and plugin intervals, in seconds. */
const INTERVAL_RANGE = { min: 1, max: 86400 } as const;

type Path = Array<string | number>;

/** Every problem of an agent section that passed its schema; empty when the agent can run on it. */
export function checkAgentConfig(agent: AgentConfig): AgentConfigIssue[] {
  const issues: AgentConfigIssue[] = [];
  /** The duration at `path` in seconds, or undefined (with an issue) when outside `min`..`max`. */
  const duration = (text: string, path: Path, min: number, max: number): number | undefined => {
    let seconds: number;
    try {
      seconds = parseDurationSeconds(text);
    } catch (error) {
      issues.push({ code: 'TRIPLINE_AGENT_INVALID_DURATION', path, message: (error as Error).message });
      return undefined;
    }
    if (seconds >= min && seconds <= max) return seconds;
    issues.push({ code: 'TRIPLINE_AGENT_INVALID_DURATION', path, message: `"${text}" is outside ${min}s..${max}s` });
    return undefined;
  };
  const interval = (text: string, path: Path) => duration(text, path, INTERVAL_RANGE.min, INTERVAL_RANGE.max);
  const caFile = (file: string | undefined, path: Path, describe: (error: NodeJS.ErrnoException) => string) => {
    const error = file === undefined ? undefined : readError(file);
    if (error !== undefined) issues.push({ code: 'TRIPLINE_AGENT_INVALID_CA', path, message: `cannot read ${file}: ${describe(error)}` });
  };

  issues.push(...collectorUrlIssues(agent.collectorUrl));
  caFile(agent.caFile, ['agent', 'caFile'], (error) => error.code ?? error.message);
  interval(agent.interval, ['agent', 'interval']);
  duration(agent.sendTimeout, ['agent', 'sendTimeout'], 0.001, 600);
  try {
    new RegExp(agent.disks.excludeDevices);
  } catch (error) {
    issues.push({ code: 'TRIPLINE_AGENT_INVALID_PATTERN', path: ['agent', 'disks', 'excludeDevices'], message: (error as Error).message });
  }
  interval(agent.ping.interval, ['agent', 'ping', 'interval']);
  duration(agent.ping.timeout, ['agent', 'ping', 'timeout'], 0.001, 60);
  agent.tcp.targets.forEach((target, index) => duration(target.timeout, ['agent', 'tcp', 'targets', index, 'timeout'], 0.001, 60));
  agent.http.targets.forEach((target, index) => caFile(target.caFile, ['agent', 'http', 'targets', index, 'caFile'], (error) => error.code ?? ''));
  issues.push(...checkAgentTargets(agent));
  duration(agent.inventory.interval, ['agent', 'inventory', 'interval'], 60, 7 * 86400);
  const schedule = agent.inventory.schedule;
  const cronProblem = schedule === undefined ? undefined : cronExpressionProblem(schedule);
  if (cronProblem !== undefined) {
    issues.push({ code: 'TRIPLINE_AGENT_INVALID_SCHEDULE', path: ['agent', 'inventory', 'schedule'], message: `"${schedule}" is not a valid cron expression: ${cronProblem}` });
  }
  const pluginSeconds = agent.plugins.map((plugin, index) => ({
    intervalSeconds: interval(plugin.interval, ['agent', 'plugins', index, 'interval']),
    timeoutSeconds: duration(plugin.timeout, ['agent', 'plugins', index, 'timeout'], 0.001, 600),
  }));
  issues.push(...checkAgentPlugins(agent.plugins, pluginSeconds));
  return issues;
}

function collectorUrlIssues(text: string): AgentConfigIssue[] {
  const path = ['agent', 'collectorUrl'];
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return [{ code: 'TRIPLINE_AGENT_INVALID_URL', path, message: 'is not a URL' }];
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') return [];
  return [{ code: 'TRIPLINE_AGENT_INVALID_URL', path, message: `must be http:// or https://, not ${url.protocol}` }];
}

/** The error reading `file` gives, or undefined when it can be read. */
function readError(file: string): NodeJS.ErrnoException | undefined {
  try {
    readFileSync(file);
    return undefined;
  } catch (error) {
    return error as NodeJS.ErrnoException;
  }
}
