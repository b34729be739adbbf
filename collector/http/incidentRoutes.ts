/**
 * Operator actions of the versioned API: acknowledge and resolve incidents by hand, explain an
 * incident, and manage silences and maintenance windows. Writes need a bearer token from
 * `incidents.operatorTokens`; each write runs in one store transaction and enqueues its desk
 * operations there.
 */
import { Type } from '@sinclair/typebox';
import { CronExpressionParser } from 'cron-parser';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../clock.js';
import type { IncidentService } from '../incidents/incidentService.js';
import { validateCron } from '../incidents/suppression.js';
import type { MaintenanceRecord, SilenceRecord, Store } from '../store/store.js';
import { formatLabelMatcher, LabelMatcherError, parseLabelMatcher, type LabelMatcher } from '../../rules/index.js';
import { parseDurationSeconds, DURATION_PATTERN } from '../../config/duration.js';
import { requireBearer } from './requireBearer.js';
import { ApiError } from './apiErrors.js';
import { incidentView } from './readRoutes.js';

export interface IncidentRoutesOptions {
  store: Store;
  incidents: IncidentService;
  clock: Clock;
  operatorTokens: readonly string[];
}

const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,15}$' }) });
const ActionBody = Type.Object(
  { by: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), comment: Type.Optional(Type.String({ maxLength: 2000 })) },
  { additionalProperties: false },
);
const SilenceBody = Type.Object(
  {
    matchers: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 50 }),
    startsAt: Type.Optional(Type.String({ format: 'date-time' })),
    expiresAt: Type.String({ format: 'date-time' }),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
    createdBy: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);
