#!/usr/bin/env node
/**
 * The `tripline` command line. Each command lives in its own module under commands/, imported only
 * when it runs: `tripline agent` must not load the collector's HTTP server and database driver.
 */
import { Command, Option } from 'commander';
import { YamlValidationError } from '../config/yamlSchemaLoader.js';
import { packageVersion } from './packageInfo.js';

const serveCommand = async (...args: Parameters<typeof import('./commands/serveCommand.js').serveCommand>) =>
  (await import('./commands/serveCommand.js')).serveCommand(...args);

const program = new Command('tripline')
  .description('Monitoring agents, a rules-driven collector and automatic service-desk tickets')
  .version(packageVersion(), '-V, --version')
  .showHelpAfterError();

const configOption = () => new Option('-c, --config <file>', 'config file (YAML)').env('TRIPLINE_CONFIG');

program
  .command('start')
  .description('run a collector and an agent for this host in one process (embedded SQLite, default rules)')
  .addOption(configOption())
  .action((options: { config?: string }) => serveCommand('start', options.config));

program
  .command('collector')
  .description('run the collector only')
  .addOption(configOption())
  .action((options: { config?: string }) => serveCommand('collector', options.config));

const agentCommand = program
  .command('agent')
  .description('run the agent only')
  .addOption(configOption())
  .action((options: { config?: string }) => serveCommand('agent', options.config));
agentCommand
  .command('metrics')
  .description("print the agent's metric catalogue (name, kind, unit, labels, meaning) as Markdown")
  .action(async () => {
    const { agentMetricsCommand } = await import('./commands/agentMetricsCommand.js');
    process.exitCode = agentMetricsCommand();
  });

const rules = program.command('rules').description('work with rule files');
rules
  .command('check')
  .description('validate rule files; problems are printed as file:line:column')
  .argument('<files...>', 'rule files or directories')
  .action(async (files: string[]) => {
    const { rulesCheckCommand } = await import('./commands/rulesCheckCommand.js');
    process.exitCode = rulesCheckCommand(files);
  });

const incidents = program.command('incidents').description('inspect incidents');
incidents
  .command('list')
  .description('list incidents, newest first')
  .addOption(configOption())
  .option('--json', 'print JSON')
  .addOption(new Option('--status <status>', 'only this status').choices(['open', 'acknowledged', 'resolved', 'closed', 'active']))
  .action(async (options: { config?: string; json?: boolean; status?: 'open' | 'acknowledged' | 'resolved' | 'closed' | 'active' }) => {
    const { incidentsListCommand } = await import('./commands/incidentsListCommand.js');
    process.exitCode = incidentsListCommand(options);
  });

const agents = program.command('agents').description('enrolled agents');
agents
  .command('list')
  .description('list enrolled agents')
  .addOption(configOption())
  .option('--json', 'print JSON')
  .action(async (options: { config?: string; json?: boolean }) => {
    const { agentsListCommand } = await import('./commands/agentsCommand.js');
    process.exitCode = agentsListCommand(options);
  });
agents
  .command('revoke')
  .description("revoke an enrolled agent's credential; its reports are refused from then on")
  .argument('<agentId>', 'the agent id')
  .addOption(configOption())
  .action(async (agentId: string, options: { config?: string }) => {
    const { agentsRevokeCommand } = await import('./commands/agentsCommand.js');
    process.exitCode = agentsRevokeCommand(agentId, options);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof YamlValidationError) {
    process.stderr.write(`tripline: invalid configuration\n${error.message}\n`);
  } else {
    process.stderr.write(`tripline: ${(error as Error).message}\n`);
  }
  process.exit(1);
});
