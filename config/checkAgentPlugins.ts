/**
 * Checks of configured Nagios plugins. A plugin is run with execFile (no shell, so `;`, `$()` and
 * globs are plain bytes), from an absolute path, with arguments that hold no NUL or newline; an
 * argument that names a host (after `-H` or `--hostname`) must be a hostname or IP literal, so a
 * host can never be read as an option (`-H -oProxyCommand=...`).
 */
import { isAbsolute, normalize } from 'node:path';
import type { AgentConfig } from './agentConfigSchema.js';
import type { AgentConfigIssue } from './agentConfigIssue.js';
import { explainInvalidTargetHost } from './targetHost.js';

const HOST_OPTIONS = new Set(['-H', '--hostname', '--host']);
const MAX_ARGS = 64;
const MAX_ARG_LENGTH = 1024;

/**
 * Problems of every plugin: a name used twice, the command, the arguments, and a timeout longer than
 * the interval.
 */
export function checkAgentPlugins(plugins: AgentConfig['plugins']): AgentConfigIssue[] {
  const seen = new Set<string>();
  return plugins.flatMap((plugin, index) => {
    const issues: AgentConfigIssue[] = [];
    const fail = (where: Array<string | number>, message: string) => issues.push({ code: 'TRIPLINE_AGENT_INVALID_PLUGIN', path: ['agent', 'plugins', index, ...where], message });
    if (seen.has(plugin.name)) fail(['name'], `plugin "${plugin.name}" is configured twice`);
    seen.add(plugin.name);
    if (!isAbsolute(plugin.command) || normalize(plugin.command) !== plugin.command) {
      fail(['command'], `must be a normalised absolute path (execFile, no PATH lookup, no shell), not ${JSON.stringify(plugin.command)}`);
    }
    if (plugin.args.length > MAX_ARGS) fail(['args'], `at most ${MAX_ARGS} arguments`);
    plugin.args.forEach((arg, i) => {
      const problem = explainUnsafeArgument(arg, plugin.args[i - 1]);
      if (problem !== undefined) fail(['args', i], problem);
    });
    if (plugin.timeout > plugin.interval) fail(['timeout'], 'must not be longer than the interval');
    return issues;
  });
}

/** Why `arg` (after `previous`) must not reach a plugin, or undefined when it may. */
function explainUnsafeArgument(arg: string, previous: string | undefined): string | undefined {
  if (/[\0\n\r]/.test(arg)) return 'holds a NUL or line break';
  if (arg.length > MAX_ARG_LENGTH) return `is longer than ${MAX_ARG_LENGTH} characters`;
  const host = previous !== undefined && HOST_OPTIONS.has(previous) ? arg : /^--?(?:H|hostname|host)=(.*)$/.exec(arg)?.[1];
  if (host === undefined) return undefined;
  const reason = explainInvalidTargetHost(host);
  return reason === undefined ? undefined : `host ${JSON.stringify(host)} ${reason}`;
}
