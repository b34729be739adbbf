/**
 * Validation of configured Nagios plugins before anything runs. A plugin is run with execFile (no
 * shell, so `;`, `$()` and globs are plain bytes), from an absolute path, with arguments that hold no
 * NUL or newline; an argument that names a host (after `-H` or `--hostname`) must be a hostname or IP
 * literal, so a host can never be read as an option (`-H -oProxyCommand=...`).
 */
import { isAbsolute, normalize } from 'node:path';
import { AgentConfigError } from '../agentConfigError.js';
import { explainInvalidTargetHost } from '../targetHost.js';

/** A plugin as the agent runs it. */
export interface PluginDefinition {
  name: string;
  command: string;
  args: readonly string[];
  intervalSeconds: number;
  timeoutSeconds: number;
}

const HOST_OPTIONS = new Set(['-H', '--hostname', '--host']);
const MAX_ARGS = 64;
const MAX_ARG_LENGTH = 1024;

/** Throws `AgentConfigError` naming the first problem of plugin `index`. */
export function validatePlugin(plugin: PluginDefinition, index: number, seen: Set<string>): void {
  const path = `agent.plugins[${index}]`;
  const fail = (where: string, message: string): never => {
    throw new AgentConfigError('TRIPLINE_AGENT_INVALID_PLUGIN', `${path}${where}`, message);
  };
  if (seen.has(plugin.name)) fail('.name', `plugin "${plugin.name}" is configured twice`);
  seen.add(plugin.name);
  if (!isAbsolute(plugin.command) || normalize(plugin.command) !== plugin.command) {
    fail('.command', `must be a normalised absolute path (execFile, no PATH lookup, no shell), not ${JSON.stringify(plugin.command)}`);
  }
  if (plugin.args.length > MAX_ARGS) fail('.args', `at most ${MAX_ARGS} arguments`);
  plugin.args.forEach((arg, i) => {
    if (/[\0\n\r]/.test(arg)) fail(`.args[${i}]`, 'holds a NUL or line break');
    if (arg.length > MAX_ARG_LENGTH) fail(`.args[${i}]`, `is longer than ${MAX_ARG_LENGTH} characters`);
    const previous = plugin.args[i - 1];
    if (previous !== undefined && HOST_OPTIONS.has(previous)) {
      const reason = explainInvalidTargetHost(arg);
      if (reason !== undefined) fail(`.args[${i}]`, `host ${JSON.stringify(arg)} ${reason}`);
    }
    const inline = /^--?(?:H|hostname|host)=(.*)$/.exec(arg);
    if (inline !== null) {
      const reason = explainInvalidTargetHost(inline[1]!);
      if (reason !== undefined) fail(`.args[${i}]`, `host ${JSON.stringify(inline[1])} ${reason}`);
    }
  });
  if (plugin.timeoutSeconds > plugin.intervalSeconds) fail('.timeout', 'must not be longer than the interval');
}
