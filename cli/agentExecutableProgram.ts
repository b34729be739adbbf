/**
 * The program of the self-contained `tripline-agent` executable (after agentExecutableMain.ts has
 * set its V8 flags): `tripline-agent [-c FILE]`, the same agent as `tripline agent`, wired with the
 * executable's own inventory runner.
 */
import { parseArgs } from 'node:util';
import { collectorUrlsOf } from '../config/collectorUrls.js';
import { formatDuration } from '../config/duration.js';
import { loadGeneratedConfig } from '../config/generatedConfigCode.js';
import { YamlValidationError } from '../config/yamlDocument.js';
import { createLogger } from './createLogger.js';
import { runUntilSignal } from './runUntilSignal.js';
import type { Agent } from '../agent/agent.js';
import { createAgentFromConfig, exitOnRefusal } from './createAgentFromConfig.js';

/** Replaced by the version of package.json when the bundle is built (esbuild `define`). */
declare const TRIPLINE_AGENT_VERSION: string;

/** The version this executable reports in its agent identity and prints for `--version`. */
export function agentExecutableVersion(): string {
  return typeof TRIPLINE_AGENT_VERSION === 'string' ? TRIPLINE_AGENT_VERSION : '0.0.0-unbundled';
}

const USAGE = `Usage: tripline-agent [-c FILE]

The Tripline agent: reports this host's health to a Tripline collector.

Options:
  -c, --config <file>  config file (YAML; env: TRIPLINE_CONFIG)
  -V, --version        print the version
  -h, --help           print this help
`;

/** Runs the agent until SIGTERM or SIGINT. */
export async function runAgentExecutable(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string', short: 'c' }, version: { type: 'boolean', short: 'V' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: false,
  });
  if (values.help) return void process.stdout.write(USAGE);
  if (values.version) return void process.stdout.write(`${agentExecutableVersion()}\n`);
  const { config, file } = loadConfigOrExplain(values.config ?? process.env.TRIPLINE_CONFIG);
  const log = createLogger(config.log.level, 'tripline');
  let agent: Agent | undefined = undefined;
  agent = createAgentFromConfig(config, log, agentExecutableVersion(), {
    onEnrollmentRefused: exitOnRefusal(() => agent, log),
    // On the first inventory run: its result's check is TypeBox's, which the agent loads no sooner.
    inventory: async () => (await import('./selfInventory.js')).collectInventoryFromSelf(),
  });
  await agent.start();
  process.stdout.write(
    [
      `Tripline agent running (config: ${file ?? 'built-in defaults'})`,
      `  Agent:      reporting every ${formatDuration(config.agent.interval / 1000)} to ${collectorUrlsOf(config.agent).join(', ')}`,
      '  Logs:       JSON on stderr. Stop with Ctrl-C or SIGTERM.',
      '',
    ].join('\n'),
  );
  runUntilSignal({ stop: () => agent.stop() }, log);
}

/** The config, read with the code generated at build time (`npm run package` builds first): no TypeBox loaded for it. */
function loadConfigOrExplain(file: string | undefined): ReturnType<typeof loadGeneratedConfig> {
  try {
    return loadGeneratedConfig(file);
  } catch (error) {
    if (error instanceof YamlValidationError) throw new Error(`invalid configuration\n${error.message}`);
    throw error;
  }
}
