/**
 * Lets the API's server close promptly. Node's `server.close()` closes kept-alive connections that
 * sit between requests, but not connections that are open with no request yet (clients such as
 * undici open spare ones) or that finish a request after the close began: each of those would
 * hold the close for up to the keep-alive timeout. On close, this destroys every connection with
 * no request in flight, and closes each of the others once its answer is sent, so a report being
 * received is still answered and acknowledged.
 */
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

export function registerGracefulClose(app: FastifyInstance): void {
  /** Every open connection and how many of its requests are unanswered. */
  const inFlight = new Map<Socket, number>();
  let closing = false;
  app.server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  app.server.on('request', (request, response) => {
    const socket = request.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    response.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      if (inFlight.has(socket)) inFlight.set(socket, left);
      if (closing && left === 0) socket.destroySoon();
    });
    if (closing) response.shouldKeepAlive = false;
  });
  // Runs after the hooks registered before it (the live streams end there first).
  app.addHook('preClose', async () => {
    closing = true;
    for (const [socket, requests] of inFlight) if (requests === 0) socket.destroy();
  });
}
