#!/usr/bin/env node
/**
 * The `tripline` command line. Each command lives in its own module under commands/.
 */
import { Command, Option } from 'commander';
import { YamlValidationError } from '../config/yamlSchemaLoader.js';
import { deliveriesListCommand } from './commands/deliveriesListCommand.js';
import { deliveriesRetryCommand } from './commands/deliveriesRetryCommand.js';
import { incidentsListCommand } from './commands/incidentsListCommand.js';
import { rulesCheckCommand } from './commands/rulesCheckCommand.js';
import { rulesTestCommand } from './commands/rulesTestCommand.js';
import { serveCommand } from './commands/serveCommand.js';
import { packageVersion } from './packageInfo.js';

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

program
  .command('agent')
  .description('run the agent only')
  .addOption(configOption())
  .action((options: { config?: string }) => serveCommand('agent', options.config));

const rules = program.command('rules').description('work with rule files');
rules
  .command('check')
  .description('validate rule files; problems are printed as file:line:column')
  .argument('<files...>', 'rule files or directories')
  .action((files: string[]) => {
    process.exitCode = rulesCheckCommand(files);
  });
rules
  .command('test')
  .description('run rule unit tests: input series and the alerts expected at given times')
  .argument('<files...>', 'rule test files (YAML)')
  .action((files: string[]) => {
    process.exitCode = rulesTestCommand(files);
  });

const incidents = program.command('incidents').description('inspect incidents');
incidents
  .command('list')
  .description('list incidents, newest first')
  .addOption(configOption())
  .option('--json', 'print JSON')
  .addOption(new Option('--status <status>', 'only this status').choices(['open', 'acknowledged', 'resolved', 'closed', 'active']))
  .action((options: { config?: string; json?: boolean; status?: 'open' | 'acknowledged' | 'resolved' | 'closed' | 'active' }) => {
    process.exitCode = incidentsListCommand(options);
  });

const deliveries = program.command('deliveries').description('inspect and retry desk deliveries (reads and writes the database directly)');
deliveries
  .command('list')
  .description('list desk deliveries, newest first')
  .addOption(configOption())
  .option('--json', 'print JSON')
  .option('--desk <name>', 'only this desk')
  .addOption(new Option('--state <state>', 'only this state').choices(['pending', 'delivered', 'dead', 'superseded']))
  .action((options: { config?: string; json?: boolean; desk?: string; state?: 'pending' | 'delivered' | 'dead' | 'superseded' }) => {
    process.exitCode = deliveriesListCommand(options);
  });
deliveries
  .command('retry')
  .description('queue a dead delivery again (with the dead ones after it for the same incident and desk)')
  .argument('<id>', 'delivery id (see deliveries list)')
  .addOption(configOption())
  .action((id: string, options: { config?: string }) => {
    process.exitCode = deliveriesRetryCommand(id, options);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof YamlValidationError) {
    process.stderr.write(`tripline: invalid configuration\n${error.message}\n`);
  } else {
    process.stderr.write(`tripline: ${(error as Error).message}\n`);
  }
  process.exit(1);
});
