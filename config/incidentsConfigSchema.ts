/** The `incidents:` section of tripline.yaml: the lifecycle between rule signals and desk tickets. */
import { Type, type StaticDecode } from '@sinclair/typebox';
import { Duration } from './durationSchema.js';

const SeveritySchema = Type.Union([Type.Literal('critical'), Type.Literal('warning'), Type.Literal('info')]);

export const TopologyHostSchema = Type.Object(
  {
    address: Type.Optional(Type.String({ description: 'IP literal the collector pings when the agent goes silent' })),
    parents: Type.Array(Type.String(), { default: [], description: 'Hosts this one depends on (switch, hypervisor, uplink)' }),
  },
  { additionalProperties: false },
);

export const IncidentsSchema = Type.Object(
  {
    operatorTokens: Type.Array(Type.String({ minLength: 16 }), {
      default: [],
      description: 'Bearer tokens for operator actions over the API (acknowledge, resolve, silences, maintenance)',
    }),
    reopenWindow: Duration({ default: '1h', description: 'A problem that returns within this time of its resolve re-opens its incident and ticket' }),
    resolveSettle: Duration({
      default: '2m',
      description: 'How long a cleared problem must stay clear before its incident resolves (one resolve to the desk); a return before then folds into the incident and marks it flapping',
    }),
    rearmAfter: Duration({
      default: '10m',
      description: 'After an operator resolves an incident whose problem persists, how long before it opens again (0s: never; it re-opens only when the problem clears and returns)',
    }),
    flap: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        window: Duration({ default: '1h', description: 'Transitions older than this no longer count towards the state change' }),
        highThreshold: Type.Number({ minimum: 0, maximum: 100, default: 50 }),
        lowThreshold: Type.Number({ minimum: 0, maximum: 100, default: 25 }),
      },
      { additionalProperties: false, default: {} },
    ),
    escalation: Type.Array(
      Type.Object({ after: Duration(), severity: SeveritySchema }, { additionalProperties: false }),
      { default: [] },
    ),
    grouping: Type.Object({ byHost: Type.Boolean({ default: false }) }, { additionalProperties: false, default: {} }),
    reachability: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        pingTimeout: Duration({ default: '2s', description: 'How long the collector waits for a ping reply' }),
      },
      { additionalProperties: false, default: {} },
    ),
    inhibition: Type.Object(
      {
        recoveryGrace: Duration({ default: '1m', description: 'After an inhibiting incident resolves, how long the incidents it inhibited wait for their own clear before they get tickets' }),
      },
      { additionalProperties: false, default: {} },
    ),
    topology: Type.Object(
      {
        downRules: Type.Array(Type.String(), { default: ['agent_silent'] }),
        targetDownRules: Type.Array(Type.String(), { default: ['ping_loss_high'] }),
        learnGateways: Type.Boolean({ default: true }),
        settle: Duration({ default: '30s', description: 'How long a silent host with parents waits before it is pinged, so a parent that fails at the same time is seen first' }),
        recoveryGrace: Duration({ default: '2m', description: 'After a parent recovers, how long its symptoms wait for their own clear before they get tickets' }),
        hosts: Type.Record(Type.String(), TopologyHostSchema, { default: {} }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

/** The `incidents:` section as loaded, durations in milliseconds. */
export type IncidentsConfig = StaticDecode<typeof IncidentsSchema>;
