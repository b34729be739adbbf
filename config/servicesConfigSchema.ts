/**
 * The `services:` and `priority:` sections of tripline.yaml: the business services the hosts make up
 * (the service catalogue), and the ITIL impact x urgency matrix that gives every incident its
 * priority, with the response and resolution times promised per priority (SLA clocks).
 */
import { Type, type Static, type StaticDecode } from '@sinclair/typebox';
import { Duration } from './durationSchema.js';

/** ITIL's three levels, for impact (how much of the business is hit) and urgency (how fast it hurts). */
export const LEVELS = ['high', 'medium', 'low'] as const;
export type Level = (typeof LEVELS)[number];
/** A level, as an enum so that a wrong one reads "must be one of ...". */
const levelSchema = (options: { default?: Level; description?: string } = {}) => Type.Unsafe<Level>({ type: 'string', enum: [...LEVELS], ...options });
const LevelSchema = levelSchema();

/** The priorities, P1 (most urgent) to P5. */
export const PRIORITIES = ['P1', 'P2', 'P3', 'P4', 'P5'] as const;
export type Priority = (typeof PRIORITIES)[number];
const PrioritySchema = Type.Unsafe<Priority>({ type: 'string', enum: [...PRIORITIES] });

const ServiceName = Type.String({ pattern: '^[a-z][a-z0-9-]*$' });

export const ServiceSchema = Type.Object(
  {
    description: Type.String({ default: '', description: 'What the service is, for people (status page, tickets)' }),
    owner: Type.String({ default: '', description: 'The team that owns it' }),
    impact: levelSchema({ default: 'medium', description: 'ITIL impact of a problem of this service' }),
    members: Type.Object(
      {
        hosts: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'Host names (the `host` label)' }),
        groups: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'Host groups (the `group` label the agents set)' }),
        matchers: Type.Array(Type.String(), { default: [], description: 'Label matchers an incident must all satisfy (`target="payments"`)' }),
      },
      { additionalProperties: false, default: {} },
    ),
    minHealthy: Type.Optional(Type.Integer({ minimum: 1, description: 'Fewer healthy member hosts than this is an outage' })),
    dependsOn: Type.Array(ServiceName, { default: [], description: 'Services this one needs; their state propagates to it' }),
    desks: Type.Array(Type.String({ pattern: '^[a-z][a-z0-9-]*$' }), { default: [], description: 'Desks that receive the incidents of this service' }),
  },
  { additionalProperties: false },
);

export const ServicesSchema = Type.Record(ServiceName, ServiceSchema, { default: {} });

const MatrixRow = Type.Object({ high: PrioritySchema, medium: PrioritySchema, low: PrioritySchema }, { additionalProperties: false });

const SlaTargets = Type.Object(
  {
    acknowledge: Duration({ positive: true, description: 'Time to acknowledge' }),
    resolve: Duration({ positive: true, description: 'Time to resolve' }),
    businessHours: Type.Optional(Type.Boolean({ description: 'Count only the open hours of priority.businessHours (default false: wall-clock time)' })),
  },
  { additionalProperties: false },
);

/** Open hours of one day: `HH:MM-HH:MM` ranges (`24:00` ends at midnight). */
const DayHours = Type.Array(Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$' }), { maxItems: 24 });

export const BusinessHoursSchema = Type.Object(
  {
    timeZone: Type.Optional(Type.String({ minLength: 1, description: 'IANA time zone of the hours and holidays; the top-level timeZone when absent' })),
    week: Type.Object(
      { mon: Type.Optional(DayHours), tue: Type.Optional(DayHours), wed: Type.Optional(DayHours), thu: Type.Optional(DayHours), fri: Type.Optional(DayHours), sat: Type.Optional(DayHours), sun: Type.Optional(DayHours) },
      { additionalProperties: false, description: 'Open hours per weekday; a day not listed is closed' },
    ),
    holidays: Type.Array(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }), { default: [], description: 'Closed days (YYYY-MM-DD, in the time zone)' }),
  },
  { additionalProperties: false },
);

export const PrioritySettingsSchema = Type.Object(
  {
    matrix: Type.Object(
      { high: MatrixRow, medium: MatrixRow, low: MatrixRow },
      {
        additionalProperties: false,
        default: {
          high: { high: 'P1', medium: 'P2', low: 'P3' },
          medium: { high: 'P2', medium: 'P3', low: 'P4' },
          low: { high: 'P3', medium: 'P4', low: 'P5' },
        },
        description: 'impact -> urgency -> priority',
      },
    ),
    defaultImpact: levelSchema({ default: 'low', description: 'Impact of an incident that touches no service' }),
    severityUrgency: Type.Object(
      { critical: LevelSchema, warning: LevelSchema, info: LevelSchema },
      { additionalProperties: false, default: { critical: 'high', warning: 'medium', info: 'low' }, description: "Urgency of a rule without `urgency:`, from its severity" },
    ),
    businessHours: Type.Optional(BusinessHoursSchema),
    sla: Type.Object(
      { P1: Type.Optional(SlaTargets), P2: Type.Optional(SlaTargets), P3: Type.Optional(SlaTargets), P4: Type.Optional(SlaTargets), P5: Type.Optional(SlaTargets) },
      { additionalProperties: false, default: {}, description: 'Response and resolution times per priority; a priority not listed has no SLA clock' },
    ),
  },
  { additionalProperties: false, default: {} },
);

/** One service of the catalogue as loaded. */
export type ServiceConfig = Static<typeof ServiceSchema>;
export type ServicesConfig = Static<typeof ServicesSchema>;
/** `priority.businessHours` as loaded. */
export type BusinessHoursConfig = Static<typeof BusinessHoursSchema>;
/** The `priority:` section as loaded, durations in milliseconds. */
export type PriorityConfig = StaticDecode<typeof PrioritySettingsSchema>;
