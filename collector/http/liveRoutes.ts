/**
 * GET /api/v1/events: the live bus (../live/liveEvents.ts) as server-sent events, for the console
 * (EventSource with its session cookie) or any viewer token. The stream opens with a `hello` event
 * carrying the id of the newest change, so a reconnect's `Last-Event-ID` always names a point; a
 * reconnect gets the events it missed from the ring, or `resync` when its id is too old (refetch).
 * Idle streams get a comment every heartbeat, which also re-checks the session or token: a stream
 * ends when its session ends (sign-out ends it at once) or its token is revoked. Streams are capped
 * per collector and per session or token (429), a client that does not read is cut off rather than
 * buffered for, and every stream ends when the collector shuts down, so closing never waits on one.
 */
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LiveEvent, LiveEvents } from '../live/liveEvents.js';
import type { AccessControl } from './accessControl.js';
import { bearer } from './agentAuthenticator.js';
import { principalOf } from './apiAccess.js';
import { ApiError } from './apiErrors.js';
import { ErrorSchema } from './apiSchemas.js';
import { cookieValue, SESSION_COOKIE, type ConsoleSessions } from './consoleSessions.js';

export const EVENTS_PATH = '/api/v1/events';

export interface LiveRoutesOptions {
  events: LiveEvents;
  access: AccessControl;
  sessions: ConsoleSessions;
  /** collector.console.live */
  limits: { maxStreams: number; maxStreamsPerSession: number; heartbeatMs: number };
}

/** The open streams, for sign-out. */
export interface LiveStreams {
  /** Ends the streams of a console session (its cookie's value). */
  endSession(sessionId: string | undefined): void;
}

/** Pending output past which a stream that is not read is ended (its client reconnects and catches up). */
const MAX_BUFFERED_BYTES = 1 << 20;
/** How long an ended stream's connection may take to flush its last event and close before it is destroyed. */
const SOCKET_LINGER_MS = 2000;
/** How long EventSource waits before reconnecting, in ms. */
const RETRY_MS = 3000;

interface OpenStream {
  owner: string;
  end(reason: string): void;
}

