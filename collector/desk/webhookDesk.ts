/**
 * The generic webhook desk: POSTs a documented JSON envelope for each operation, signed with
 * HMAC-SHA256. See README "Webhook desk" for the payload and how to verify the signature.
 *
 * Headers sent:
 * - `X-Tripline-Signature: sha256=<hex>` — HMAC-SHA256 over `<timestamp>.<body>` with the desk secret
 * - `X-Tripline-Timestamp: <unix seconds>` — reject old timestamps to stop replays
 * - `Idempotency-Key: <deliveryId>` — the same on every retry of one operation; receivers dedupe on it
 *
 * A 2xx answer whose JSON body has a string `ticketId` (and optionally `url`) names the ticket;
 * otherwise the incident key stands in as the ticket id.
 */
import { createHmac } from 'node:crypto';
import type { WebhookDeskConfig } from '../../config/configSchema.js';
import { createDeskHttpClient } from './deskHttpClient.js';
import {
  type DeliveryContext,
  type DeskAdapter,
  type DeskIncident,
  type TicketRef,
} from './deskAdapter.js';

export const WEBHOOK_PAYLOAD_VERSION = 1;

export type WebhookOperation = 'open' | 'update' | 'resolve' | 'reopen' | 'comment';

/** The JSON body of every webhook call. */
export interface WebhookPayload {
  version: typeof WEBHOOK_PAYLOAD_VERSION;
  operation: WebhookOperation;
  deliveryId: string;
  sentAt: string;
  incident: DeskIncident;
  ticket: TicketRef | null;
  /** Only on `comment`: the note to add to the ticket. */
  comment?: string;
}

/** Computes the signature header value; exported so receivers (and tests) verify the same way. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function createWebhookDesk(config: WebhookDeskConfig, clock: { nowMs(): number }): DeskAdapter {
  const url = new URL(config.url);
  const http = createDeskHttpClient({
    desk: config.name,
    baseUrl: config.url,
    timeoutMs: config.timeout,
    headers: { ...config.headers },
    // The URL's query string and password may be credentials too.
    secrets: [config.secret ?? '', ...Object.values(config.headers), ...url.searchParams.values(), decodeURIComponent(url.password)],
    clock,
  });

  const send = async (operation: WebhookOperation, incident: DeskIncident, ticket: TicketRef | null, context: DeliveryContext, comment?: string) => {
    const payload: WebhookPayload = {
      version: WEBHOOK_PAYLOAD_VERSION,
      operation,
      deliveryId: context.deliveryId,
      sentAt: new Date(clock.nowMs()).toISOString(),
      incident,
      ticket,
      ...(comment === undefined ? {} : { comment }),
    };
    const body = JSON.stringify(payload);
    const timestamp = String(Math.floor(clock.nowMs() / 1000));
    const headers: Record<string, string> = { 'idempotency-key': context.deliveryId, 'x-tripline-timestamp': timestamp };
    if (config.secret) headers['x-tripline-signature'] = signWebhook(config.secret, timestamp, body);
    const response = await http.send({ method: 'POST', path: '', body, headers });
    return response.text;
  };

  return {
    name: config.name,
    type: 'webhook',
    async open(incident, context) {
      const text = await send('open', incident, null, context);
      return ticketFromResponse(text) ?? { externalId: incident.key, url: null };
    },
    async update(incident, ticket, context) {
      await send('update', incident, ticket, context);
    },
    async resolve(incident, ticket, context) {
      await send('resolve', incident, ticket, context);
    },
    async reopen(incident, ticket, context) {
      await send('reopen', incident, ticket, context);
    },
    async comment(incident, ticket, text, context) {
      await send('comment', incident, ticket, context, text);
    },
    async link() {
      return 'unsupported' as const;
    },
    async findByKey() {
      return 'unsupported';
    },
    async fetchTicket() {
      return 'unsupported';
    },
  };
}

function ticketFromResponse(text: string): TicketRef | undefined {
  try {
    const parsed = JSON.parse(text) as { ticketId?: unknown; url?: unknown };
    if (typeof parsed.ticketId === 'string' && parsed.ticketId) {
      return { externalId: parsed.ticketId, url: typeof parsed.url === 'string' ? parsed.url : null };
    }
  } catch {
    // A non-JSON 2xx body is fine: the incident key stands in as the ticket id.
  }
  return undefined;
}
