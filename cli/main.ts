#!/usr/bin/env node
/**
 * The `tripline` command line. Each command lives in its own module under commands/, imported only
 * when it runs: `tripline agent` must not load the collector's HTTP server and database driver.
 */
import { Command, Option } from 'commander';
import { YamlValidationError } from '../config/yamlSchemaLoader.js';
import { packageVersion } from '../config/packageInfo.js';

const serveCommand = async (mode: import('./commands/serveCommand.js').ServeMode, configFile: string | undefined) => {
  const [{ serveCommand: serve }, { loadConfig }] = await Promise.all([import('./commands/serveCommand.js'), import('../config/loadConfig.js')]);
  return serve(mode, configFile, (file) => loadConfig(file));
};

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

const configCommand = program.command('config').description('work with the config file');
configCommand
  .command('check')
  .description('validate the config file and the rule files it names, as the collector does at start; every problem as file:line:column')
  .addOption(configOption())
  .action(async (options: { config?: string }) => {
    const { configCheckCommand } = await import('./commands/configCheckCommand.js');
    process.exitCode = configCheckCommand(options);
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
rules
  .command('test')
  .description('run rule unit tests: input series and the alerts expected at given times')
  .argument('<files...>', 'rule test files (YAML)')
  .action(async (files: string[]) => {
    const { rulesTestCommand } = await import('./commands/rulesTestCommand.js');
    process.exitCode = rulesTestCommand(files);
  });

rules
  .command('backtest')
  .description('replay stored history through the rules and the incident lifecycle; compare with the rules in force')
  .requiredOption('--rules <files...>', 'candidate rule files or directories')
  .option('--since <duration>', 'how much history to replay', '7d')
  .option('--json', 'print JSON')
  .addOption(configOption())
  .action(async (options: { rules: string[]; since: string; json?: boolean; config?: string }) => {
    const { rulesBacktestCommand } = await import('./commands/rulesBacktestCommand.js');
    process.exitCode = rulesBacktestCommand(options);
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

program
  .command('services')
  .description('the service catalogue with each service\'s state (operational, degraded, outage) and why; one service in detail')
  .argument('[name]', 'one service')
  .addOption(configOption())
  .option('--json', 'print JSON')
  .action(async (name: string | undefined, options: { config?: string; json?: boolean }) => {
    const { servicesCommand } = await import('./commands/servicesCommand.js');
    process.exitCode = servicesCommand(name, options);
  });

const report = program.command('report').description('reports from stored history');
report
  .command('services')
  .description('per service, one month (UTC): availability % (outage time is unavailable, degraded time is not), incidents, MTTA, MTTR, SLA breaches')
  .requiredOption('--month <YYYY-MM>', 'the month, such as 2026-11')
  .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'))
  .addOption(configOption())
  .action(async (options: { config?: string; month: string; format: 'table' | 'csv' | 'json' }) => {
    const { serviceReportCommand } = await import('./commands/serviceReportCommand.js');
    process.exitCode = serviceReportCommand(options);
  });

const deliveries = program.command('deliveries').description('inspect and retry desk deliveries (reads and writes the database directly)');
deliveries
  .command('list')
  .description('list desk deliveries, newest first')
  .addOption(configOption())
  .option('--json', 'print JSON')
  .option('--desk <name>', 'only this desk')
  .addOption(new Option('--state <state>', 'only this state').choices(['pending', 'delivered', 'dead', 'superseded']))
  .action(async (options: { config?: string; json?: boolean; desk?: string; state?: 'pending' | 'delivered' | 'dead' | 'superseded' }) => {
    const { deliveriesListCommand } = await import('./commands/deliveriesListCommand.js');
    process.exitCode = deliveriesListCommand(options);
  });
deliveries
  .command('retry')
  .description('queue a dead delivery again (with the dead ones after it for the same incident and desk)')
  .argument('<id>', 'delivery id (see deliveries list)')
  .addOption(configOption())
  .action(async (id: string, options: { config?: string }) => {
    const { deliveriesRetryCommand } = await import('./commands/deliveriesRetryCommand.js');
    process.exitCode = deliveriesRetryCommand(id, options);
  });
for (const [name, kind, description] of [
  ['ack', 'acknowledge', 'acknowledge an open incident (its ticket gets an update)'],
  ['resolve', 'resolve', 'resolve an incident by hand (its ticket is resolved)'],
] as const) {
  incidents
    .command(name)
    .description(description)
    .argument('<id>', 'incident id')
    .addOption(configOption())
    .option('--by <name>', 'who acts (default: $USER)')
    .option('--comment <text>', 'recorded in the timeline')
    .action(async (id: string, options: { config?: string; by?: string; comment?: string }) => {
      const { incidentActionCommand } = await import('./commands/incidentActionCommands.js');
      process.exitCode = incidentActionCommand(kind, id, options);
    });
}
incidents
  .command('explain')
  .description('print the why-record: rule and version, values and window, gates, what it suppressed, timeline')
  .argument('<id>', 'incident id')
  .addOption(configOption())
  .option('--json', 'print JSON')
  .action(async (id: string, options: { config?: string; json?: boolean }) => {
    const { incidentExplainCommand } = await import('./commands/incidentActionCommands.js');
    process.exitCode = incidentExplainCommand(id, options);
  });

const silences = program.command('silences').description('silences: matching incidents get no ticket while active');
silences
  .command('add')
  .description('add a silence, e.g. tripline silences add \'host="web-1"\' \'mount=~"/data.*"\' --duration 2h')
  .argument('<matchers...>', 'label matchers (label="value", !=, =~, !~), all must match')
  .requiredOption('--duration <duration>', 'how long from now, e.g. 2h')
  .option('--comment <text>', 'why')
  .option('--by <name>', 'who (default: $USER)')
  .option('--json', 'print JSON')
  .addOption(configOption())
  .action(async (matchers: string[], options: { duration: string; comment?: string; by?: string; json?: boolean; config?: string }) => {
    const { silencesAddCommand } = await import('./commands/suppressionCommands.js');
    process.exitCode = silencesAddCommand(matchers, options);
  });
silences
  .command('list')
  .description('list active and future silences')
  .option('--expired', 'include expired ones')
  .option('--json', 'print JSON')
  .addOption(configOption())
  .action(async (options: { expired?: boolean; json?: boolean; config?: string }) => {
    const { silencesListCommand } = await import('./commands/suppressionCommands.js');
    process.exitCode = silencesListCommand(options);
  });
silences
  .command('expire')
  .description('end a silence now')
  .argument('<id>', 'silence id')
  .addOption(configOption())
  .action(async (id: string, options: { config?: string }) => {
    const { silencesExpireCommand } = await import('./commands/suppressionCommands.js');
    process.exitCode = silencesExpireCommand(id, options);
  });

const maintenance = program.command('maintenance').description('recurring maintenance windows (cron in the configured timeZone, UTC by default, + duration) per host or group');
maintenance
  .command('add')
  .description('add a window, e.g. tripline maintenance add --cron "0 2 * * 0" --duration 2h --group db')
  .requiredOption('--cron <expression>', 'when each window starts (5 or 6 fields, in timeZone)')
  .requiredOption('--duration <duration>', 'how long each window lasts, e.g. 2h')
  .option('--host <name>', 'the host it covers')
  .option('--group <name>', 'or the group (the `group` label) it covers')
  .option('--comment <text>', 'why')
  .option('--json', 'print JSON')
  .addOption(configOption())
  .action(async (options: { cron: string; duration: string; host?: string; group?: string; comment?: string; json?: boolean; config?: string }) => {
    const { maintenanceAddCommand } = await import('./commands/suppressionCommands.js');
    process.exitCode = maintenanceAddCommand(options);
  });
maintenance
  .command('list')
  .description('list maintenance windows with their next start')
  .option('--json', 'print JSON')
  .addOption(configOption())
  .action(async (options: { json?: boolean; config?: string }) => {
    const { maintenanceListCommand } = await import('./commands/suppressionCommands.js');
    process.exitCode = maintenanceListCommand(options);
  });
maintenance
  .command('remove')
  .description('remove a maintenance window')
  .argument('<id>', 'window id')
  .addOption(configOption())
  .action(async (id: string, options: { config?: string }) => {
    const { maintenanceRemoveCommand } = await import('./commands/suppressionCommands.js');
    process.exitCode = maintenanceRemoveCommand(id, options);
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
agents
  .command('reset')
  .description('forget a host\'s enrolment (a reimaged host): it enrols again under the same hostname; its silence until then opens nothing')
  .argument('<host>', 'the hostname or agent id')
  .addOption(configOption())
  .option('--by <name>', 'who resets (recorded on the incidents it resolves)')
  .action(async (target: string, options: { config?: string; by?: string }) => {
    const { agentsResetCommand } = await import('./commands/agentsCommand.js');
    process.exitCode = agentsResetCommand(target, options);
  });
const hosts = program.command('hosts').description('hosts that report');
hosts
  .command('list')
  .description('list hosts with their state (reporting, silent, decommissioned) and last report')
  .addOption(configOption())
  .option('--json', 'print JSON')
  .action(async (options: { config?: string; json?: boolean }) => {
    const { hostsListCommand } = await import('./commands/agentsCommand.js');
    process.exitCode = hostsListCommand(options);
  });
hosts
  .command('decommission')
  .description('retire a host: its agents are revoked, its incidents resolve, its silence opens no ticket; history is kept')
  .argument('<hostname>', 'the hostname')
  .addOption(configOption())
  .option('--by <name>', 'who decommissions (recorded on the incidents it resolves)')
  .action(async (hostname: string, options: { config?: string; by?: string }) => {
    const { hostsDecommissionCommand } = await import('./commands/agentsCommand.js');
    process.exitCode = hostsDecommissionCommand(hostname, options);
  });

const status = program.command('status').description("the public status page (collector.statusPage) and its notice (reads and writes the database directly; the notice is audited)");
status
  .command('show')
  .description('the status page as the public sees it: each service\'s state, days not operational, the notice')
  .addOption(configOption())
  .option('--json', 'print JSON')
  .action(async (options: { config?: string; json?: boolean }) => {
    const { statusShowCommand } = await import('./commands/statusCommand.js');
    process.exitCode = statusShowCommand(options);
  });
const notice = status.command('notice').description("the operator-written notice on the status page");
notice
  .command('set')
  .description('set the notice business users read on the status page')
  .argument('<text>', 'the notice (at most 2000 characters)')
  .addOption(configOption())
  .action(async (text: string, options: { config?: string }) => {
    const { statusNoticeSetCommand } = await import('./commands/statusCommand.js');
    process.exitCode = statusNoticeSetCommand(text, options);
  });
notice
  .command('clear')
  .description('remove the notice')
  .addOption(configOption())
  .action(async (options: { config?: string }) => {
    const { statusNoticeClearCommand } = await import('./commands/statusCommand.js');
    process.exitCode = statusNoticeClearCommand(options);
  });

const tokens = program.command('tokens').description('named API tokens with a role: viewer (read the API), operator (act on incidents, silences, maintenance, deliveries), admin (agents, tokens, the audit log)');
tokens
  .command('create')
  .description('make a token and print it once; only its SHA-256 is kept')
  .argument('<name>', 'the name actions are recorded under (a-z 0-9 . _ @ -)')
  .requiredOption('--role <role>', 'viewer, operator or admin')
  .addOption(configOption())
  .action(async (name: string, options: { config?: string; role: string }) => {
    const { tokensCreateCommand } = await import('./commands/tokensCommand.js');
    process.exitCode = tokensCreateCommand(name, options);
  });
tokens
  .command('list')
  .description('list tokens (never their secrets)')
  .addOption(configOption())
  .option('--json', 'print JSON')
  .action(async (options: { config?: string; json?: boolean }) => {
    const { tokensListCommand } = await import('./commands/tokensCommand.js');
    process.exitCode = tokensListCommand(options);
  });
tokens
  .command('revoke')
  .description('revoke a token; requests with it are refused from then on')
  .argument('<name>', 'the token name')
  .addOption(configOption())
  .action(async (name: string, options: { config?: string }) => {
    const { tokensRevokeCommand } = await import('./commands/tokensCommand.js');
    process.exitCode = tokensRevokeCommand(name, options);
  });
program
  .command('audit')
  .description('operator actions, newest first, under the token name (or cli:<user>) that did them')
  .addOption(configOption())
  .option('--json', 'print JSON')
  .option('--limit <n>', 'how many entries', '100')
  .action(async (options: { config?: string; json?: boolean; limit?: string }) => {
    const { auditCommand } = await import('./commands/tokensCommand.js');
    process.exitCode = auditCommand(options);
  });

program
  .command('backup')
  .description("copy the collector's database to FILE: online and consistent while the collector runs")
  .argument('<file>', 'where to write the copy (must not exist)')
  .addOption(configOption())
  .action(async (file: string, options: { config?: string }) => {
    const { backupCommand } = await import('./commands/backupCommand.js');
    process.exitCode = backupCommand(file, options);
  });

program
  .command('migrate')
  .description('copy a SQLite database into a PostgreSQL store (password: env TRIPLINE_POSTGRES_PASSWORD); resumable, ends with a row count per table')
  .requiredOption('--from <file>', "the SQLite file (the collector's <dataDir>/tripline.db; stop the collector first)")
  .requiredOption('--to <url>', 'postgres://user@host:port/database, without a password')
  .option('--batch <rows>', 'rows per transaction', '1000')
  .action(async (options: { from: string; to: string; batch?: string }) => {
    const { migrateCommand } = await import('./commands/migrateCommand.js');
    process.exitCode = await migrateCommand(options);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof YamlValidationError) {
    process.stderr.write(`tripline: invalid configuration\n${error.message}\n`);
  } else {
    process.stderr.write(`tripline: ${(error as Error).message}\n`);
  }
  process.exit(1);
});
