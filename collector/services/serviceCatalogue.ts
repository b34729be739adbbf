/**
 * The service catalogue as the collector uses it: the configured services with their member
 * predicates compiled once, and which services an incident or a host belongs to.
 *
 * Membership, as the config states it: a host belongs to a service when it is listed under
 * `members.hosts` or its `group` label is one of `members.groups`; an incident touches a service
 * when its host belongs to it or its labels satisfy every one of `members.matchers`.
 */
import type { Level, ServiceConfig, ServicesConfig } from '../../config/configSchema.js';
import { compileLabelMatchers, parseLabelMatcher, type LabelPredicate } from '../../rules/index.js';

/** One service with its members compiled. */
export interface CatalogueService {
  name: string;
  description: string;
  owner: string;
  impact: Level;
  minHealthy: number | undefined;
  dependsOn: readonly string[];
  desks: readonly string[];
  hosts: readonly string[];
  groups: readonly string[];
  matchers: readonly string[];
  /** Whether a host, by its name and labels, is a member. */
  hasHost(host: string, labels: Readonly<Record<string, string>>): boolean;
  /** Whether an incident (its host and labels) touches the service. */
  touches(host: string, labels: Readonly<Record<string, string>>): boolean;
}

export interface ServiceCatalogue {
  services: readonly CatalogueService[];
  get(name: string): CatalogueService | undefined;
  /** The services an incident touches directly, in catalogue order. */
  servicesOf(host: string, labels: Readonly<Record<string, string>>): CatalogueService[];
}

export function createServiceCatalogue(config: ServicesConfig): ServiceCatalogue {
  const services = Object.entries(config).map(([name, service]) => compileService(name, service));
  const byName = new Map(services.map((service) => [service.name, service] as const));
  return {
    services,
    get: (name) => byName.get(name),
    servicesOf: (host, labels) => services.filter((service) => service.touches(host, labels)),
  };
}

function compileService(name: string, config: ServiceConfig): CatalogueService {
  const { hosts, groups, matchers } = config.members;
  const byLabels: LabelPredicate | undefined = matchers.length > 0 ? compileLabelMatchers(matchers.map(parseLabelMatcher)) : undefined;
  const hasHost = (host: string, labels: Readonly<Record<string, string>>): boolean =>
    hosts.includes(host) || (labels.group !== undefined && groups.includes(labels.group));
  return {
    name,
    description: config.description,
    owner: config.owner,
    impact: config.impact,
    minHealthy: config.minHealthy,
    dependsOn: config.dependsOn,
    desks: config.desks,
    hosts,
    groups,
    matchers,
    hasHost,
    touches: (host, labels) => hasHost(host || (labels.host ?? ''), labels) || (byLabels !== undefined && byLabels(labels)),
  };
}
