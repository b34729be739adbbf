/**
 * TypeBox schemas of the read API's answers. Fastify serialises with them, and the OpenAPI
 * document at /api/v1/openapi.json is generated from them and from the intake schema, so the
 * documentation is the validation.
 */
import { Type } from '@sinclair/typebox';

const Labels = Type.Record(Type.String(), Type.String());
const Timestamp = Type.String({ format: 'date-time' });

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable code from the catalogue (README "API errors")' }),
      message: Type.String(),
      path: Type.Optional(Type.String({ description: 'The offending field, e.g. body/observations/3/value' })),
    }),
  },
  { $id: 'ApiError' },
);

export const HostSchema = Type.Object({
  agentId: Type.String(),
  hostname: Type.String(),
  labels: Labels,
  version: Type.String(),
  intervalSeconds: Type.Number(),
  lastSequence: Type.Integer(),
  firstSeenAt: Timestamp,
  lastReportAt: Timestamp,
  addresses: Type.Array(Type.String(), { description: "The host's primary non-loopback IP addresses, as its agent reports them" }),
  defaultGateway: Type.Union([Type.String(), Type.Null()]),
  inventory: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], { description: 'OS, kernel, CPU, memory, disks and NICs, from the slow inventory schedule' }),
  state: Type.Union([Type.Literal('reporting'), Type.Literal('silent'), Type.Literal('decommissioned')], {
    description: 'silent: no report for 3 intervals; decommissioned: by an operator (or its agent was reset), so its silence opens nothing',
  }),
  decommissionedAt: Type.Union([Timestamp, Type.Null()]),
});

export const IncidentSchema = Type.Object({
  id: Type.Integer(),
  key: Type.String({ description: 'Stable key the desks store, to find a ticket again' }),
  status: Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved'), Type.Literal('closed')]),
  severity: Type.String(),
  ruleName: Type.String(),
  ruleVersion: Type.String(),
  host: Type.String(),
  summary: Type.String(),
  description: Type.String(),
  labels: Labels,
  openedAt: Timestamp,
  resolvedAt: Type.Union([Timestamp, Type.Null()]),
  updatedAt: Timestamp,
  occurrences: Type.Integer({ description: 'How often the problem returned into this incident (re-open window, flapping)' }),
  flapping: Type.Boolean(),
  ticketed: Type.Boolean({ description: 'False while the incident is held from the desk (silence, maintenance, symptom of a parent)' }),
  hold: Type.Union([Type.String(), Type.Null()], { description: 'Why no ticket is made yet, if held' }),
  parentIncidentId: Type.Union([Type.Integer(), Type.Null()], { description: 'The incident this one is a symptom of or grouped under' }),
  why: Type.Record(Type.String(), Type.Unknown(), { description: 'The why-record: rule, version, values and reason' }),
  priority: Type.String({ description: 'P1 (most urgent) to P5: impact x urgency in the priority matrix' }),
  impact: Type.String({ description: 'ITIL impact: high, medium or low (the highest of the services it touches)' }),
  urgency: Type.String({ description: 'ITIL urgency: high, medium or low (from the rule)' }),
  services: Type.Array(Type.String(), { description: 'The services of the catalogue it touches' }),
  priorityReason: Type.String({ description: 'How the matrix decided, and an SLA escalation if one raised it' }),
  sla: Type.Union(
    [
      Type.Object({
        acknowledge: Type.Union([Type.Object({ dueAt: Timestamp, state: Type.String({ description: 'running, met or breached' }) }), Type.Null()]),
        resolve: Type.Union([Type.Object({ dueAt: Timestamp, state: Type.String({ description: 'running, met or breached' }) }), Type.Null()]),
      }),
      Type.Null(),
    ],
    { description: "The SLA clocks of its priority (priority.sla); null when its priority has none" },
  ),
});

const ServiceStateName = Type.Union([Type.Literal('operational'), Type.Literal('degraded'), Type.Literal('outage')]);

export const ServiceSchema = Type.Object({
  name: Type.String(),
  description: Type.String(),
  owner: Type.String(),
  impact: Type.String({ description: 'ITIL impact of a problem of this service' }),
  state: ServiceStateName,
  reason: Type.String({ description: 'Why it is in that state, by the rule in README "Services"' }),
  ownState: ServiceStateName,
  dependsOn: Type.Array(Type.String()),
  desks: Type.Array(Type.String()),
  members: Type.Object({ hosts: Type.Array(Type.String()), groups: Type.Array(Type.String()), matchers: Type.Array(Type.String()) }),
  minHealthy: Type.Union([Type.Integer(), Type.Null()]),
  hosts: Type.Array(Type.String(), { description: 'Member hosts: those listed and those of its groups that have reported' }),
  unhealthyHosts: Type.Array(Type.String()),
  incidents: Type.Array(Type.Object({ id: Type.Integer(), host: Type.String(), ruleName: Type.String(), severity: Type.String(), status: Type.String(), priority: Type.String(), summary: Type.String() })),
});

export const DeliverySchema = Type.Object({
  id: Type.Integer(),
  incidentId: Type.Integer(),
  desk: Type.String(),
  operation: Type.String({ description: 'open, update, comment, resolve or reopen' }),
  state: Type.String({ description: 'pending, delivered, superseded or dead' }),
  attempts: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  nextAttemptAt: Type.Union([Timestamp, Type.Null()]),
  deliveredAt: Type.Union([Timestamp, Type.Null()]),
  claimedBy: Type.Union([Type.String({ description: 'the collector (holder id) that claimed it last: delivering it, or that delivered it' }), Type.Null()]),
});

export const TicketSchema = Type.Object({
  desk: Type.String(),
  externalId: Type.String(),
  url: Type.Union([Type.String(), Type.Null()]),
  state: Type.String(),
  deskStatus: Type.Union([Type.String(), Type.Null()]),
  checkedAt: Type.Union([Timestamp, Type.Null()]),
});

export const IncidentDetailSchema = Type.Object({
  incident: IncidentSchema,
  timeline: Type.Array(Type.Object({ at: Timestamp, kind: Type.String(), text: Type.String(), data: Type.Record(Type.String(), Type.Unknown()) })),
  tickets: Type.Array(TicketSchema),
  deliveries: Type.Array(DeliverySchema),
});

/** One service's figures for one month (collector/services/serviceReport.ts says how each is computed). */
export const ServiceReportSchema = Type.Object({
  service: Type.String(),
  month: Type.String({ description: 'YYYY-MM (UTC)' }),
  from: Type.String({ description: 'Start of the period (the month, UTC)' }),
  to: Type.String({ description: 'End of the period: the month\'s end, or now for the month in progress' }),
  periodMinutes: Type.Number(),
  outageMinutes: Type.Number({ description: 'Minutes the service was in outage: unavailable' }),
  degradedMinutes: Type.Number({ description: 'Minutes the service was degraded: counted as available' }),
  availabilityPercent: Type.Number({ description: '100 x (period - outage) / period' }),
  incidents: Type.Integer({ description: 'Host incidents of the service opened in the period' }),
  acknowledged: Type.Integer(),
  resolved: Type.Integer(),
  mttaMinutes: Type.Union([Type.Number(), Type.Null()], { description: 'Mean time to first acknowledgement, over the acknowledged ones' }),
  mttrMinutes: Type.Union([Type.Number(), Type.Null()], { description: 'Mean time to resolve, over the resolved ones' }),
  slaBreaches: Type.Integer({ description: 'Incidents whose SLA clock ran out' }),
});
