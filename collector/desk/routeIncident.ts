/**
 * Routing: which desks receive a new incident, decided from its labels (with `severity` and
 * `host` as labels too). A pure function that says why, for the incident's timeline.
 *
 * | routes                         | result                                   |
 * |---|---|
 * | none configured                | fallback, or every desk when it is empty |
 * | first match without continue   | its desks                                |
 * | matches with continue          | their desks, plus the next matches       |
 * | none matches                   | fallback, or every desk when it is empty |
 * | at an SLA breach (routeEscalation) | desks of matching routes without a ticket yet; never the fallback |
 *
 * With the service view, a route may also match `service` (any service the incident touches) and
 * `priority` (P1..P5), and the desks of the services it touches (`services.<name>.desks`) are added
 * to whatever the routes decided.
 */
import type { RoutingConfig } from '../../config/routingConfigSchema.js';
import type { Classification } from '../services/priorityMatrix.js';
import type { ServiceCatalogue } from '../services/serviceCatalogue.js';

/** The incident's services and priority, and the catalogue with their desks. */
export interface ServiceView {
  classification: Classification;
  catalogue: ServiceCatalogue;
}

export interface RouteDecision {
  desks: string[];
  reason: string;
}

/** What routing reads of an incident. */
type RoutedIncident = { severity: string; host: string; labels: Readonly<Record<string, string>> };

export function routeIncident(routing: RoutingConfig, allDesks: readonly string[], incident: RoutedIncident, view?: ServiceView): RouteDecision {
  const decision = routeByLabels(routing, allDesks, incident, view?.classification);
  if (!view) return decision;
  const extra = view.classification.services.flatMap((name) => (view.catalogue.get(name)?.desks ?? []).map((desk) => ({ desk, service: name })));
  const added = extra.filter(({ desk }, index) => !decision.desks.includes(desk) && extra.findIndex((e) => e.desk === desk) === index);
  if (added.length === 0) return decision;
  return { desks: [...decision.desks, ...added.map((a) => a.desk)], reason: `${decision.reason}; ${added.map((a) => `service ${a.service} adds ${a.desk}`).join(', ')}` };
}

function routeByLabels(routing: RoutingConfig, allDesks: readonly string[], incident: RoutedIncident, classification: Classification | undefined): RouteDecision {
  const { desks, matched } = matchRoutes(routing, incident, classification);
  if (matched.length > 0) return { desks, reason: `routed by route${matched.length > 1 ? 's' : ''} ${matched.join(', ')} to ${desks.join(', ')}` };
  const fallback = routing.fallback.length > 0 ? [...routing.fallback] : [...allDesks];
  const reason = routing.routes.length === 0 ? 'no routes configured: every desk' : routing.fallback.length > 0 ? 'no route matched: fallback desks' : 'no route matched: every desk';
  return { desks: fallback, reason: fallback.length > 0 ? `${reason} (${fallback.join(', ')})` : `${reason} (none configured)` };
}

/**
 * The routes an incident matches (1-based, in order, stopping at the first without `continue`) and
 * their desks. The fallback plays no part: an escalation (routeEscalation) adds only desks that a
 * route names for it.
 */
function matchRoutes(routing: RoutingConfig, incident: RoutedIncident, classification: Classification | undefined): { desks: string[]; matched: number[] } {
  const labels: Record<string, string> = { ...incident.labels, severity: incident.severity, host: incident.host || incident.labels.host || '' };
  if (classification) labels.priority = classification.priority;
  const services = classification?.services ?? [];
  const desks: string[] = [];
  const matched: number[] = [];
  for (const [index, route] of routing.routes.entries()) {
    const matches = Object.entries(route.match).every(([name, wanted]) => {
      const values = Array.isArray(wanted) ? wanted : [wanted];
      return name === 'service' ? [...services, labels.service ?? ''].some((service) => values.includes(service)) : values.includes(labels[name] ?? '');
    });
    if (!matches) continue;
    matched.push(index + 1);
    for (const desk of route.desks) if (!desks.includes(desk)) desks.push(desk);
    if (!route.continue) break;
  }
  return { desks, matched };
}

/**
 * Where an SLA breach escalates to: the routes matched again with the raised priority and the label
 * `sla: breached`, so a route like `match: { sla: breached }` or `match: { priority: P1 }` brings in
 * another desk. Only desks of matching routes that do not hold the incident's ticket yet are
 * returned (they get an `open`); the fallback never adds desks at a breach.
 */
export function routeEscalation(routing: RoutingConfig, incident: RoutedIncident, classification: Classification, ticketDesks: readonly string[]): RouteDecision {
  const { desks, matched } = matchRoutes(routing, { ...incident, labels: { ...incident.labels, sla: 'breached' } }, classification);
  const added = desks.filter((desk) => !ticketDesks.includes(desk));
  if (added.length === 0) return { desks: [], reason: 'SLA breach: no other desk' };
  return { desks: added, reason: `SLA breach routed by route${matched.length > 1 ? 's' : ''} ${matched.join(', ')}: ${added.join(', ')} added` };
}
