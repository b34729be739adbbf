/**
 * The webhook desk against a real HTTP server on loopback: the documented envelope and signature,
 * and how each kind of failure is classified (retry or not), with no secret in any error.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeskError } from '../../collector/desk/deskAdapter.js';
import { createWebhookDesk, signWebhook, type WebhookPayload } from '../../collector/desk/webhookDesk.js';
import { parseDurationMs } from '../../config/duration.js';

const SECRET = 'webhook-test-secret-do-not-leak';
const HEADER_SECRET = 'header-api-key-do-not-leak';
const incident = {
  id: 1,
  key: 'tripline-abc-1',
  ruleName: 'port_down',
  severity: 'critical',
  status: 'open',
  summary: 'Port ssh on web-01 is down',
  description: '',
  host: 'web-01',
  labels: { host: 'web-01', target: 'ssh' },
  openedAt: '2026-11-24T06:00:00.000Z',
  resolvedAt: null,
  priority: 'P1',
  impact: 'high',
  urgency: 'high',
  services: ['payments'],
  facts: {
    metric: 'tcp_up', value: 0, comparison: 'below' as const, threshold: 1, unit: 'boolean', breachStartedAt: '2026-11-24T05:59:30.000Z', hostAddresses: ['10.0.0.5'],
    checkTarget: 'tcp:ssh', checkOutput: 'cannot connect to 10.0.0.5:22: ECONNREFUSED', runbookUrl: null, link: null, occurrences: 1, acknowledged: null, resolved: null,
  },
};

describe('webhook desk', () => {
  let url = '';
  let respond: (request: IncomingMessage, body: string, response: ServerResponse) => void = () => undefined;
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    respond(request, Buffer.concat(chunks).toString('utf8'), response);
  });
  const desk = () => createWebhookDesk({ type: 'webhook', name: 'ops', url, secret: SECRET, timeout: parseDurationMs('300ms'), headers: { 'x-api-key': HEADER_SECRET }, rateLimitPerMinute: 600 }, { nowMs: () => Date.parse('2026-11-24T06:00:00Z') });
  const context = { deliveryId: 'tripline-abc-1-7', attempt: 1 };

  beforeAll(async () => {
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook?token=${SECRET}`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it('posts the documented envelope, signed, with the idempotency key, and takes the ticket id from the answer', async () => {
    let seen: { headers: IncomingMessage['headers']; body: string } | undefined;
    respond = (request, body, response) => {
      seen = { headers: request.headers, body };
      response.writeHead(201, { 'content-type': 'application/json' }).end('{"ticketId":"T-42","url":"https://desk/T-42"}');
    };
    const ticket = await desk().open(incident, context);
    expect(ticket).toEqual({ externalId: 'T-42', url: 'https://desk/T-42' });
    const payload = JSON.parse(seen!.body) as WebhookPayload;
    expect(payload).toMatchObject({ version: 1, operation: 'open', deliveryId: context.deliveryId, incident, ticket: null });
    expect(seen!.headers['idempotency-key']).toBe(context.deliveryId);
    expect(seen!.headers['x-api-key']).toBe(HEADER_SECRET);
    expect(seen!.headers['x-tripline-signature']).toBe(signWebhook(SECRET, String(seen!.headers['x-tripline-timestamp']), seen!.body));
  });

  it('falls back to the incident key when the answer names no ticket', async () => {
    respond = (_request, _body, response) => response.writeHead(204).end();
    expect(await desk().open(incident, context)).toEqual({ externalId: incident.key, url: null });
  });

  it('sends resolve with the ticket it was given', async () => {
    let payload: WebhookPayload | undefined;
    respond = (_request, body, response) => {
      payload = JSON.parse(body) as WebhookPayload;
      response.writeHead(200).end();
    };
    await desk().resolve({ ...incident, status: 'resolved' }, { externalId: 'T-42', url: null }, context);
    expect(payload).toMatchObject({ operation: 'resolve', ticket: { externalId: 'T-42' }, incident: { status: 'resolved' } });
  });

  // Each row: what the desk answers, and the error the adapter must throw.
  const failures: Array<{ name: string; answer: (response: ServerResponse) => void; code: string; retryable: boolean; retryAfterSeconds?: number }> = [
    // Rate limited, with the desk's own wait time.
    { name: '429 with Retry-After', answer: (r) => r.writeHead(429, { 'retry-after': '7' }).end(), code: 'TRIPLINE_DESK_RATE_LIMITED', retryable: true, retryAfterSeconds: 7 },
    // A server error is worth retrying.
    { name: '500', answer: (r) => r.writeHead(500).end('boom'), code: 'TRIPLINE_DESK_SERVER_ERROR', retryable: true },
    { name: '503', answer: (r) => r.writeHead(503).end(), code: 'TRIPLINE_DESK_SERVER_ERROR', retryable: true },
    // Our request is wrong: retrying cannot help.
    { name: '400', answer: (r) => r.writeHead(400).end('bad field'), code: 'TRIPLINE_DESK_REJECTED', retryable: false },
    { name: '404', answer: (r) => r.writeHead(404).end(), code: 'TRIPLINE_DESK_REJECTED', retryable: false },
    // Credentials refused: not retryable, and never echoed.
    { name: '401', answer: (r) => r.writeHead(401).end(), code: 'TRIPLINE_DESK_AUTH_FAILED', retryable: false },
    // No answer within the timeout.
    { name: 'a hang', answer: () => undefined, code: 'TRIPLINE_DESK_TIMEOUT', retryable: true },
  ];

  it.each(failures)('classifies $name as $code (retryable: $retryable) without leaking secrets', async ({ answer, code, retryable, retryAfterSeconds }) => {
    respond = (_request, _body, response) => answer(response);
    const error = await desk().open(incident, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeskError);
    expect(error).toMatchObject({ code, retryable });
    if (retryAfterSeconds !== undefined) expect((error as DeskError).details.retryAfterSeconds).toBe(retryAfterSeconds);
    const text = `${(error as Error).message} ${JSON.stringify(error)}`;
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(HEADER_SECRET);
  });

  it('reports a refused connection as retryable, without the URL query string', async () => {
    const closed = createWebhookDesk({ type: 'webhook', name: 'ops', url: `http://127.0.0.1:1/hook?token=${SECRET}`, timeout: parseDurationMs('1s'), headers: {}, rateLimitPerMinute: 600 }, { nowMs: Date.now });
    const error = (await closed.open(incident, context).catch((e: unknown) => e)) as DeskError;
    expect(error).toMatchObject({ code: 'TRIPLINE_DESK_UNREACHABLE', retryable: true });
    expect(error.message).toContain('http://127.0.0.1:1/hook');
    expect(error.message).not.toContain(SECRET);
  });
});
