/**
 * The checks of the declared topology (`incidents.topology.hosts`) beyond its schema, so that a typo
 * never silently disables suppression: every parent is a declared host (with a did-you-mean), no host
 * is its own parent, no two hosts share an address, an address is an IP literal, and no chain of
 * parents comes back to where it started. Each problem is located at the word at fault.
 */
import { isIP } from 'node:net';
import { closestWord } from './closestWord.js';
import { graphCycles } from './graphCycles.js';
import type { IncidentsConfig } from './incidentsConfigSchema.js';
import type { LocatedYaml, YamlIssue } from './yamlSchemaLoader.js';

type Locate = LocatedYaml<unknown>['locate'];

const HOSTS = ['incidents', 'topology', 'hosts'] as const;

export function checkTopology(topology: IncidentsConfig['topology'], locate: Locate): YamlIssue[] {
  const hosts = topology.hosts;
  const names = Object.keys(hosts);
  const issues: YamlIssue[] = [];
  const owners = new Map<string, string>();
  for (const [name, host] of Object.entries(hosts)) {
    host.parents.forEach((parent, index) => {
      const at = [...HOSTS, name, 'parents', index];
      if (parent === name) issues.push(locate(at, `host "${name}" is its own parent`));
      else if (hosts[parent] === undefined) issues.push(locate(at, unknownParent(parent, names)));
    });
    if (host.address === undefined) continue;
    const at = [...HOSTS, name, 'address'];
    if (isIP(host.address) === 0) {
      issues.push(locate(at, `address must be an IP literal (the collector pings it), got ${JSON.stringify(host.address)}`));
      continue;
    }
    const owner = owners.get(host.address);
    if (owner !== undefined) issues.push(locate(at, `address ${host.address} is also the address of host "${owner}": two hosts cannot share one address`));
    else owners.set(host.address, name);
  }
  for (const cycle of graphCycles(names, (name) => hosts[name]?.parents)) {
    if (cycle.length < 2) continue; // a host that is its own parent, said above
    const [first, second] = cycle as [string, string];
    issues.push(locate([...HOSTS, first, 'parents', hosts[first]!.parents.indexOf(second)], `parent cycle: ${[...cycle, first].join(' -> ')}`));
  }
  return issues;
}

function unknownParent(parent: string, names: readonly string[]): string {
  const guess = closestWord(parent, names);
  const hint = guess ? `; did you mean "${guess}"?` : ` (declared: ${names.join(', ')})`;
  return `no host named "${parent}" is declared under incidents.topology.hosts${hint}; declare every parent (\`${parent}: {}\` is enough) so that its outage suppresses its children`;
}
