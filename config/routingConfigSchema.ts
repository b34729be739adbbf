/** The `routing:` and `sync:` sections of tripline.yaml: which desks get an incident, and how desks talk back. */
import { Type, type Static, type StaticDecode } from '@sinclair/typebox';
import { Duration } from './durationSchema.js';

const DeskName = Type.String({ pattern: '^[a-z][a-z0-9-]*$' });

export const RouteSchema = Type.Object(
  {
    match: Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 1 })]), {
      default: {},
      description: 'Label values the incident must have (a list: any of them); `severity` and `host` are labels too',
    }),
    desks: Type.Array(DeskName, { minItems: 1 }),
    continue: Type.Boolean({ default: false, description: 'Keep trying later routes after this one matched' }),
  },
  { additionalProperties: false },
);

export const RoutingSchema = Type.Object(
  {
    routes: Type.Array(RouteSchema, { default: [] }),
    fallback: Type.Array(DeskName, { default: [], description: 'Desks for incidents no route matches; empty = every desk' }),
  },
  { additionalProperties: false, default: {} },
);

export const SyncSchema = Type.Object(
  {
    interval: Duration({ default: '1m', description: 'How often ledger tickets are compared with their desk; 0s turns two-way sync and the reconciler off' }),
    onDeskResolved: Type.Union([Type.Literal('acknowledge'), Type.Literal('close')], { default: 'acknowledge' }),
    onProblemPersistsAfterClose: Type.Union([Type.Literal('comment'), Type.Literal('reopen'), Type.Literal('new-ticket')], { default: 'comment' }),
    lookback: Duration({ default: '24h', description: 'Tickets of incidents changed within this time are still compared' }),
  },
  { additionalProperties: false, default: {} },
);

export type RouteConfig = Static<typeof RouteSchema>;
export type RoutingConfig = Static<typeof RoutingSchema>;
export type SyncConfig = StaticDecode<typeof SyncSchema>;
