/**
 * Read endpoints of the versioned API: hosts and incidents (with timeline, tickets and the desk
 * operations behind them). Outputs never include credentials: none are stored with these objects.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { IncidentRecord, IncidentStatus } from '../domain/incident.js';
import type { Store } from '../store/store.js';
import { ApiError } from './apiErrors.js';
import { ErrorSchema, HostSchema, IncidentDetailSchema, IncidentSchema } from './apiSchemas.js';
import { deliveryView } from './deliveryRoutes.js';

const IncidentListQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(['open', 'acknowledged', 'resolved', 'closed', 'active'].map((s) => Type.Literal(s)))),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$' })),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,15}$' }) });

export function registerReadRoutes(app: FastifyInstance, store: Store): void {
  app.get('/api/v1/hosts', { schema: { summary: 'Known agents and their last report', response: { 200: Type.Object({ hosts: Type.Array(HostSchema) }) } } }, async () => ({
    hosts: store.listHosts().map((h) => ({
      agentId: h.agentId,
      hostname: h.hostname,
      labels: h.labels,
      version: h.version,
      intervalSeconds: h.intervalSeconds,
      lastSequence: h.lastSequence,
      firstSeenAt: iso(h.firstSeenAtMs),
      lastReportAt: iso(h.lastReportAtMs),
      addresses: h.addresses,
      defaultGateway: h.defaultGateway,
      inventory: h.inventory,
    })),
  }));

  app.get<{ Querystring: { status?: IncidentStatus | 'active'; limit?: string } }>(
    '/api/v1/incidents',
    { schema: { summary: 'Incidents, newest first', querystring: IncidentListQuery, response: { 200: Type.Object({ incidents: Type.Array(IncidentSchema) }), 400: ErrorSchema } } },
    async (request) => ({
      incidents: store
        .listIncidents({ status: request.query.status, limit: request.query.limit ? Number(request.query.limit) : undefined })
        .map(incidentView),
    }),
  );

  app.get<{ Params: { id: string } }>('/api/v1/incidents/:id', { schema: { summary: 'One incident with its timeline and desk deliveries', params: IdParams, response: { 200: IncidentDetailSchema, 404: ErrorSchema } } }, async (request) => {
    const id = Number(request.params.id);
    const incident = store.getIncident(id);
    if (!incident) throw new ApiError('TRIPLINE_NOT_FOUND', `incident ${id} does not exist`);
    return {
      incident: incidentView(incident),
      timeline: store.incidentEvents(id).map((e) => ({ at: iso(e.atMs), kind: e.kind, text: e.text, data: e.data })),
      tickets: store.desksForIncident(id).flatMap((desk) => {
        const t = store.getTicket(id, desk);
        return t ? [{ desk, externalId: t.externalId, url: t.url, state: t.state, deskStatus: t.deskStatus ?? null, checkedAt: t.checkedAtMs ? iso(t.checkedAtMs) : null }] : [];
      }),
      deliveries: store.outboxForIncident(id).map(deliveryView),
    };
  });
}

/** The API's view of an incident, with ISO times. */
export function incidentView(incident: IncidentRecord) {
  return {
    id: incident.id,
    key: incident.key,
    status: incident.status,
    severity: incident.severity,
    ruleName: incident.ruleName,
    ruleVersion: incident.ruleVersion,
    host: incident.host,
    summary: incident.summary,
    description: incident.description,
    labels: incident.labels,
    openedAt: iso(incident.openedAtMs),
    resolvedAt: incident.resolvedAtMs === null ? null : iso(incident.resolvedAtMs),
    updatedAt: iso(incident.updatedAtMs),
    occurrences: incident.occurrences,
    flapping: incident.flapping,
    ticketed: incident.ticketed,
    hold: incident.hold,
    parentIncidentId: incident.parentIncidentId,
    why: incident.why,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
