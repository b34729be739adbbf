/**
 * An incident's ITIL priority: impact (how much of the business it hits: the highest impact of the
 * services it touches, `priority.defaultImpact` when none) crossed with urgency (how fast it hurts:
 * the rule's `urgency:`, else an `urgency` label such as an Alertmanager alert carries, else the
 * rule's severity through `priority.severityUrgency`) in the configured matrix. A pure function.
 */
import { LEVELS, PRIORITIES, type Level, type Priority, type PriorityConfig } from '../../config/servicesConfigSchema.js';
import type { ServiceCatalogue } from './serviceCatalogue.js';

/** What an incident is classified by. */
export interface Classifiable {
  host: string;
  severity: string;
  ruleName: string;
  labels: Readonly<Record<string, string>>;
}

/** An incident's priority and how it came about. */
export interface Classification {
  services: string[];
  impact: Level;
  urgency: Level;
  priority: Priority;
  /** "impact high (service payments) x urgency high (severity critical) = P1" */
  reason: string;
}

/** The urgency a rule states in its file, by rule name; undefined when it states none. */
export type RuleUrgency = (ruleName: string) => Level | undefined;

export function classifyIncident(incident: Classifiable, catalogue: ServiceCatalogue, config: PriorityConfig, ruleUrgency: RuleUrgency): Classification {
  const services = catalogue.servicesOf(incident.host, incident.labels);
  const highest = services.reduce<{ level: Level; from: string } | undefined>(
    (best, service) => (best === undefined || LEVELS.indexOf(service.impact) < LEVELS.indexOf(best.level) ? { level: service.impact, from: service.name } : best),
    undefined,
  );
  const impact = highest?.level ?? config.defaultImpact;
  const impactWhy = highest ? `service ${highest.from}` : 'no service: default';
  const { urgency, why: urgencyWhy } = urgencyOf(incident, config, ruleUrgency);
  const priority = config.matrix[impact][urgency];
  return {
    services: services.map((service) => service.name),
    impact,
    urgency,
    priority,
    reason: `impact ${impact} (${impactWhy}) x urgency ${urgency} (${urgencyWhy}) = ${priority}`,
  };
}

function urgencyOf(incident: Classifiable, config: PriorityConfig, ruleUrgency: RuleUrgency): { urgency: Level; why: string } {
  const stated = ruleUrgency(incident.ruleName);
  if (stated) return { urgency: stated, why: `rule ${incident.ruleName}` };
  const label = incident.labels.urgency;
  if (label !== undefined && (LEVELS as readonly string[]).includes(label)) return { urgency: label as Level, why: 'urgency label' };
  const severity = incident.severity as keyof PriorityConfig['severityUrgency'];
  const fromSeverity = config.severityUrgency[severity] ?? 'medium';
  return { urgency: fromSeverity, why: `severity ${incident.severity}` };
}

/** One step more urgent (P3 -> P2); P1 stays P1. */
export function raisePriority(priority: Priority): Priority {
  return PRIORITIES[Math.max(0, PRIORITIES.indexOf(priority) - 1)]!;
}

/** The priority's rank, 1 for P1. */
export function priorityRank(priority: Priority): number {
  return PRIORITIES.indexOf(priority) + 1;
}
