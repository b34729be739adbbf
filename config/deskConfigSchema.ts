/** The `desks:` section of tripline.yaml: one variant per desk adapter, discriminated by `type`. */
import { Type, type Static } from '@sinclair/typebox';
import { DURATION_HINT, DURATION_PATTERN } from './duration.js';

const Duration = (defaultValue: string, description: string) =>
  Type.String({ pattern: DURATION_PATTERN, patternHint: DURATION_HINT, default: defaultValue, description });

export const WebhookDeskSchema = Type.Object(
  {
    type: Type.Literal('webhook'),
    name: Type.String({ pattern: '^[a-z][a-z0-9-]*$' }),
    url: Type.String({ pattern: '^https?://' }),
    secret: Type.Optional(Type.String({ description: 'HMAC-SHA256 key; env TRIPLINE_DESK_<NAME>_SECRET overrides' })),
    timeout: Duration('10s', 'Per-request timeout'),
    headers: Type.Record(Type.String(), Type.String(), { default: {} }),
  },
  { additionalProperties: false },
);

/** One variant per desk adapter; `type` discriminates. */
export const DeskSchema = Type.Union([WebhookDeskSchema]);

export type DeskConfig = Static<typeof DeskSchema>;
export type WebhookDeskConfig = Static<typeof WebhookDeskSchema>;
