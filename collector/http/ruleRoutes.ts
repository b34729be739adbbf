/**
 * The rules over the API, for the console's rules page:
 *
 * - `GET /api/v1/rules`: every rule in force with its source (file:line), kind, health, state and the
 *   series firing or pending now;
 * - `POST /api/v1/rules/check` with `{ text, since? }`: a candidate rule file checked as `tripline rules
 *   check` checks it (problems located in `candidate.yaml`), and when valid replayed over the last
 *   `since` (24 h by default, 7 d at most) of stored history beside the rules in force of the same
 *   names, for at most 2 s of the collector's time (then `truncated` and where it stopped). It changes nothing, so a viewer may ask; the console's session still needs its CSRF token.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { DURATION_HINT, DURATION_PATTERN, parseDurationMs } from '../../config/duration.js';
import type { Clock } from '../clock.js';
import type { Operations } from '../operations/createOperations.js';
import { ErrorSchema } from './apiSchemas.js';

const Labels = Type.Record(Type.String(), Type.String());
const RuleSchema = Type.Object({
  name: Type.String(),
  kind: Type.String({ description: 'threshold, window, predict, absent, aggregate, change or status' }),
  source: Type.String({ description: 'Where the rule is written: file:line' }),
  metric: Type.String(),
  matchers: Type.Array(Type.String()),
  severity: Type.String(),
  summary: Type.String(),
  version: Type.String(),
  forSeconds: Type.Number(),
  healthy: Type.Boolean(),
  error: Type.Optional(Type.String()),
  state: Type.Union([Type.Literal('inactive'), Type.Literal('pending'), Type.Literal('firing')]),
  firingCount: Type.Integer(),
  pendingCount: Type.Integer(),
  series: Type.Array(
    Type.Object({
      labels: Labels,
      status: Type.Union([Type.Literal('pending'), Type.Literal('firing')]),
      since: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      lastValue: Type.Number(),
    }),
    { description: 'The firing and pending series, firing first (at most 100)' },
  ),
});
const Counts = Type.Object({ opened: Type.Integer(), resolved: Type.Integer(), stillOpen: Type.Integer() });
const Replayed = Type.Array(
  Type.Object({ host: Type.String(), labels: Labels, summary: Type.String(), openedAt: Type.String({ format: 'date-time' }), resolvedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]) }),
);
const CheckAnswer = Type.Union([
  Type.Object({
    valid: Type.Literal(false),
    problems: Type.Array(
      Type.Object({ line: Type.Integer(), column: Type.Integer(), path: Type.String(), message: Type.String(), text: Type.String({ description: 'As `tripline rules check` prints it: candidate.yaml:line:column: path: message' }) }),
    ),
  }),
  Type.Object({
    valid: Type.Literal(true),
    rules: Type.Array(Type.Object({ name: Type.String(), kind: Type.String(), line: Type.Integer() })),
    backtest: Type.Object({
      from: Type.String({ format: 'date-time' }),
      to: Type.String({ format: 'date-time', description: 'Where the replay stopped: the end asked for, or earlier when truncated' }),
      truncated: Type.Boolean({ description: 'The replay hit its time budget (2 s on the collector) before the end; `to` says how far it got' }),
      samples: Type.Integer(),
      elapsedMs: Type.Number(),
      diffs: Type.Array(
        Type.Object({
          rule: Type.String(),
          inForce: Type.Boolean({ description: 'Whether a rule of this name is in force' }),
          candidate: Counts,
          current: Counts,
          onlyCandidate: Replayed,
          onlyCurrent: Replayed,
        }),
      ),
    }),
  }),
]);
const CheckBody = Type.Object(
  {
    text: Type.String({ maxLength: 65_536, description: 'A rule file (YAML with a `rules:` list)' }),
    since: Type.Optional(Type.String({ pattern: DURATION_PATTERN, description: `How much recent history to replay, ${DURATION_HINT}; 24h by default, 7d at most` })),
  },
  { additionalProperties: false },
);

export function registerRuleRoutes(app: FastifyInstance, operations: Operations, clock: Clock): void {
  app.get('/api/v1/rules', { schema: { summary: 'The rules in force: source, kind, health, state and the series firing now', response: { 200: Type.Object({ rules: Type.Array(RuleSchema) }) } } }, async () => ({
    rules: operations.listRules(),
  }));
  app.post<{ Body: { text: string; since?: string } }>(
    '/api/v1/rules/check',
    {
      config: { access: 'viewer' },
      schema: { summary: 'Check a candidate rule file as `tripline rules check` does, and backtest it against the rules in force of the same names', body: CheckBody, response: { 200: CheckAnswer, 400: ErrorSchema } },
    },
    async (request) => {
      const toMs = clock.nowMs();
      return operations.checkRuleCandidate({ text: request.body.text, fromMs: toMs - parseDurationMs(request.body.since ?? '24h'), toMs });
    },
  );
}
