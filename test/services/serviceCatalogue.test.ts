/**
 * The service catalogue: its validation at load (file:line:column), the state rule (operational,
 * degraded, outage, along dependsOn), the priority matrix, and routing on service and priority.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { routeIncident } from '../../collector/desk/routeIncident.js';
import type { IncidentRecord } from '../../collector/domain/incident.js';
import { classifyIncident, raisePriority } from '../../collector/services/priorityMatrix.js';
import { createServiceCatalogue } from '../../collector/services/serviceCatalogue.js';
import { decideServiceStates, type KnownHost } from '../../collector/services/serviceState.js';
import { loadConfig } from '../../config/loadConfig.js';
import { YamlValidationError } from '../../config/yamlSchemaLoader.js';

function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tripline-services-')), 'tripline.yaml');
  writeFileSync(file, text);
  return file;
}

function loadProblems(text: string): string[] {
  const file = configFile(text);
  try {
    loadConfig(file, {});
  } catch (error) {
    if (error instanceof YamlValidationError) return error.issues.map((i) => `${i.line}:${i.column}: ${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

const CATALOGUE = `services:
  payments:
    description: Card payments
    owner: payments-team
    impact: high
    members: { hosts: [pay-1, pay-2] }
    dependsOn: [database]
  database:
    impact: medium
    members: { groups: [db] }
    minHealthy: 1
  intranet:
    impact: low
    members: { matchers: ['target="wiki"'] }
`;

let nextId = 1;
function incident(host: string, severity: string, extra: Partial<IncidentRecord> = {}): IncidentRecord {
  return {
    id: nextId++, key: 'k', fingerprint: `f${nextId}`, ruleName: 'tcp_port_down', ruleVersion: 'v', host, severity, summary: 's', description: '',
    labels: { host, ...(extra.labels ?? {}) }, status: 'open', openedAtMs: 0, resolvedAtMs: null, updatedAtMs: 0, why: {}, occurrences: 1,
    parentIncidentId: null, ticketed: true, hold: null, flapping: false, settlingSinceMs: null, rearmAtMs: null, ...extra,
  };
}

describe('service catalogue config', () => {
  it('loads a catalogue and its defaults', () => {
    const { config } = loadConfig(configFile(CATALOGUE), {});
    expect(config.services.payments).toMatchObject({ impact: 'high', owner: 'payments-team', members: { hosts: ['pay-1', 'pay-2'], groups: [], matchers: [] }, dependsOn: ['database'], desks: [] });
    expect(config.priority.matrix.high.high).toBe('P1');
    expect(config.priority.sla).toEqual({});
  });

  it.each([
    // an unknown dependency, with a did-you-mean, at the word at fault
    ['unknown dependsOn', 'services:\n  a:\n    members: { hosts: [h] }\n    dependsOn: [databse]\n  database:\n    members: { hosts: [d] }\n', '4:17: services.a.dependsOn[0]: no service named "databse"; did you mean "database"? (services: a, database)'],
    // a cycle through two services is reported once
    ['a cycle', 'services:\n  a:\n    members: { hosts: [h] }\n    dependsOn: [b]\n  b:\n    members: { hosts: [h] }\n    dependsOn: [a]\n', '4:17: services.a.dependsOn[0]: dependency cycle: a -> b -> a'],
    // a service that depends on itself
    ['a self-dependency', 'services:\n  a:\n    members: { hosts: [h] }\n    dependsOn: [a]\n', '4:17: services.a.dependsOn[0]: dependency cycle: a -> a'],
    // no members at all
    ['no members', 'services:\n  a:\n    impact: high\n', '2:3: services.a: service "a" has no members: list hosts, groups or matchers under members'],
    // a matcher that does not parse
    ['a bad matcher', "services:\n  a:\n    members: { matchers: ['target=payments'] }\n", '3:27: services.a.members.matchers[0]: malformed matcher "target=payments"; expected label="value", label!="value", label=~"regex" or label!~"regex"'],
    // a desk that does not exist
    ['an unknown desk', 'services:\n  a:\n    members: { hosts: [h] }\n    desks: [rt]\n', '4:13: services.a.desks[0]: no desk named "rt" (desks: none)'],
    // an impact that is not a level
    ['a bad impact', 'services:\n  a:\n    members: { hosts: [h] }\n    impact: huge\n', '4:13: services.a.impact: must be one of: "high", "medium", "low"'],
    // more healthy hosts required than listed
    ['minHealthy above the members', 'services:\n  a:\n    members: { hosts: [h] }\n    minHealthy: 2\n', '4:17: services.a.minHealthy: minHealthy 2 is more than the 1 member host(s): the service would always be in outage'],
  ])('refuses %s with its line and column', (_name, text, expected) => {
    expect(loadProblems(text)).toContain(expected);
  });
});

describe('service state', () => {
  const catalogue = createServiceCatalogue(loadConfig(configFile(CATALOGUE), {}).config.services);
  const hosts: KnownHost[] = [
    { hostname: 'pay-1', labels: {} },
    { hostname: 'pay-2', labels: {} },
    { hostname: 'db-1', labels: { group: 'db' } },
  ];
  const stateOf = (incidents: IncidentRecord[]) => Object.fromEntries(decideServiceStates(catalogue, hosts, incidents).map((s) => [s.name, s.state]));

  it.each<[string, IncidentRecord[], Record<string, string>]>([
    // nothing active: all operational
    ['no incidents', [], { payments: 'operational', database: 'operational', intranet: 'operational' }],
    // a warning changes nothing
    ['a warning on a member', [incident('pay-1', 'warning')], { payments: 'operational', database: 'operational', intranet: 'operational' }],
    // one of two hosts critical: degraded
    ['one critical member', [incident('pay-1', 'critical')], { payments: 'degraded', database: 'operational', intranet: 'operational' }],
    // both hosts critical: fewer than 1 healthy: outage
    ['every member critical', [incident('pay-1', 'critical'), incident('pay-2', 'critical')], { payments: 'outage', database: 'operational', intranet: 'operational' }],
    // the only db host down: database outage, and payments depends on it
    ['a dependency in outage', [incident('db-1', 'critical', { labels: { group: 'db' } })], { payments: 'outage', database: 'outage', intranet: 'operational' }],
    // silenced and maintenance-held incidents do not count
    ['held incidents', [incident('pay-1', 'critical', { hold: 'silenced' }), incident('pay-2', 'critical', { hold: 'maintenance' })], { payments: 'operational', database: 'operational', intranet: 'operational' }],
    // a resolved incident does not count
    ['a resolved incident', [incident('pay-1', 'critical', { status: 'resolved' })], { payments: 'operational', database: 'operational', intranet: 'operational' }],
    // a matcher member on any host: degraded (no member hosts, so never an outage by hosts)
    ['a matcher member', [incident('web-9', 'critical', { labels: { target: 'wiki' } })], { payments: 'operational', database: 'operational', intranet: 'degraded' }],
  ])('%s', (_name, incidents, expected) => {
    expect(stateOf(incidents)).toEqual(expected);
  });

  it('says why, naming the dependency', () => {
    const states = decideServiceStates(catalogue, hosts, [incident('db-1', 'critical', { labels: { group: 'db' } })]);
    expect(states.find((s) => s.name === 'payments')).toMatchObject({ ownState: 'operational', reason: expect.stringMatching(/^depends on database \(outage: 0 of 1 member host\(s\) healthy/) });
  });
});

describe('priority', () => {
  const { config } = loadConfig(configFile(CATALOGUE), {});
  const catalogue = createServiceCatalogue(config.services);
  const classify = (host: string, severity: string, labels: Record<string, string> = {}, urgency?: 'high' | 'medium' | 'low') =>
    classifyIncident({ host, severity, ruleName: 'r', labels: { host, ...labels } }, catalogue, config.priority, () => urgency);

  it.each<[string, ReturnType<typeof classify>, string, string, string]>([
    // high impact (payments) x high urgency (critical) = P1
    ['payments critical', classify('pay-1', 'critical'), 'high', 'high', 'P1'],
    // high x medium (warning) = P2
    ['payments warning', classify('pay-1', 'warning'), 'high', 'medium', 'P2'],
    // medium (database) x low (info) = P4
    ['database info', classify('db-1', 'info', { group: 'db' }), 'medium', 'low', 'P4'],
    // no service: default impact low; critical = P3
    ['no service', classify('other', 'critical'), 'low', 'high', 'P3'],
    // the rule states urgency low: high x low = P3
    ['urgency from the rule', classify('pay-1', 'critical', {}, 'low'), 'high', 'low', 'P3'],
    // an urgency label (an Alertmanager alert) when the rule states none
    ['urgency label', classify('other', 'info', { urgency: 'high' }), 'low', 'high', 'P3'],
  ])('%s', (_name, result, impact, urgency, priority) => {
    expect({ impact: result.impact, urgency: result.urgency, priority: result.priority }).toEqual({ impact, urgency, priority });
  });

  it('takes the highest impact of the services an incident touches, and says how', () => {
    const both = classify('pay-1', 'critical', { target: 'wiki' });
    expect(both.services).toEqual(['payments', 'intranet']);
    expect(both.reason).toBe('impact high (service payments) x urgency high (severity critical) = P1');
  });

  it('raises one step and stops at P1', () => {
    expect([raisePriority('P3'), raisePriority('P1')]).toEqual(['P2', 'P1']);
  });

  it('routes on service and priority, and adds the desks of the services', () => {
    const routing = { routes: [{ match: { service: 'payments', priority: ['P1', 'P2'] }, desks: ['pager'], continue: false }], fallback: ['rt'] };
    const withDesk = createServiceCatalogue({ ...config.services, database: { ...config.services.database!, desks: ['dba'] } });
    const pay = { severity: 'critical', host: 'pay-1', labels: { host: 'pay-1' } };
    expect(routeIncident(routing, ['pager', 'rt', 'dba'], pay, { classification: classify('pay-1', 'critical'), catalogue: withDesk })).toEqual({ desks: ['pager'], reason: 'routed by route 1 to pager' });
    expect(routeIncident(routing, ['pager', 'rt', 'dba'], pay, { classification: classify('pay-1', 'info'), catalogue: withDesk }).desks).toEqual(['rt']);
    const db = { severity: 'critical', host: 'db-1', labels: { host: 'db-1', group: 'db' } };
    const dbClass = classifyIncident({ ...db, ruleName: 'r' }, withDesk, config.priority, () => undefined);
    expect(routeIncident(routing, ['pager', 'rt', 'dba'], db, { classification: dbClass, catalogue: withDesk })).toEqual({ desks: ['rt', 'dba'], reason: 'no route matched: fallback desks (rt); service database adds dba' });
  });
});
