/**
 * The HTTP client all HTTP desks share, against a real server: the failure classification table,
 * and redaction of every credential it knows, even when a desk echoes one back.
 */
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeskError } from '../../collector/desk/deskAdapter.js';
import { createDeskHttpClient } from '../../collector/desk/deskHttpClient.js';

const SECRET = 'http-client-secret-do-not-leak';

describe('desk HTTP client', () => {
  let answer = { status: 200, body: '{}', headers: {} as Record<string, string> };
  const server = createServer((_req, res) => res.writeHead(answer.status, answer.headers).end(answer.body));
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));
  const client = () => createDeskHttpClient({ desk: 'd', baseUrl: url, timeoutMs: 1000, headers: { authorization: `token ${SECRET}` }, secrets: [SECRET], clock: { nowMs: () => 0 } });

  it.each([
    [429, { 'retry-after': '12' }, 'TRIPLINE_DESK_RATE_LIMITED', true, 12], // rate limited: retry after the desk's delay
    [500, {}, 'TRIPLINE_DESK_SERVER_ERROR', true, undefined], // desk broken: retry with backoff
    [503, { 'retry-after': '3' }, 'TRIPLINE_DESK_SERVER_ERROR', true, 3], // maintenance with a hint
    [401, {}, 'TRIPLINE_DESK_AUTH_FAILED', false, undefined], // wrong credential: retrying cannot help
    [403, {}, 'TRIPLINE_DESK_AUTH_FAILED', false, undefined], // not allowed: retrying cannot help
    [404, {}, 'TRIPLINE_DESK_REJECTED', false, undefined], // no such thing
    [422, {}, 'TRIPLINE_DESK_REJECTED', false, undefined], // the desk refuses the content
  ])('HTTP %i -> %s (retryable %s)', async (status, headers, code, retryable, retryAfterSeconds) => {
    answer = { status, headers, body: `{"error":"nope","echo":"${SECRET}","basic":"${Buffer.from(SECRET).toString('base64')}"}` };
    const error = (await client().send({ method: 'POST', path: '/x?q=1', body: {} }).catch((e: unknown) => e)) as DeskError;
    expect(error).toBeInstanceOf(DeskError);
    expect(error).toMatchObject({ code, retryable });
    expect(error.details.retryAfterSeconds).toBe(retryAfterSeconds);
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(Buffer.from(SECRET).toString('base64'));
    expect(error.message).toContain('[redacted]');
  });

  it('a status the caller accepts is returned, not thrown', async () => {
    answer = { status: 404, headers: {}, body: '{"message":"Not Found"}' };
    expect(await client().send({ method: 'GET', path: '/t/1', accept: [404] })).toMatchObject({ status: 404, json: { message: 'Not Found' } });
  });

  it('no answer in time is a retryable timeout', async () => {
    const slow = createServer(() => undefined);
    await new Promise<void>((ok) => slow.listen(0, '127.0.0.1', ok));
    const port = (slow.address() as { port: number }).port;
    const c = createDeskHttpClient({ desk: 'd', baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 200, headers: {}, secrets: [], clock: { nowMs: () => 0 } });
    await expect(c.send({ method: 'GET', path: '/' })).rejects.toMatchObject({ code: 'TRIPLINE_DESK_TIMEOUT', retryable: true });
    slow.closeAllConnections();
    await new Promise<void>((ok) => slow.close(() => ok()));
  });
});
