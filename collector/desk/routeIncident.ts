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
 */
import type { RoutingConfig } from '../../config/routingConfigSchema.js';

export interface RouteDecision {
  desks: string[];
  reason: string;
}

export function routeIncident(routing: RoutingConfig, allDesks: readonly string[], incident: { severity: string; host: string; labels: Record<string, string> }): RouteDecision {
  const labels: Record<string, string> = { ...incident.labels, severity: incident.severity, host: incident.host || incident.labels.host || '' };
  const desks: string[] = [];
  const matched: number[] = [];
  for (const [index, route] of routing.routes.entries()) {
    const matches = Object.entries(route.match).every(([name, wanted]) => (Array.isArray(wanted) ? wanted : [wanted]).includes(labels[name] ?? ''));
    if (!matches) continue;
    matched.push(index + 1);
    for (const desk of route.desks) if (!desks.includes(desk)) desks.push(desk);
    if (!route.continue) break;
  }
  if (matched.length > 0) return { desks, reason: `routed by route${matched.length > 1 ? 's' : ''} ${matched.join(', ')} to ${desks.join(', ')}` };
  const fallback = routing.fallback.length > 0 ? [...routing.fallback] : [...allDesks];
  const reason = routing.routes.length === 0 ? 'no routes configured: every desk' : routing.fallback.length > 0 ? 'no route matched: fallback desks' : 'no route matched: every desk';
  return { desks: fallback, reason: fallback.length > 0 ? `${reason} (${fallback.join(', ')})` : `${reason} (none configured)` };
}
