/**
 * The checks of the `agent:` section that its schema cannot express: an http(s) collector URL,
 * readable CA files, a valid device pattern and cron expression, and the targets and plugins
 * (`checkAgentTargets.ts`, `checkAgentPlugins.ts`). The limits of its durations are part of the
 * schema (agentConfigSchema.ts) and checked as they are decoded. Config loading runs these once and
 * reports every problem with its file, line and column; the agent then only converts the checked
 * values (agent/lifecycle/agentSettings.ts).
 */
import { cronExpressionProblem } from './cronSchedule.js';
import { readFileSync } from 'node:fs';
import type { AgentConfig } from './agentConfigSchema.js';
import { DEFAULT_COLLECTOR_URL } from './collectorUrls.js';
import type { AgentConfigIssue } from './agentConfigIssue.js';
import { checkAgentPlugins } from './checkAgentPlugins.js';
import { checkAgentTargets } from './checkAgentTargets.js';

type Path = Array<string | number>;

/** Every problem of an agent section that passed its schema; empty when the agent can run on it. */
export function checkAgentConfig(agent: AgentConfig): AgentConfigIssue[] {
  const issues: AgentConfigIssue[] = [];
  const caFile = (file: string | undefined, path: Path, describe: (error: NodeJS.ErrnoException) => string) => {
    const error = file === undefined ? undefined : readError(file);
    if (error !== undefined) issues.push({ code: 'TRIPLINE_AGENT_INVALID_CA', path, message: `cannot read ${file}: ${describe(error)}` });
  };

  issues.push(...collectorUrlIssues(agent.collectorUrl, ['agent', 'collectorUrl']));
  agent.collectorUrls.forEach((url, index) => issues.push(...collectorUrlIssues(url, ['agent', 'collectorUrls', index])));
  if (agent.collectorUrls.length > 0 && agent.collectorUrl !== DEFAULT_COLLECTOR_URL) {
    issues.push({ code: 'TRIPLINE_AGENT_INVALID_URL', path: ['agent', 'collectorUrls'], message: 'set collectorUrl or collectorUrls, not both (list every collector under collectorUrls)' });
  }
  caFile(agent.caFile, ['agent', 'caFile'], (error) => error.code ?? error.message);
  try {
    new RegExp(agent.disks.excludeDevices);
  } catch (error) {
    issues.push({ code: 'TRIPLINE_AGENT_INVALID_PATTERN', path: ['agent', 'disks', 'excludeDevices'], message: (error as Error).message });
  }
  agent.http.targets.forEach((target, index) => caFile(target.caFile, ['agent', 'http', 'targets', index, 'caFile'], (error) => error.code ?? ''));
  issues.push(...checkAgentTargets(agent));
  const schedule = agent.inventory.schedule;
  const cronProblem = schedule === undefined ? undefined : cronExpressionProblem(schedule);
  if (cronProblem !== undefined) {
    issues.push({ code: 'TRIPLINE_AGENT_INVALID_SCHEDULE', path: ['agent', 'inventory', 'schedule'], message: `"${schedule}" is not a valid cron expression: ${cronProblem}` });
  }
  issues.push(...checkAgentPlugins(agent.plugins));
  return issues;
}

function collectorUrlIssues(text: string, path: Path): AgentConfigIssue[] {
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
