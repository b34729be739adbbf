/**
 * `tripline start`, `tripline collector` and `tripline agent`: the long-running modes. `start`
 * runs a collector and an agent for this host in one process, with zero configuration.
 */
import type { Config } from '../../config/configSchema.js';
import { collectorUrlsOf } from '../../config/collectorUrls.js';
import { formatDuration } from '../../config/duration.js';
import type { LoadedConfig } from '../../config/configFileLoader.js';
import type { RunningCollector } from '../../collector/collector.js';
import { createLogger } from '../createLogger.js';
import { packageVersion } from '../../config/packageInfo.js';
import { runUntilSignal } from '../runUntilSignal.js';
import type { Agent } from '../../agent/agent.js';
import { createAgentFromConfig, exitOnRefusal } from '../createAgentFromConfig.js';

export type ServeMode = 'start' | 'collector' | 'agent';

/**
 * Runs `mode` with the config file `configFile` (or defaults), read by `loadConfig`: the CLI's
 * loadConfig.ts, or `tripline-agent`'s loader that trusts the code generated at build time and so
 * loads no TypeBox (configFileLoader.ts).
 */
export async function serveCommand(mode: ServeMode, configFile: string | undefined, loadConfig: (file: string | undefined) => LoadedConfig | Promise<LoadedConfig>): Promise<void> {
  const { config, file } = await loadConfig(configFile);
  const log = createLogger(config.log.level, 'tripline');
  const version = packageVersion();
  // Only `start` makes local tokens: an agent-only process never loads node:crypto for them.
  const localTokens = mode === 'start' ? await import('../localAgentToken.js') : undefined;
  const localAdminToken = localTokens?.ensureLocalAdminToken(config.dataDir);
  if (localTokens) {
    const token = localTokens.ensureLocalAgentToken(config.dataDir);
    config.collector.agentTokens = [...config.collector.agentTokens, token];
    config.agent.token ??= token;
  }
  let collector: RunningCollector | undefined;
  // A process-wide V8 setting, so the process's entry applies it, not startCollector (tests run collectors inside vitest).
  if (mode !== 'agent') {
    const { applyHeapGrowth, applyNoPretenuring } = await import('../../collector/heapGrowth.js');
    applyHeapGrowth(config.collector.heapGrowthPercent);
    applyNoPretenuring();
  }
  // Imported only when a collector runs, so that an agent-only process stays small.
  const collectorModule = mode === 'agent' ? undefined : await import('../../collector/collector.js');
  const { loadConfiguredRules } = mode === 'agent' ? { loadConfiguredRules: undefined } : await import('../loadConfiguredRules.js');
  if (collectorModule && loadConfiguredRules) {
    const { startCollector } = collectorModule;
    collector = await startCollector({ config, rules: loadConfiguredRules(config), log: log.child({ process: 'collector' }), ...(localAdminToken === undefined ? {} : { localAdminToken }) });
    if (mode === 'start') Object.assign(config.agent, { collectorUrl: collector.url, collectorUrls: [] });
  }
  let agent: Agent | undefined = undefined;
  // An agent-only process whose enrolment is refused exits 78; with a collector in the process it keeps serving.
  agent = mode === 'collector' ? undefined : createAgentFromConfig(config, log, version, mode === 'agent' ? { onEnrollmentRefused: exitOnRefusal(() => agent, log) } : {});
  if (agent) await agent.start();
  printWhereToLook(mode, config, collector, collector ? (await import('../../collector/store/openStore.js')).describeStore(config) : '', file, localTokens?.localAdminTokenFile(config.dataDir));
  const ruleReloading = collector ? (await import('../ruleReloading.js')).startRuleReloading(config, collector, log) : undefined;
  runUntilSignal(
    {
      async stop() {
        ruleReloading?.close();
        await agent?.stop();
        await collector?.stop();
      },
      reload() {
        ruleReloading?.reload('SIGHUP');
      },
    },
    log,
  );
}

function printWhereToLook(mode: ServeMode, config: Config, collector: RunningCollector | undefined, database: string, file: string | undefined, adminTokenFile: string | undefined): void {
  const lines = [`Tripline ${mode} running (config: ${file ?? 'built-in defaults'})`];
  if (collector) {
    lines.push(
      `  Console:    ${collector.url}/ (sign in with an API token${mode === 'start' ? ': the admin token below' : ''})`,
      `  API:        ${collector.url}/api/v1/incidents   ${collector.url}/api/v1/hosts`,
      `  Metrics:    ${collector.url}/metrics`,
      ...(adminTokenFile === undefined ? [] : [`  API token:  admin token "local-admin" in ${adminTokenFile} (mode 0600): curl -H "Authorization: Bearer $(cat ${adminTokenFile})" ${collector.url}/api/v1/incidents`]),
      `  Database:   ${database}`,
      `  Rules:      ${config.collector.rules.length > 0 ? config.collector.rules.join(', ') : 'built-in default pack'}`,
      `  Incidents:  tripline incidents list${file ? ` --config ${file}` : ''}`,
    );
  }
  if (mode !== 'collector') lines.push(`  Agent:      reporting every ${formatDuration(config.agent.interval / 1000)} to ${collectorUrlsOf(config.agent).join(', ')}`);
  lines.push('  Logs:       JSON on stderr. Stop with Ctrl-C or SIGTERM.');
  process.stdout.write(`${lines.join('\n')}\n`);
}
