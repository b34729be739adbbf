/**
 * A client error answered before its request's body has all arrived (a 413 for a Content-Length
 * over `collector.maxBodyBytes`, or for a body that passed the limit midway) keeps its connection,
 * and the rest of the body is read into nothing.
 *
 * Fastify answers such an error with `Connection: close`. Closing a socket while bytes of the
 * client are still unread makes the kernel send a reset, and a client still writing its body then
 * gets EPIPE or ECONNRESET, often before it has read the answer (the answer can even be discarded
 * from its receive buffer): an agent would log a network failure and retry the same bytes instead
 * of reading "too large" and the place. RFC 9112 §9.6 asks a closing server for a "lingering
 * close" for this reason; keeping the connection and reading the body out is the same remedy and
 * lets the client send its next request on it.
 *
 * The reading is bounded: a body declared longer than the drain limit is left to Fastify (closed
 * at once, as before), one of unknown length (chunked) is closed when the limit is passed, and a
 * body sent too slowly is ended by `collector.limits.requestTimeout` like any other.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The most bytes of a refused body read out to keep its connection: four times the body limit, at least 4 MiB. */
export function drainLimitBytes(maxBodyBytes: number): number {
  return Math.max(4 * maxBodyBytes, 4 * 1024 * 1024);
}

export function registerUnreadBodyDrain(app: FastifyInstance, maxBodyBytes: number): void {
  const limit = drainLimitBytes(maxBodyBytes);
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!request.raw.complete && reply.statusCode >= 400 && reply.statusCode < 500 && reply.getHeader('connection') === 'close') keepReading(request, reply, limit);
    done(null, payload);
  });
}

/** Takes back the answer's `Connection: close` and reads the rest of the body into nothing, up to `limit` bytes. */
function keepReading(request: FastifyRequest, reply: FastifyReply, limit: number): void {
  const declared = request.headers['content-length'];
  if (declared !== undefined && !(Number(declared) <= limit)) return;
  const body = request.raw;
  reply.removeHeader('connection');
  // Whatever read the body before the error (a gunzip stream, the parser's listeners) reads no more.
  body.unpipe();
  body.removeAllListeners('data');
  let read = 0;
  body.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read > limit) body.socket.destroy();
  });
  body.resume();
}
