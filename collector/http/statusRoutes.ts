/**
 * The status page and its notice. `GET /status` (HTML) and `GET /status.json` are public and
 * read-only, served only when `collector.statusPage.enabled`; they answer the public view and
 * nothing else (statusOperations.ts). The notice is read by viewers and set or cleared by operators
 * (`/api/v1/status/notice`), audited under the token's name.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Operations } from '../operations/createOperations.js';
import { principalOf } from './apiAccess.js';
import { ApiError } from './apiErrors.js';
import { ErrorSchema } from './apiSchemas.js';
import { renderStatusPage, STATUS_PAGE_CSP } from './statusPageHtml.js';

const State = Type.Union([Type.Literal('operational'), Type.Literal('degraded'), Type.Literal('outage')]);
const StatusPageSchema = Type.Object({
  overall: State,
  notice: Type.Union([Type.Object({ text: Type.String(), at: Type.String({ format: 'date-time' }) }), Type.Null()]),
  services: Type.Array(Type.Object({ name: Type.String(), description: Type.String(), state: State, history: Type.Array(Type.Object({ date: Type.String(), state: State })) })),
  generatedAt: Type.String({ format: 'date-time' }),
});
const NoticeSchema = Type.Object({ text: Type.String(), setBy: Type.String(), setAt: Type.String({ format: 'date-time' }) });
const NoticeBody = Type.Object({ text: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false });

export interface StatusRoutesOptions {
  operations: Operations;
  operationsFor: (request: FastifyRequest) => Operations;
  /** `collector.statusPage`: whether the public page is served, and its heading. */
  page: { enabled: boolean; title: string };
}

export function registerStatusRoutes(app: FastifyInstance, { operations, operationsFor, page }: StatusRoutesOptions): void {
  if (!page.enabled) {
    // Said plainly, rather than answered by the console's pages.
    for (const path of ['/status', '/status.json']) {
      app.get(path, { config: { access: 'public' }, schema: { hide: true } }, async () => {
        throw new ApiError('TRIPLINE_NOT_FOUND', 'the status page is off: set collector.statusPage.enabled');
      });
    }
  } else {
    const headers = { 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };
    app.get('/status', { config: { access: 'public' }, schema: { summary: 'The public status page (HTML): services, their state, 90 days of history, the notice' } }, async (_request, reply) =>
      reply.headers({ ...headers, 'content-security-policy': STATUS_PAGE_CSP }).type('text/html; charset=utf-8').send(renderStatusPage(operations.statusPage(), page.title)),
    );
    app.get('/status.json', { config: { access: 'public' }, schema: { summary: 'The public status page as JSON', response: { 200: StatusPageSchema } } }, async (_request, reply) =>
      reply.headers(headers).send(operations.statusPage()),
    );
  }
  app.get('/api/v1/status/notice', { schema: { summary: "The status page's notice with who set it; null when none", response: { 200: Type.Union([NoticeSchema, Type.Null()]) } } }, async () => operations.statusNotice());
  app.put<{ Body: { text: string } }>(
    '/api/v1/status/notice',
    { config: { access: 'operator' }, schema: { summary: "Sets the status page's notice (audited)", body: NoticeBody, response: { 200: NoticeSchema, 400: ErrorSchema } } },
    async (request) => operationsFor(request).setStatusNotice({ text: request.body.text }, principalOf(request).name),
  );
  app.delete(
    '/api/v1/status/notice',
    { config: { access: 'operator' }, schema: { summary: "Clears the status page's notice (audited); 409 when none is set", response: { 200: Type.Object({ cleared: Type.Literal(true) }), 409: ErrorSchema } } },
    async (request) => operationsFor(request).clearStatusNotice(),
  );
}
