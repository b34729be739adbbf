/**
 * The checks of the service catalogue beyond its schema: every service has members, its matchers
 * parse, it depends only on services that exist and never on itself through a chain, and its desks
 * exist. Each problem is located at the word at fault.
 */
import { parseLabelMatcher } from '../rules/labels/parseLabelMatcher.js';
import { closestWord } from './closestWord.js';
import { graphCycles } from './graphCycles.js';
import type { ServicesConfig } from './servicesConfigSchema.js';
import type { LocatedYaml, YamlIssue } from './yamlSchemaLoader.js';

type Locate = LocatedYaml<unknown>['locate'];

export function checkServices(services: ServicesConfig, deskNames: readonly string[], locate: Locate): YamlIssue[] {
  const issues: YamlIssue[] = [];
  const names = Object.keys(services);
  for (const [name, service] of Object.entries(services)) {
    const { hosts, groups, matchers } = service.members;
    if (hosts.length + groups.length + matchers.length === 0) {
      issues.push(locate(['services', name], `service "${name}" has no members: list hosts, groups or matchers under members`, 'key'));
    }
    matchers.forEach((text, index) => {
      try {
        parseLabelMatcher(text);
      } catch (error) {
        issues.push(locate(['services', name, 'members', 'matchers', index], (error as Error).message));
      }
    });
    service.dependsOn.forEach((dependency, index) => {
      if (services[dependency] !== undefined) return;
      const guess = closestWord(dependency, names);
      issues.push(locate(['services', name, 'dependsOn', index], `no service named "${dependency}"${guess ? `; did you mean "${guess}"?` : ''} (services: ${names.join(', ')})`));
    });
    service.desks.forEach((desk, index) => {
      if (!deskNames.includes(desk)) issues.push(locate(['services', name, 'desks', index], `no desk named "${desk}" (desks: ${deskNames.join(', ') || 'none'})`));
    });
    if (service.minHealthy !== undefined && groups.length === 0 && service.minHealthy > hosts.length) {
      issues.push(locate(['services', name, 'minHealthy'], `minHealthy ${service.minHealthy} is more than the ${hosts.length} member host(s): the service would always be in outage`));
    }
  }
  for (const cycle of dependencyCycles(services)) {
    const [first] = cycle;
    const index = services[first!]!.dependsOn.indexOf(cycle[1] ?? first!);
    issues.push(locate(['services', first!, 'dependsOn', index], `dependency cycle: ${[...cycle, first].join(' -> ')}`));
  }
  return issues;
}

/** Each cycle of `dependsOn` once, as the services along it starting from the alphabetically first. */
export function dependencyCycles(services: ServicesConfig): string[][] {
  return graphCycles(Object.keys(services), (name) => services[name]?.dependsOn);
}
