/** Topology: declared parents, parents learned from default gateways, depth order, and what "down" means. */
import { describe, expect, it } from 'vitest';
import { incidentPolicy } from '../../collector/incidents/incidentPolicy.js';
import { buildTopology, downHostOf, findDownParent } from '../../collector/incidents/topology.js';
import { hostFacts } from '../../collector/incidents/storeEnvironment.js';
import type { HostRecord } from '../../collector/domain/host.js';
import type { IncidentRecord } from '../../collector/domain/incident.js';
import { incidentsConfig } from '../support/lifecycleHarness.js';

const config = incidentsConfig({
  topology: { hosts: { 'switch-1': { address: '10.0.0.1', parents: ['uplink'] }, 'web-1': { parents: ['switch-1'] }, uplink: { parents: [] } } },
}).topology;

function incident(overrides: Partial<IncidentRecord>): IncidentRecord {
  return {
    id: 1, key: 'k', fingerprint: 'f', ruleName: 'agent_silent', ruleVersion: 'v', host: 'switch-1', severity: 'critical', summary: '', description: '',
    labels: {}, status: 'open', openedAtMs: 0, resolvedAtMs: null, updatedAtMs: 0, why: {}, occurrences: 1, parentIncidentId: null, ticketed: true, hold: null, flapping: false, settlingSinceMs: null, rearmAtMs: null,
    ...overrides,
  };
}

describe('buildTopology', () => {
  it('learns a parent from a default gateway that is another host\'s address, and orders parents first', () => {
    const topology = buildTopology(config, [
      { hostname: 'vm-7', addresses: ['10.0.0.77'], defaultGateway: '10.0.0.1' }, // gateway = switch-1's declared address
      { hostname: 'vm-8', addresses: ['10.0.0.78'], defaultGateway: '10.0.0.254' }, // unknown gateway: no parent
      { hostname: 'vm-9' }, // an agent that does not report addresses yet
    ]);
    expect(topology.parentsOf('vm-7')).toEqual(['switch-1']);
    expect(topology.parentsOf('vm-8')).toEqual([]);
    expect(topology.parentsOf('vm-9')).toEqual([]);
    expect(topology.addressOf('vm-7')).toBe('10.0.0.77');
    expect(['vm-7', 'web-1', 'switch-1', 'uplink'].map((h) => topology.depthOf(h))).toEqual([2, 2, 1, 0]);
  });

  it('does not learn when learnGateways is off, and survives a declared cycle', () => {
    const topology = buildTopology({ ...config, learnGateways: false, hosts: { a: { parents: ['b'] }, b: { parents: ['a'] } } }, [{ hostname: 'vm-7', defaultGateway: '10.0.0.1' }]);
    expect(topology.parentsOf('vm-7')).toEqual([]);
    expect(Number.isFinite(topology.depthOf('a'))).toBe(true);
  });

  it('takes the addresses and default gateway of a host as its agent reported them', () => {
    const base: HostRecord = { hostId: 1, agentId: 'a', hostname: 'h', labels: {}, version: '', intervalSeconds: 15, lastSequence: 0, firstSeenAtMs: 0, lastReportAtMs: 0, addresses: [], defaultGateway: null, inventory: null, decommissionedAtMs: null };
    expect(hostFacts(base)).toEqual({ hostname: 'h', addresses: [], defaultGateway: null });
    expect(hostFacts({ ...base, addresses: ['10.1.1.1'], defaultGateway: '10.1.1.254' })).toEqual({ hostname: 'h', addresses: ['10.1.1.1'], defaultGateway: '10.1.1.254' });
  });
});

describe('parent down', () => {
  const policy = incidentPolicy(incidentsConfig());
  it.each([
    // [note, incident, down host]
    ['agent silent, not yet probed: down', incident({}), 'switch-1'],
    ['agent silent, ping said host down: down', incident({ why: { reachability: { verdict: 'host-down' } } }), 'switch-1'],
    ['agent silent, ping answered: only the agent is down', incident({ why: { reachability: { verdict: 'agent-down' } } }), undefined],
    ['agent silent but resolved: up', incident({ status: 'resolved' }), undefined],
    ['pings to target switch-1 lost: down', incident({ ruleName: 'ping_loss_high', host: 'web-1', labels: { target: 'switch-1' } }), 'switch-1'],
    ['any other rule says nothing about reachability', incident({ ruleName: 'filesystem_space_low' }), undefined],
  ])('%s', (_note, record, expected) => {
    expect(downHostOf(record, policy)).toBe(expected);
  });

  it('finds a down grandparent when the parent itself has no incident', () => {
    const topology = buildTopology(config, []);
    const uplinkDown = incident({ id: 9, host: 'uplink' });
    expect(findDownParent('web-1', topology, new Map([['uplink', uplinkDown]]))).toEqual({ host: 'uplink', incident: uplinkDown });
    expect(findDownParent('web-1', topology, new Map())).toBeUndefined();
  });
});
