/**
 * Operator actions of the versioned API: acknowledge and resolve incidents by hand, explain an
 * incident, and manage silences and maintenance windows. Writes need a bearer token from
 * `incidents.operatorTokens`. Each route parses its input and calls one operation; an
 * OperationError becomes its catalogue error in the error handler.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import { DURATION_PATTERN, parseDurationMs } from '../../config/duration.js';
import type { Operations } from '../operations/createOperations.js';
import { principalOf } from './apiAccess.js';

export interface IncidentRoutesOptions {
  operations: Operations;
  /** The onRequest hook that admits operators (AccessControl.require('operator')). */
  operator: onRequestHookHandler;
  /** The operations a request runs as its token (audited under its name). */
  operationsFor: (request: FastifyRequest) => Operations;
}

/** One label matcher (`host="web-1"`, `mount=~"/var.*"`): a label name, an operator and a quoted value. */
const Matcher = Type.String({ minLength: 1, maxLength: 2048 });
const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,15}$' }) });
const ActionBody = Type.Object(
  { comment: Type.Optional(Type.String({ maxLength: 2000 })) },
  { additionalProperties: false },
);
const SilenceBody = Type.Object(
  {
    matchers: Type.Array(Matcher, { minItems: 1, maxItems: 50 }),
    startsAt: Type.Optional(Type.String({ format: 'date-time' })),
    expiresAt: Type.String({ format: 'date-time' }),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
const MaintenanceBody = Type.Object(
  {
    cron: Type.String({ minLength: 1, maxLength: 200 }),
    duration: Type.String({ pattern: DURATION_PATTERN }),
    host: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    group: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
const SilenceQuery = Type.Object({ expired: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) }, { additionalProperties: false });

type ActionBodyType = { comment?: string };

export function registerIncidentRoutes(app: FastifyInstance, { operations, operator, operationsFor }: IncidentRoutesOptions): void {

  for (const kind of ['acknowledge', 'resolve'] as const) {
    app.post<{ Params: { id: string }; Body: ActionBodyType }>(
      `/api/v1/incidents/:id/${kind}`,
      { schema: { params: IdParams, body: ActionBody }, onRequest: operator },
      async (request) => {
        const body = request.body ?? {};
        return operationsFor(request)[kind](Number(request.params.id), { by: principalOf(request).name, comment: body.comment ?? '' });
      },
    );
  }

  app.get<{ Params: { id: string } }>('/api/v1/incidents/:id/explain', { schema: { params: IdParams } }, async (request) => operations.explainIncident(Number(request.params.id)));

  app.get<{ Querystring: { expired?: 'true' | 'false' } }>('/api/v1/silences', { schema: { querystring: SilenceQuery } }, async (request) => ({
    silences: operations.listSilences({ includeExpired: request.query.expired === 'true' }),
  }));

  app.post<{ Body: { matchers: string[]; startsAt?: string; expiresAt: string; comment?: string } }>(
    '/api/v1/silences',
    { schema: { body: SilenceBody }, onRequest: operator },
    async (request, reply) => {
      const body = request.body;
      const silence = operationsFor(request).addSilence({
        matchers: body.matchers,
        ...(body.startsAt ? { startsAtMs: Date.parse(body.startsAt) } : {}),
        expiresAtMs: Date.parse(body.expiresAt),
        comment: body.comment ?? '',
        createdBy: principalOf(request).name,
      });
      return reply.code(201).send({ silence });
    },
  );

  app.post<{ Body: { matchers: string[] } }>(
    '/api/v1/silences/preview',
    // A read (OPERATION_ACCESS: previewSilence), so a viewer may ask, as for the other reads sent as POST.
    { config: { access: 'viewer' }, schema: { summary: 'The active incidents a silence with these matchers would hold', body: Type.Object({ matchers: Type.Array(Matcher, { minItems: 1, maxItems: 50 }) }, { additionalProperties: false }) } },
    async (request) => ({ incidents: operations.previewSilence(request.body.matchers) }),
  );

  app.delete<{ Params: { id: string } }>('/api/v1/silences/:id', { schema: { params: IdParams }, onRequest: operator }, async (request) => ({
    silence: operationsFor(request).expireSilence(Number(request.params.id)),
  }));

  app.get('/api/v1/maintenance', async () => ({ maintenance: operations.listMaintenance() }));

  app.post<{ Body: { cron: string; duration: string; host?: string; group?: string; comment?: string } }>(
    '/api/v1/maintenance',
    { schema: { body: MaintenanceBody }, onRequest: operator },
    async (request, reply) => {
      const { duration, ...window } = request.body;
      return reply.code(201).send({ maintenance: operationsFor(request).addMaintenance({ ...window, durationMs: parseDurationMs(duration) }) });
    },
  );

  app.delete<{ Params: { id: string } }>('/api/v1/maintenance/:id', { schema: { params: IdParams }, onRequest: operator }, async (request) => {
    const id = Number(request.params.id);
    operationsFor(request).removeMaintenance(id);
    return { deleted: id };
  });
}