const MaintenanceBody = Type.Object(
  {
    cron: Type.String({ minLength: 1, maxLength: 200 }),
    duration: Type.String({ pattern: DURATION_PATTERN }),
    host: Type.Optional(Type.String({ minLength: 1 })),
    group: Type.Optional(Type.String({ minLength: 1 })),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
const SilenceQuery = Type.Object({ expired: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) }, { additionalProperties: false });

type ActionBodyType = { by?: string; comment?: string };

export function registerIncidentRoutes(app: FastifyInstance, options: IncidentRoutesOptions): void {
  const { store, incidents, clock } = options;
  const operator = requireBearer(options.operatorTokens, 'operator', 'incidents.operatorTokens');

  for (const kind of ['acknowledge', 'resolve'] as const) {
    app.post<{ Params: { id: string }; Body: ActionBodyType }>(
      `/api/v1/incidents/:id/${kind}`,
      { schema: { params: IdParams, body: ActionBody }, onRequest: operator },
      async (request) => {
        const id = Number(request.params.id);
        const body = request.body ?? {};
        const decision = store.transaction((tx) => {
          const incident = tx.getIncident(id);
          if (!incident) throw new ApiError('TRIPLINE_NOT_FOUND', `incident ${id} does not exist`);
          return incidents.operatorAction(tx, incident, { kind, by: body.by ?? 'api', comment: body.comment ?? '' }, clock.nowMs());
        });
        if (!decision.ok) throw new ApiError('TRIPLINE_CONFLICT', decision.reason);
        return { incident: incidentView(store.getIncident(id)!), reason: decision.reason };
      },
    );
  }

  app.get<{ Params: { id: string } }>('/api/v1/incidents/:id/explain', { schema: { params: IdParams } }, async (request) => {
    const id = Number(request.params.id);
    const explanation = explainIncident(store, id);
    if (!explanation) throw new ApiError('TRIPLINE_NOT_FOUND', `incident ${id} does not exist`);
    return explanation;
  });

  app.get<{ Querystring: { expired?: 'true' | 'false' } }>('/api/v1/silences', { schema: { querystring: SilenceQuery } }, async (request) => ({
    silences: store.listSilences(request.query.expired === 'true' ? undefined : clock.nowMs()).map(silenceView),
  }));

  app.post<{ Body: { matchers: string[]; startsAt?: string; expiresAt: string; comment?: string; createdBy?: string } }>(
    '/api/v1/silences',
    { schema: { body: SilenceBody }, onRequest: operator },
    async (request, reply) => {
      const body = request.body;
      const matchers = parseMatchers(body.matchers);
      const nowMs = clock.nowMs();
      const startsAtMs = body.startsAt ? Date.parse(body.startsAt) : nowMs;
      const expiresAtMs = Date.parse(body.expiresAt);
      if (expiresAtMs <= Math.max(startsAtMs, nowMs)) throw new ApiError('TRIPLINE_VALIDATION_FAILED', 'body/expiresAt must be after startsAt and in the future', 'body/expiresAt');
      const silence = store.transaction((tx) =>
        tx.insertSilence({ matchers, comment: body.comment ?? '', createdBy: body.createdBy ?? 'api', startsAtMs, expiresAtMs, createdAtMs: nowMs }),
      );
      return reply.code(201).send({ silence: silenceView(silence) });
    },
  );

  app.delete<{ Params: { id: string } }>('/api/v1/silences/:id', { schema: { params: IdParams }, onRequest: operator }, async (request) => {
    const id = Number(request.params.id);
    const nowMs = clock.nowMs();
    if (!store.transaction((tx) => tx.expireSilence(id, nowMs))) throw new ApiError('TRIPLINE_NOT_FOUND', `silence ${id} does not exist`);
    return { silence: silenceView(store.getSilence(id)!) };
  });

  app.get('/api/v1/maintenance', async () => ({ maintenance: store.listMaintenance().map((w) => maintenanceView(w, clock.nowMs())) }));

  app.post<{ Body: { cron: string; duration: string; host?: string; group?: string; comment?: string } }>(
    '/api/v1/maintenance',
    { schema: { body: MaintenanceBody }, onRequest: operator },
    async (request, reply) => {
      const body = request.body;
      checkCron(body.cron);
      if ((body.host === undefined) === (body.group === undefined)) throw new ApiError('TRIPLINE_VALIDATION_FAILED', 'body must name exactly one of host and group', 'body/host');
      const window = store.transaction((tx) =>
        tx.insertMaintenance({
          cron: body.cron,
          durationSeconds: parseDurationSeconds(body.duration),
          host: body.host ?? null,
          group: body.group ?? null,
          comment: body.comment ?? '',
          createdAtMs: clock.nowMs(),
        }),
      );
      return reply.code(201).send({ maintenance: maintenanceView(window, clock.nowMs()) });
    },
  );

  app.delete<{ Params: { id: string } }>('/api/v1/maintenance/:id', { schema: { params: IdParams }, onRequest: operator }, async (request) => {
    const id = Number(request.params.id);
    if (!store.transaction((tx) => tx.deleteMaintenance(id))) throw new ApiError('TRIPLINE_NOT_FOUND', `maintenance window ${id} does not exist`);
    return { deleted: id };
  });
}

/** Parses `label="value"` style matchers; a bad one is a 400 naming its index. */
export function parseMatchers(texts: readonly string[]): LabelMatcher[] {
  return texts.map((text, index) => {
    try {
      return parseLabelMatcher(text);
    } catch (error) {
      const message = error instanceof LabelMatcherError ? error.message : String(error);
      throw new ApiError('TRIPLINE_VALIDATION_FAILED', `body/matchers/${index} ${message}`, `body/matchers/${index}`);
    }
  });
}

function checkCron(cron: string): void {
  try {
    validateCron(cron);
  } catch (error) {
    throw new ApiError('TRIPLINE_VALIDATION_FAILED', `body/cron is not a valid cron expression: ${(error as Error).message}`, 'body/cron');
  }
}

/** The why-record of an incident with its timeline, children (symptoms, grouped) and desk operations. */
export function explainIncident(store: Store, id: number) {
  const incident = store.getIncident(id);
  if (!incident) return undefined;
  return {
    incident: incidentView(incident),
    lifecycle: {
      occurrences: incident.occurrences,
      flapping: incident.flapping,
      ticketed: incident.ticketed,
      hold: incident.hold,
      parentIncidentId: incident.parentIncidentId,
    },
    why: incident.why,
    suppressed: store.childIncidents(id).map((c) => ({ id: c.id, host: c.host, ruleName: c.ruleName, status: c.status, hold: c.hold, summary: c.summary })),
    timeline: store.incidentEvents(id).map((e) => ({ at: new Date(e.atMs).toISOString(), kind: e.kind, text: e.text })),
    deliveries: store.outboxForIncident(id).map((o) => ({ desk: o.desk, operation: o.operation, state: o.state, attempts: o.attempts })),
  };
}

export function silenceView(silence: SilenceRecord) {
  return {
    id: silence.id,
    matchers: silence.matchers.map(formatLabelMatcher),
    comment: silence.comment,
    createdBy: silence.createdBy,
    startsAt: new Date(silence.startsAtMs).toISOString(),
    expiresAt: new Date(silence.expiresAtMs).toISOString(),
  };
}

export function maintenanceView(window: MaintenanceRecord, nowMs: number) {
  let next: string | null = null;
  try {
    next = new Date(nextOccurrence(window.cron, nowMs)).toISOString();
  } catch {
    next = null;
  }
  return { id: window.id, cron: window.cron, duration: `${window.durationSeconds}s`, host: window.host, group: window.group, comment: window.comment, nextStart: next };
}

function nextOccurrence(cron: string, nowMs: number): number {
  return CronExpressionParser.parse(cron, { currentDate: new Date(nowMs), tz: 'UTC' }).next().getTime();
}
