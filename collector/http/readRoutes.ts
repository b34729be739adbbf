/**
 * Read endpoints of the versioned API: hosts and incidents (with timeline, tickets and the desk
 * operations behind them). Outputs never include credentials: none are stored with these objects.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { IncidentStatus } from '../domain/incident.js';
import type { Operations } from '../operations/createOperations.js';
import { ErrorSchema, HostSchema, IncidentDetailSchema, IncidentSchema, ServiceReportSchema, ServiceSchema } from './apiSchemas.js';

const IncidentListQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(['open', 'acknowledged', 'resolved', 'closed', 'active'].map((s) => Type.Literal(s)))),
    host: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    severity: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    rule: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Rule name' })),
    before: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'Only incidents with a smaller id: the next page' })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$' })),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,15}$' }) });

export function registerReadRoutes(app: FastifyInstance, operations: Operations): void {
  app.get('/api/v1/hosts', { schema: { summary: 'Known agents and their last report', response: { 200: Type.Object({ hosts: Type.Array(HostSchema) }) } } }, async () => ({
    hosts: operations.listHosts(),
  }));

  app.get<{ Querystring: { status?: IncidentStatus | 'active'; host?: string; severity?: string; rule?: string; before?: string; limit?: string } }>(
    '/api/v1/incidents',
    { schema: { summary: 'Incidents, newest first, filtered by status, host, severity and rule', querystring: IncidentListQuery, response: { 200: Type.Object({ incidents: Type.Array(IncidentSchema) }), 400: ErrorSchema } } },
    async (request) => {
      const q = request.query;
      return {
        incidents: operations.listIncidents({
          status: q.status,
          ...(q.host ? { host: q.host } : {}),
          ...(q.severity ? { severity: q.severity } : {}),
          ...(q.rule ? { ruleName: q.rule } : {}),
          ...(q.before ? { beforeId: Number(q.before) } : {}),
          limit: q.limit ? Number(q.limit) : undefined,
        }),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/incidents/:id',
    { schema: { summary: 'One incident with its timeline and desk deliveries', params: IdParams, response: { 200: IncidentDetailSchema, 404: ErrorSchema } } },
    async (request) => operations.incidentDetail(Number(request.params.id)),
  );

  app.get('/api/v1/services', { schema: { summary: 'The service catalogue with each service\'s state now', response: { 200: Type.Object({ services: Type.Array(ServiceSchema) }) } } }, async () => ({
    services: operations.listServices(),
  }));

  app.get<{ Params: { name: string } }>(
    '/api/v1/services/:name',
    { schema: { summary: 'One service with its state, members and incidents', params: Type.Object({ name: Type.String({ pattern: '^[a-z][a-z0-9-]*$' }) }), response: { 200: ServiceSchema, 404: ErrorSchema } } },
    async (request) => operations.serviceDetail(request.params.name),
  );

  app.get<{ Querystring: { month: string } }>(
    '/api/v1/reports/services',
    {
      schema: {
        summary: 'Per service, one month (UTC) from stored history: availability %, incidents, MTTA, MTTR, SLA breaches',
        querystring: Type.Object({ month: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}$', description: 'YYYY-MM' }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ month: Type.String(), services: Type.Array(ServiceReportSchema) }), 400: ErrorSchema },
      },
    },
    async (request) => operations.serviceReports(request.query.month),
  );
}
