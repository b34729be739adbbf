/** The `incidents:` section of tripline.yaml: the lifecycle between rule signals and desk tickets. */
import { Type, type Static } from '@sinclair/typebox';
import { DURATION_HINT, DURATION_PATTERN } from './duration.js';

const Duration = (defaultValue: string, description: string) =>
  Type.String({ pattern: DURATION_PATTERN, patternHint: DURATION_HINT, default: defaultValue, description });

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
    reopenWindow: Duration('1h', 'A problem that returns within this time of its resolve re-opens its incident and ticket'),
    flap: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        window: Duration('1h', 'Transitions older than this no longer count towards the state change'),
        highThreshold: Type.Number({ minimum: 0, maximum: 100, default: 50 }),
        lowThreshold: Type.Number({ minimum: 0, maximum: 100, default: 25 }),
      },
      { additionalProperties: false, default: {} },
    ),
    escalation: Type.Array(
      Type.Object({ after: Type.String({ pattern: DURATION_PATTERN, patternHint: DURATION_HINT }), severity: SeveritySchema }, { additionalProperties: false }),
      { default: [] },
    ),
    grouping: Type.Object({ byHost: Type.Boolean({ default: false }) }, { additionalProperties: false, default: {} }),
    reachability: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        pingTimeout: Duration('2s', 'How long the collector waits for a ping reply'),
      },
      { additionalProperties: false, default: {} },
    ),
    inhibition: Type.Object(
      {
        recoveryGrace: Duration('1m', 'After an inhibiting incident resolves, how long the incidents it inhibited wait for their own clear before they get tickets'),
      },
      { additionalProperties: false, default: {} },
    ),
    topology: Type.Object(
      {
        downRules: Type.Array(Type.String(), { default: ['agent_silent'] }),
        targetDownRules: Type.Array(Type.String(), { default: ['ping_loss_high'] }),
        learnGateways: Type.Boolean({ default: true }),
        settle: Duration('30s', 'How long a silent host with parents waits before it is pinged, so a parent that fails at the same time is seen first'),
        recoveryGrace: Duration('2m', 'After a parent recovers, how long its symptoms wait for their own clear before they get tickets'),
        hosts: Type.Record(Type.String(), TopologyHostSchema, { default: {} }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

export type IncidentsConfig = Static<typeof IncidentsSchema>;
