/**
 * The `desks:` section of tripline.yaml: one variant per desk adapter, discriminated by `type`.
 * Every variant has `name`, `secret` (env `TRIPLINE_DESK_<NAME>_SECRET` overrides), `timeout`
 * and `rateLimitPerMinute`; the rest is the desk's own.
 */
import { Type, type StaticDecode, type TProperties, type TUnion } from '@sinclair/typebox';
import { Duration } from './durationSchema.js';

/** A desk URL; `sensitive`: it may hold a key (in userinfo, query or path), so errors never quote it. */
const HttpUrl = (description: string, defaultValue?: string) =>
  Type.String({ pattern: '^https?://', patternHint: 'an http:// or https:// URL', sensitive: true, description, ...(defaultValue === undefined ? {} : { default: defaultValue }) });

/** Keys every desk variant shares. */
function deskVariant<T extends string, P extends TProperties>(type: T, properties: P, rateLimitPerMinute: number) {
  return Type.Object(
    {
      type: Type.Literal(type),
      name: Type.String({ pattern: '^[a-z][a-z0-9-]*$' }),
      secret: Type.Optional(Type.String({ description: 'The credential; env TRIPLINE_DESK_<NAME>_SECRET overrides' })),
      timeout: Duration({ default: '10s', description: 'Per-request timeout' }),
      rateLimitPerMinute: Type.Integer({ minimum: 1, default: rateLimitPerMinute, description: 'Calls per minute this desk is sent at most' }),
      ...properties,
    },
    { additionalProperties: false },
  );
}

export const WebhookDeskSchema = deskVariant(
  'webhook',
  {
    url: HttpUrl('Where each operation is POSTed'),
    headers: Type.Record(Type.String(), Type.String(), { default: {} }),
  },
  600,
);

export const RequestTrackerDeskSchema = deskVariant(
  'request-tracker',
  {
    url: HttpUrl('RT web base URL; REST2 is under /REST/2.0'),
    queue: Type.String({ default: 'General' }),
    customField: Type.String({ default: 'TriplineKey', description: 'Ticket custom field holding the incident key' }),
    serviceField: Type.Optional(Type.String({ minLength: 1, description: "Ticket custom field that receives the incident's services (create it in RT and apply it to the queue)" })),
  },
  300,
);

export const ServiceNowDeskSchema = deskVariant(
  'servicenow',
  {
    url: HttpUrl('Instance URL, e.g. https://example.service-now.com'),
    mode: Type.Union([Type.Literal('table'), Type.Literal('events')], { default: 'table', description: 'Table API incidents, or Event Management events' }),
    user: Type.Optional(Type.String({ description: 'Basic auth user; without it the secret is an OAuth bearer token' })),
    assignmentGroup: Type.Optional(Type.String()),
    callerId: Type.Optional(Type.String()),
    closeCode: Type.String({ default: 'Solved (Permanently)', description: 'close_code on resolve (values differ by release)' }),
    closeNotes: Type.String({ default: 'Resolved by Tripline: the problem cleared.' }),
    eventSource: Type.String({ default: 'Tripline', description: 'source of Event Management events' }),
  },
  300,
);

export const JiraDeskSchema = deskVariant(
  'jira',
  {
    url: HttpUrl('Site URL, e.g. https://example.atlassian.net'),
    user: Type.String({ description: 'Account e-mail for Basic auth with the API token (the secret)' }),
    project: Type.String({ description: 'Project key' }),
    issueType: Type.String({ default: 'Incident' }),
    doneTransition: Type.Optional(Type.String({ description: 'Transition name to resolve; default: the first into status category "done"' })),
    reopenTransition: Type.Optional(Type.String({ description: 'Transition name to re-open; default: the first into status category "new" or "indeterminate"' })),
    parentLinkType: Type.Optional(Type.String({ minLength: 1, description: 'Issue link type that ties a host incident\'s issue (inward) to its service incident\'s issue (outward); default Relates' })),
  },
  300,
);

export const PagerDutyDeskSchema = deskVariant(
  'pagerduty',
  {
    url: HttpUrl('Events API base', 'https://events.pagerduty.com'),
  },
  120,
);

export const ZendeskDeskSchema = deskVariant(
  'zendesk',
  {
    url: HttpUrl('Account URL, e.g. https://example.zendesk.com'),
    user: Type.String({ description: 'Agent e-mail; auth is "<user>/token" with the API token (the secret)' }),
    tags: Type.Array(Type.String(), { default: ['tripline'] }),
  },
  300,
);

export const EmailDeskSchema = deskVariant(
  'email',
  {
    host: Type.String({ description: 'SMTP server' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 587 }),
    tls: Type.Union([Type.Literal('implicit'), Type.Literal('starttls'), Type.Literal('none')], { default: 'starttls' }),
    user: Type.Optional(Type.String({ description: 'SMTP user; the secret is its password' })),
    from: Type.String(),
    to: Type.Array(Type.String(), { minItems: 1 }),
    subjectPrefix: Type.String({ default: '[Tripline]' }),
  },
  60,
);

const DESK_VARIANTS = [
  WebhookDeskSchema,
  RequestTrackerDeskSchema,
  ServiceNowDeskSchema,
  JiraDeskSchema,
  PagerDutyDeskSchema,
  ZendeskDeskSchema,
  EmailDeskSchema,
] as const;

/** The static type of one `desks` entry as loaded (its timeout in milliseconds). */
export type DeskConfig = StaticDecode<TUnion<[...typeof DESK_VARIANTS]>>;

/**
 * One variant per desk adapter; `type` discriminates. Written as `oneOf` with a JSON Schema
 * `discriminator` (not TypeBox's `anyOf`) so that the validator fills each variant's defaults.
 */
export const DeskSchema = Type.Unsafe<DeskConfig>({
  type: 'object',
  discriminator: { propertyName: 'type' },
  required: ['type'],
  oneOf: [...DESK_VARIANTS],
});
export type WebhookDeskConfig = StaticDecode<typeof WebhookDeskSchema>;
export type RequestTrackerDeskConfig = StaticDecode<typeof RequestTrackerDeskSchema>;
export type ServiceNowDeskConfig = StaticDecode<typeof ServiceNowDeskSchema>;
export type JiraDeskConfig = StaticDecode<typeof JiraDeskSchema>;
export type PagerDutyDeskConfig = StaticDecode<typeof PagerDutyDeskSchema>;
export type ZendeskDeskConfig = StaticDecode<typeof ZendeskDeskSchema>;
export type EmailDeskConfig = StaticDecode<typeof EmailDeskSchema>;
