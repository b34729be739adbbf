/**
 * The declared topology is checked at load: a typo in `parents` must not silently disable
 * suppression. Each problem comes with the file:line:column of the word at fault, all at once.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { graphCycles } from '../../config/graphCycles.js';
import { loadConfig } from '../../config/loadConfig.js';
import { YamlValidationError } from '../../config/yamlSchemaLoader.js';

function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tripline-topology-')), 'tripline.yaml');
  writeFileSync(file, text);
  return file;
}

function loadProblems(text: string): string[] {
  try {
    loadConfig(configFile(text), {});
  } catch (error) {
    if (error instanceof YamlValidationError) return error.issues.map((i) => `${i.line}:${i.column}: ${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

const topology = (hosts: string) => `incidents:\n  topology:\n    hosts:\n${hosts}`;

describe('topology checks at load', () => {
  it('accepts a well-formed topology', () => {
    const text = topology("      sw1: { address: 10.0.0.2 }\n      web-1: { address: 10.0.1.11, parents: [sw1] }\n      db-1: { parents: [sw1, web-1] }\n");
    expect(loadProblems(text)).toEqual([]);
    expect(loadConfig(configFile(text), {}).config.incidents.topology.hosts['db-1']?.parents).toEqual(['sw1', 'web-1']);
  });

  it.each([
    // the typo of the issue: a parent named sw-1 for the host sw1, with the near name suggested
    ['an unknown parent', "      sw1: {}\n      web-1: { parents: [sw-1] }\n", '5:26: incidents.topology.hosts.web-1.parents[0]: no host named "sw-1" is declared under incidents.topology.hosts; did you mean "sw1"?; declare every parent (`sw-1: {}` is enough) so that its outage suppresses its children'],
    // nothing near: the declared names are listed instead
    ['an unknown parent with no near name', "      sw1: {}\n      web-1: { parents: [uplink] }\n", '5:26: incidents.topology.hosts.web-1.parents[0]: no host named "uplink" is declared under incidents.topology.hosts (declared: sw1, web-1); declare every parent (`uplink: {}` is enough) so that its outage suppresses its children'],
    // a host that depends on itself
    ['a self-parent', "      sw1: { parents: [sw1] }\n", '4:24: incidents.topology.hosts.sw1.parents[0]: host "sw1" is its own parent'],
    // two hosts, one address: located at the second
    ['a duplicate address', "      sw1: { address: 10.0.0.2 }\n      sw2: { address: 10.0.0.2 }\n", '5:23: incidents.topology.hosts.sw2.address: address 10.0.0.2 is also the address of host "sw1": two hosts cannot share one address'],
    // the address is what the collector pings: a name is refused
    ['an address that is not an IP literal', "      sw1: { address: switch.lan }\n", '4:23: incidents.topology.hosts.sw1.address: address must be an IP literal (the collector pings it), got "switch.lan"'],
    // a cycle of three, named as a path, reported once at its alphabetically first host
    ['a cycle', "      a: { parents: [c] }\n      b: { parents: [a] }\n      c: { parents: [b] }\n", '4:22: incidents.topology.hosts.a.parents[0]: parent cycle: a -> c -> b -> a'],
  ])('refuses %s with its line and column', (_name, hosts, expected) => {
    expect(loadProblems(topology(hosts))).toEqual([expected]);
  });

  it('reports every problem at once', () => {
    const problems = loadProblems(topology("      sw1: { address: 10.0.0.2, parents: [sw1] }\n      web-1: { address: 10.0.0.2, parents: [sw-1] }\n      a: { parents: [b] }\n      b: { parents: [a] }\n"));
    expect(problems.map((p) => p.replace(/^\d+:\d+: /, '').split(':')[0])).toEqual([
      'incidents.topology.hosts.sw1.parents[0]',
      'incidents.topology.hosts.web-1.parents[0]',
      'incidents.topology.hosts.web-1.address',
      'incidents.topology.hosts.a.parents[0]',
    ]);
  });
});

describe('graphCycles', () => {
  it.each<[string, Record<string, string[]>, string[][]]>([
    // no edges back: no cycle
    ['a chain', { a: ['b'], b: ['c'], c: [] }, []],
    // one cycle reached from two entries is named once
    ['a cycle with two ways in', { x: ['a'], y: ['b'], a: ['b'], b: ['a'] }, [['a', 'b']]],
    // an edge to a name outside the graph is not followed
    ['an edge out of the graph', { a: ['zz'] }, []],
    // a diamond is no cycle, and is walked once
    ['a diamond', { a: ['b', 'c'], b: ['d'], c: ['d'], d: [] }, []],
  ])('%s', (_name, graph, expected) => {
    expect(graphCycles(Object.keys(graph), (name) => graph[name])).toEqual(expected);
  });

  it('walks a wide layered graph without blowing up', () => {
    // 30 layers of 10 hosts, each depending on every host of the layer below: 10^30 paths, 3,000 edges.
    const graph: Record<string, string[]> = {};
    for (let layer = 0; layer < 30; layer++) for (let i = 0; i < 10; i++) graph[`h${layer}-${i}`] = layer === 0 ? [] : Array.from({ length: 10 }, (_, j) => `h${layer - 1}-${j}`);
    expect(graphCycles(Object.keys(graph), (name) => graph[name])).toEqual([]);
  });
});
