/**
 * A webhook receiver that behaves as the README asks receivers to: it checks the signature,
 * dedupes on Idempotency-Key, and keeps one ticket per incident key with its state.
 */
import { signWebhook, type WebhookPayload } from '../../../collector/desk/webhookDesk.js';
import { startFakeHttpServer, type FakeHttpServer } from './fakeHttpServer.js';

export interface WebhookDeskFake extends FakeHttpServer {
  /** One ticket per incident key, with the incident as the last operation on it carried it. */
  tickets: Map<string, { id: string; status: 'open' | 'resolved'; comments: string[]; incident: WebhookPayload['incident'] }>;
  /** Every update received: the incident key and the severity it carried. */
  updates: Array<{ key: string; severity: string }>;
}

export async function startWebhookDeskFake(secret: string): Promise<WebhookDeskFake> {
  const tickets: WebhookDeskFake['tickets'] = new Map();
  const seen = new Map<string, unknown>();
  const updates: WebhookDeskFake['updates'] = [];
  const server = await startFakeHttpServer(
    [
      [
        'POST',
        /^\/hook$/,
        (request) => {
          const key = String(request.headers['idempotency-key'] ?? '');
          if (seen.has(key)) return { status: 200, body: seen.get(key) };
          const payload = request.body as WebhookPayload;
          let ticket = tickets.get(payload.incident.key);
          switch (payload.operation) {
            case 'open':
              ticket ??= { id: `WH-${tickets.size + 1}`, status: 'open', comments: [], incident: payload.incident };
              tickets.set(payload.incident.key, ticket);
              break;
            case 'resolve':
            case 'reopen':
            case 'update':
            case 'comment':
              if (!ticket) return { status: 404, body: { error: 'no such ticket' } };
              ticket.incident = payload.incident;
              if (payload.operation === 'resolve') ticket.status = 'resolved';
              if (payload.operation === 'reopen') ticket.status = 'open';
              if (payload.operation === 'update') updates.push({ key: payload.incident.key, severity: payload.incident.severity });
              if (payload.comment) ticket.comments.push(payload.comment);
              break;
          }
          const answer = { ticketId: ticket.id };
          seen.set(key, answer);
          return { status: 200, body: answer };
        },
      ],
    ],
    (request) => {
      const timestamp = String(request.headers['x-tripline-timestamp'] ?? '');
      return request.headers['x-tripline-signature'] === signWebhook(secret, timestamp, request.rawBody) ? undefined : { status: 401, body: { error: 'bad signature' } };
    },
  );
  return { ...server, tickets, updates };
}