export function registerLiveRoutes(app: FastifyInstance, options: LiveRoutesOptions): LiveStreams {
  const { events, limits } = options;
  const open = new Set<OpenStream>();
  const countOf = (owner: string) => [...open].filter((s) => s.owner === owner).length;

  /** Whose stream a request opens, and how to tell later that it may still listen. */
  const ownerOf = (request: FastifyRequest): { owner: string; stillAllowed(): boolean } => {
    const token = bearer(request.headers.authorization);
    if (token !== undefined) return { owner: `token:${principalOf(request).name}`, stillAllowed: () => options.access.principalOfToken(token) !== undefined };
    const sessionId = cookieValue(request.headers.cookie, SESSION_COOKIE);
    return { owner: sessionOwner(sessionId), stillAllowed: () => options.sessions.find(sessionId) !== undefined };
  };

  // The server's close waits for every answer in progress: each stream's ends now.
  app.addHook('preClose', async () => {
    for (const stream of [...open]) stream.end('the collector is shutting down');
  });

  app.get<{ Querystring: { lastEventId?: string } }>(
    EVENTS_PATH,
    {
      exposeHeadRoute: false,
      config: { access: 'viewer' },
      schema: {
        summary: 'Live changes as server-sent events: incident opened, acknowledged, resolved or changed',
        description:
          'text/event-stream. Events: `hello` (first; its id is where the stream starts), `incident.opened`, `incident.acknowledged`, `incident.resolved`, `incident.changed` ' +
          '(data: `{"incident": {id, status, severity, host, ruleName, summary, openedAt, updatedAt, resolvedAt}}`), `resync` (the Last-Event-ID is older than the ' +
          'events kept: refetch what is shown) and `end` (the stream ends: signed out, session expired, shutdown). A comment line is sent every heartbeat. ' +
          'Send the last id seen in the Last-Event-ID header (EventSource does on reconnect) or `lastEventId` to get what was missed. ' +
          'At most collector.console.live.maxStreams open streams, and maxStreamsPerSession per console session or token: more answer 429.',
        querystring: Type.Object({ lastEventId: Type.Optional(Type.String({ maxLength: 64, description: 'As the Last-Event-ID header, for clients that cannot set it' })) }, { additionalProperties: false }),
        response: {
          200: { description: 'A text/event-stream that stays open', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          401: ErrorSchema,
          403: ErrorSchema,
          429: ErrorSchema,
        },
      },
    },
    async (request, reply) => {
      const { owner, stillAllowed } = ownerOf(request);
      if (open.size >= limits.maxStreams) {
        reply.header('retry-after', '30');
        throw new ApiError('TRIPLINE_RATE_LIMITED', `${limits.maxStreams} live streams are open on this collector already (collector.console.live.maxStreams); poll instead or retry later`);
      }
      if (countOf(owner) >= limits.maxStreamsPerSession) {
        reply.header('retry-after', '30');
        throw new ApiError('TRIPLINE_RATE_LIMITED', `${limits.maxStreamsPerSession} live streams are open for this session or token already (collector.console.live.maxStreamsPerSession); close one or poll instead`);
      }
      const lastHeader = request.headers['last-event-id'];
      const lastEventId = (typeof lastHeader === 'string' && lastHeader !== '' ? lastHeader : undefined) ?? request.query.lastEventId;

      const body = new PassThrough();
      const socket = request.raw.socket;
      const write = (text: string): void => {
        if (body.writableEnded) return;
        body.write(text);
        if (body.writableLength > MAX_BUFFERED_BYTES) stream.end('the client did not read its stream');
      };
      let heartbeat: NodeJS.Timeout | undefined;
      let unsubscribe = (): void => undefined;
      const stream: OpenStream = {
        owner,
        end(reason) {
          if (!open.delete(stream)) return;
          clearInterval(heartbeat);
          unsubscribe();
          if (!body.writableEnded) body.end(frame('end', undefined, { reason }));
          // The connection goes with its stream; one whose client does not take the last bytes is cut.
          reply.raw.shouldKeepAlive = false;
          setTimeout(() => socket.destroy(), SOCKET_LINGER_MS).unref();
        },
      };
      open.add(stream);
      request.raw.once('close', () => stream.end('the client went away'));
      reply.raw.once('close', () => stream.end('the client went away'));

      write(`retry: ${RETRY_MS}\n\n`);
      write(frame('hello', events.currentId(), {}));
      if (lastEventId !== undefined) {
        const missed = events.since(lastEventId);
        if (missed === 'too-old') write(frame('resync', events.currentId(), { reason: `event ${lastEventId.slice(0, 64)} is older than the events kept; refetch` }));
        else for (const event of missed) write(eventFrame(event));
      }
      unsubscribe = events.subscribe((event) => write(eventFrame(event)));
      heartbeat = setInterval(() => {
        if (!stillAllowed()) return stream.end('the session ended or the token was revoked');
        write(': heartbeat\n\n');
      }, limits.heartbeatMs);
      heartbeat.unref();

      return reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-store').header('x-accel-buffering', 'no').send(body);
    },
  );

  return {
    endSession(sessionId) {
      if (sessionId === undefined || sessionId === '') return;
      const owner = sessionOwner(sessionId);
      for (const stream of [...open]) if (stream.owner === owner) stream.end('signed out');
    },
  };
}

/** A session's streams are kept under a digest of its id, never the id. */
function sessionOwner(sessionId: string | undefined): string {
  return `session:${createHash('sha256')
    .update(sessionId ?? '')
    .digest('base64url')}`;
}

function eventFrame(event: LiveEvent): string {
  return frame(event.type, event.id, { incident: event.incident });
}

/** One server-sent event; the data is one line of JSON. */
function frame(type: string, id: string | undefined, data: unknown): string {
  return `event: ${type}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`;
}
