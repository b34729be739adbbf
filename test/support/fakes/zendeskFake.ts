/**
 * A Zendesk Support fake faithful to the parts of the documented API Tripline uses: tickets
 * (create, show, update, list by external_id), "<email>/token:<token>" Basic auth, the
 * Idempotency-Key header on create (same key and body: the first answer again; same key with
 * another body: 400), and the limit of 30 updates per ticket in 10 minutes (429, Retry-After).
 */
import { basicCredential, startFakeHttpServer, type FakeAnswer, type FakeHttpServer } from './fakeHttpServer.js';

export interface ZendeskFakeTicket {
  id: number;
  subject: string;
  status: string;
  priority: string;
  external_id: string;
  tags: string[];
  comments: string[];
  updates: number[];
}

export interface ZendeskFake extends FakeHttpServer {
  tickets: Map<number, ZendeskFakeTicket>;
}

const UPDATE_LIMIT = 30;
const UPDATE_WINDOW_MS = 10 * 60_000;

export async function startZendeskFake(user: string, token: string, clock: { nowMs(): number } = { nowMs: () => Date.now() }): Promise<ZendeskFake> {
  const tickets = new Map<number, ZendeskFakeTicket>();
  const idempotency = new Map<string, { body: string; answer: FakeAnswer }>();
  const show = (t: ZendeskFakeTicket) => ({ id: t.id, subject: t.subject, status: t.status, priority: t.priority, external_id: t.external_id, tags: t.tags, type: 'incident' });
  const server = await startFakeHttpServer(
    [
      [
        'POST',
        /^\/api\/v2\/tickets(?:\.json)?$/,
        (request) => {
          const key = request.headers['idempotency-key'] as string | undefined;
          const earlier = key ? idempotency.get(key) : undefined;
          if (earlier) {
            if (earlier.body !== request.rawBody) return { status: 400, body: { error: 'IdempotentRequestError', description: 'key reused with another request' } };
            return { ...earlier.answer, headers: { 'x-idempotency-lookup': 'hit' } };
          }
          const input = (request.body as { ticket?: Record<string, unknown> } | undefined)?.ticket;
          const comment = input?.comment as { body?: string } | undefined;
          if (!input || !comment?.body) return { status: 422, body: { error: 'RecordInvalid', details: { description: [{ description: 'Description: cannot be blank' }] } } };
          const ticket: ZendeskFakeTicket = {
            id: tickets.size + 1,
            subject: String(input.subject ?? ''),
            status: 'new',
            priority: String(input.priority ?? 'normal'),
            external_id: String(input.external_id ?? ''),
            tags: (input.tags as string[] | undefined) ?? [],
            comments: [comment.body],
            updates: [],
          };
          tickets.set(ticket.id, ticket);
          const answer = { status: 201, body: { ticket: show(ticket) } };
          if (key) idempotency.set(key, { body: request.rawBody, answer });
          return answer;
        },
      ],
      [
        'GET',
        /^\/api\/v2\/tickets(?:\.json)?$/,
        (request) => {
          const externalId = request.query.get('external_id');
          return { status: 200, body: { tickets: [...tickets.values()].filter((t) => externalId === null || t.external_id === externalId).map(show) } };
        },
      ],
      [
        'GET',
        /^\/api\/v2\/tickets\/(\d+)(?:\.json)?$/,
        (request) => {
          const ticket = tickets.get(Number(request.params[0]));
          return ticket ? { status: 200, body: { ticket: show(ticket) } } : { status: 404, body: { error: 'RecordNotFound' } };
        },
      ],
      [
        'PUT',
        /^\/api\/v2\/tickets\/(\d+)(?:\.json)?$/,
        (request) => {
          const ticket = tickets.get(Number(request.params[0]));
          if (!ticket) return { status: 404, body: { error: 'RecordNotFound' } };
          const now = clock.nowMs();
          ticket.updates = ticket.updates.filter((at) => at > now - UPDATE_WINDOW_MS);
          if (ticket.updates.length >= UPDATE_LIMIT) {
            const retryAfter = Math.ceil((ticket.updates[0]! + UPDATE_WINDOW_MS - now) / 1000);
            return { status: 429, headers: { 'retry-after': String(retryAfter) }, body: { error: 'TooManyUpdates' } };
          }
          const change = (request.body as { ticket?: Record<string, unknown> } | undefined)?.ticket ?? {};
          if (ticket.status === 'closed') return { status: 422, body: { error: 'RecordInvalid', description: 'closed tickets cannot be updated' } };
          ticket.updates.push(now);
          if (typeof change.status === 'string') ticket.status = change.status;
          if (typeof change.priority === 'string') ticket.priority = change.priority;
          const comment = change.comment as { body?: string } | undefined;
          if (comment?.body) ticket.comments.push(comment.body);
          return { status: 200, body: { ticket: show(ticket) } };
        },
      ],
    ],
    (request) => (basicCredential(request.headers) === `${user}/token:${token}` ? undefined : { status: 401, body: { error: "Couldn't authenticate you" } }),
  );
  return { ...server, tickets };
}
