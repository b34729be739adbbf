/**
 * History and fleet reads of the versioned API, for the console and for scripts:
 *
 * - `GET /api/v1/hosts/{host}/series` (and `GET /api/v1/series?host=`): a host's series over a range,
 *   downsampled on the server to min/avg/max per step (at most `maxPoints` steps);
 * - `GET /api/v1/hosts/{host}/latest`: the latest value of each series, checks with their output;
 * - `GET /api/v1/fleet`: every host with status, last report and open incidents, filtered and paged.
 *
 * Times are ISO 8601 or Unix seconds; `from` defaults to an hour before `to`, `to` to now.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { DURATION_HINT, parseDurationMs } from '../../config/duration.js';
import type { Clock } from '../clock.js';
import type { Operations } from '../operations/createOperations.js';
import { MAX_HISTORY_SPAN_MS, type HostStatus } from '../operations/historyOperations.js';
import { ApiError } from './apiErrors.js';
import { ErrorSchema } from './apiSchemas.js';

const Labels = Type.Record(Type.String(), Type.String());
const Column = Type.Array(Type.Union([Type.Number(), Type.Null()]));
const SeriesHistorySchema = Type.Object({
  host: Type.String(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  stepSeconds: Type.Number(),
  series: Type.Array(
    Type.Object({
      metric: Type.String(),
      labels: Labels,
      points: Type.Object(
        { at: Type.Array(Type.Integer()), min: Column, avg: Column, max: Column },
        { description: 'Columns: start of each step (Unix seconds) and the min, mean and max of the samples in it (null: none)' },
      ),
    }),
  ),
});
const LatestSchema = Type.Object({
  host: Type.String(),
  values: Type.Array(Type.Object({ metric: Type.String(), labels: Labels, value: Type.Number(), at: Type.String({ format: 'date-time' }), text: Type.Optional(Type.String()) })),
});
const HostStatusSchema = Type.Union([Type.Literal('ok'), Type.Literal('problem'), Type.Literal('silent')]);
const FleetSchema = Type.Object({
  total: Type.Integer({ description: 'Hosts matching the filter' }),
  counts: Type.Object({ ok: Type.Integer(), problem: Type.Integer(), silent: Type.Integer() }, { description: 'Hosts by status, before the status filter' }),
  hosts: Type.Array(
    Type.Object({
      hostname: Type.String(),
      agentId: Type.String(),
      labels: Labels,
      version: Type.String(),
      status: HostStatusSchema,
      lastReportAt: Type.String({ format: 'date-time' }),
      intervalSeconds: Type.Number(),
      openIncidents: Type.Integer(),
      worstSeverity: Type.Union([Type.String(), Type.Null()]),
      services: Type.Array(Type.String(), { description: 'The services of the catalogue the host is a member of' }),
    }),
  ),
});

const TIME = { type: 'string', description: 'ISO 8601 time or Unix seconds' } as const;
const SeriesQuery = Type.Object(
  {
    host: Type.Optional(Type.String({ minLength: 1 })),
    metric: Type.Optional(Type.String({ description: 'Metric names, comma-separated; all when absent' })),
    labels: Type.Optional(Type.String({ description: 'Label matchers name=value, comma-separated' })),
    from: Type.Optional(Type.String(TIME)),
    to: Type.Optional(Type.String(TIME)),
    step: Type.Optional(Type.String({ description: `The step wanted, ${DURATION_HINT} or seconds; widened to stay within maxPoints` })),
    maxPoints: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
  },
  { additionalProperties: false },
);
type SeriesQueryType = { host?: string; metric?: string; labels?: string; from?: string; to?: string; step?: string; maxPoints?: string };
const FleetQuery = Type.Object(
  {
    labels: Type.Optional(Type.String({ description: 'Label matchers name=value, comma-separated; all must hold' })),
    status: Type.Optional(HostStatusSchema),
    service: Type.Optional(Type.String({ maxLength: 253, description: "A service's name: only its member hosts" })),
    search: Type.Optional(Type.String({ maxLength: 253 })),
    offset: Type.Optional(Type.String({ pattern: '^[0-9]{1,7}$' })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
  },
  { additionalProperties: false },
);
const HostParams = Type.Object({ host: Type.String({ minLength: 1, maxLength: 253 }) });

export function registerHistoryRoutes(app: FastifyInstance, operations: Operations, clock: Clock): void {
  const series = (host: string, query: SeriesQueryType) => {
    const toMs = query.to === undefined ? clock.nowMs() : parseTime(query.to, 'querystring/to');
    const fromMs = query.from === undefined ? toMs - 3_600_000 : parseTime(query.from, 'querystring/from');
    if (fromMs >= toMs) throw new ApiError('TRIPLINE_VALIDATION_FAILED', 'querystring/from must be before to', 'querystring/from');
    if (toMs - fromMs > MAX_HISTORY_SPAN_MS) throw new ApiError('TRIPLINE_VALIDATION_FAILED', `querystring/from spans more than ${MAX_HISTORY_SPAN_MS / 86_400_000} days before to`, 'querystring/from');
    return operations.hostSeries({
      host,
      fromMs,
      toMs,
      ...(query.metric ? { metrics: query.metric.split(',').map((m) => m.trim()).filter((m) => m !== '') } : {}),
      ...(query.labels ? { labels: parseLabelPairs(query.labels, 'querystring/labels') } : {}),
      ...(query.step ? { stepMs: parseStep(query.step) } : {}),
      ...(query.maxPoints ? { maxPoints: Number(query.maxPoints) } : {}),
    });
  };
  const seriesResponse = { 200: SeriesHistorySchema, 400: ErrorSchema, 404: ErrorSchema };

  app.get<{ Params: { host: string }; Querystring: SeriesQueryType }>(
    '/api/v1/hosts/:host/series',
    { schema: { summary: "A host's series over a range, downsampled to min/avg/max per step", params: HostParams, querystring: SeriesQuery, response: seriesResponse } },
    async (request) => series(request.params.host, request.query),
  );
  app.get<{ Querystring: SeriesQueryType }>(
    '/api/v1/series',
    { schema: { summary: "A host's series over a range (host in the query), downsampled to min/avg/max per step", querystring: SeriesQuery, response: seriesResponse } },
    async (request) => {
      if (request.query.host === undefined) throw new ApiError('TRIPLINE_VALIDATION_FAILED', "querystring must have required property 'host'", 'querystring/host');
      return series(request.query.host, request.query);
    },
  );
  app.get<{ Params: { host: string } }>(
    '/api/v1/hosts/:host/latest',
    { schema: { summary: 'The latest value of each of a host\'s series; checks with their last output', params: HostParams, response: { 200: LatestSchema, 404: ErrorSchema } } },
    async (request) => ({ host: request.params.host, values: operations.latestValues(request.params.host) }),
  );
  app.get<{ Querystring: { hosts: string; metric: string; from?: string; maxPoints?: string } }>(
    '/api/v1/fleet/trend',
    {
      schema: {
        summary: "One metric's trend line for each of a page of hosts (the fleet's): the first sample in each step, the last hour by default",
        querystring: Type.Object(
          {
            hosts: Type.String({ minLength: 1, maxLength: 100_000, description: 'Hostnames, comma-separated, at most 500' }),
            metric: Type.String({ minLength: 1, maxLength: 200 }),
            from: Type.Optional(Type.String(TIME)),
            maxPoints: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const hosts = request.query.hosts.split(',').filter((h) => h !== '');
      if (hosts.length > 500) throw new ApiError('TRIPLINE_VALIDATION_FAILED', 'querystring/hosts names more than 500 hosts', 'querystring/hosts');
      const toMs = clock.nowMs();
      const fromMs = request.query.from === undefined ? toMs - 3_600_000 : parseTime(request.query.from, 'querystring/from');
      if (fromMs >= toMs || toMs - fromMs > MAX_HISTORY_SPAN_MS) throw new ApiError('TRIPLINE_VALIDATION_FAILED', 'querystring/from must be before now and within 32 days', 'querystring/from');
      return operations.fleetTrend({ hosts, metric: request.query.metric, fromMs, toMs, maxPoints: Math.max(2, Number(request.query.maxPoints ?? '30')) });
    },
  );
  app.get<{ Querystring: { labels?: string; status?: HostStatus; service?: string; search?: string; offset?: string; limit?: string } }>(
    '/api/v1/fleet',
    { schema: { summary: 'Every host with status, last report and open incidents; filtered, by hostname, paged', querystring: FleetQuery, response: { 200: FleetSchema, 400: ErrorSchema } } },
    async (request) => {
      const q = request.query;
      return operations.fleet({
        ...(q.labels ? { labels: parseLabelPairs(q.labels, 'querystring/labels') } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.service ? { service: q.service } : {}),
        ...(q.search ? { search: q.search } : {}),
        ...(q.offset ? { offset: Number(q.offset) } : {}),
        ...(q.limit ? { limit: Number(q.limit) } : {}),
      });
    },
  );
}

/** An ISO 8601 time or Unix seconds (as Grafana and Prometheus send them). */
export function parseTime(text: string, path: string): number {
  const ms = /^-?[0-9]+(\.[0-9]+)?$/.test(text) ? Number(text) * 1000 : Date.parse(text);
  if (!Number.isFinite(ms)) throw new ApiError('TRIPLINE_VALIDATION_FAILED', `${path} is not a time: "${text}" (ISO 8601 or Unix seconds)`, path);
  return ms;
}

function parseStep(text: string): number {
  if (/^[0-9]+(\.[0-9]+)?$/.test(text)) return Number(text) * 1000;
  try {
    return parseDurationMs(text);
  } catch {
    throw new ApiError('TRIPLINE_VALIDATION_FAILED', `querystring/step is not ${DURATION_HINT} or seconds: "${text}"`, 'querystring/step');
  }
}

/** `name=value,name=value` into labels. */
function parseLabelPairs(text: string, path: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new ApiError('TRIPLINE_VALIDATION_FAILED', `${path} "${pair}" is not name=value`, path);
    labels[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return labels;
}
