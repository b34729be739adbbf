/**
 * Alertmanager's webhook payload, version 4 (its `webhook_config` receiver), as a TypeBox schema:
 * the route validates with it (every problem named by its field path) and the OpenAPI document is
 * generated from it. Fields Alertmanager adds in a later minor release, or that Grafana's
 * Alertmanager-compatible webhook sends (`orgId`, `values`, `silenceURL`), are let through unread.
 * Every string it reads has a length cap (the group key, logged, holds the route's matchers and
 * group labels, so its cap is generous), so no field can carry the whole body limit into a log line.
 */
import { Type, type Static } from '@sinclair/typebox';

const Labels = Type.Record(Type.String(), Type.String({ maxLength: 4096 }), { maxProperties: 100 });
/** RFC 3339 as Go writes it: nanoseconds, an offset, and `0001-01-01T00:00:00Z` for "not set". */
const Time = Type.String({ format: 'date-time' });

export const AlertmanagerAlertSchema = Type.Object({
  status: Type.Union([Type.Literal('firing'), Type.Literal('resolved')]),
  labels: Type.Intersect([Labels, Type.Object({ alertname: Type.String({ minLength: 1, maxLength: 200 }) })]),
  annotations: Type.Optional(Labels),
  startsAt: Time,
  endsAt: Type.Optional(Time),
  generatorURL: Type.Optional(Type.String({ maxLength: 4096 })),
  /** Alertmanager's hash of the labels; stable for one alert across notifications. */
  fingerprint: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{1,64}$' })),
});

export const AlertmanagerPayloadSchema = Type.Object(
  {
    version: Type.Literal('4'),
    groupKey: Type.Optional(Type.String({ maxLength: 16_384 })),
    truncatedAlerts: Type.Optional(Type.Integer({ minimum: 0 })),
    status: Type.Union([Type.Literal('firing'), Type.Literal('resolved')]),
    receiver: Type.Optional(Type.String({ maxLength: 1024 })),
    groupLabels: Type.Optional(Labels),
    commonLabels: Type.Optional(Labels),
    commonAnnotations: Type.Optional(Labels),
    externalURL: Type.Optional(Type.String({ maxLength: 4096 })),
    alerts: Type.Array(AlertmanagerAlertSchema, { maxItems: 10_000 }),
  },
  { $id: 'AlertmanagerWebhook' },
);

export type AlertmanagerAlert = Static<typeof AlertmanagerAlertSchema>;
export type AlertmanagerPayload = Static<typeof AlertmanagerPayloadSchema>;

/** What the intake answers once the payload's alerts are committed. */
export const AlertmanagerAckSchema = Type.Object({
  alerts: Type.Integer({ description: 'Alerts in the payload' }),
  opened: Type.Integer({ description: 'Incidents opened or re-opened' }),
  resolved: Type.Integer({ description: 'Incidents resolved (or set clearing, with incidents.resolveSettle)' }),
  unchanged: Type.Integer({ description: 'Alerts already known: a firing alert with its incident active, a resolved one with none, or a stale notification' }),
});
export type AlertmanagerAck = Static<typeof AlertmanagerAckSchema>;
