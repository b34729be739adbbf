/** `tripline services [NAME] [--json]`: the service catalogue with each service's state, from the database. */
import { formatTable } from '../formatTable.js';
import { CliError, reworded, withOperations } from './withOperations.js';

export function servicesCommand(name: string | undefined, options: { config?: string; json?: boolean }): number {
  return withOperations(options.config, true, (operations) => {
    if (name !== undefined) {
      const service = reworded(() => operations.serviceDetail(name), (error) => error.message);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(service, null, 2)}\n`);
        return 0;
      }
      const lines = [
        `${service.name}: ${service.state}  (${service.reason})`,
        service.description && `  ${service.description}`,
        `  owner: ${service.owner || '-'}   impact: ${service.impact}   depends on: ${service.dependsOn.join(', ') || '-'}   desks: ${service.desks.join(', ') || '-'}`,
        `  member hosts: ${service.hosts.join(', ') || '-'}${service.unhealthyHosts.length > 0 ? `   unhealthy: ${service.unhealthyHosts.join(', ')}` : ''}`,
        ...(service.incidents.length === 0
          ? ['  no active incidents']
          : ['', formatTable(['ID', 'PRIORITY', 'STATUS', 'SEVERITY', 'HOST', 'RULE', 'SUMMARY'], service.incidents.map((i) => [String(i.id), i.priority, i.status, i.severity, i.host, i.ruleName, i.summary])).trimEnd()]),
      ];
      process.stdout.write(`${lines.filter((line) => line !== '').join('\n')}\n`);
      return 0;
    }
    const services = operations.listServices();
    if (options.json) {
      process.stdout.write(`${JSON.stringify(services, null, 2)}\n`);
      return 0;
    }
    if (services.length === 0) throw new CliError('no services configured: add a services: section to the config (see config.example.yaml)');
    const rows = services.map((s) => [s.name, s.state, s.impact, s.owner || '-', String(s.incidents.length), s.dependsOn.join(',') || '-', s.reason]);
    process.stdout.write(formatTable(['SERVICE', 'STATE', 'IMPACT', 'OWNER', 'INCIDENTS', 'DEPENDS ON', 'WHY'], rows));
    return 0;
  });
}
