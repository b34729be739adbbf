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
