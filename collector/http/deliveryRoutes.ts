/**
 * Desk deliveries (outbox rows) over the API: list them (dead letters first of all) and retry a
 * dead one, with the dead ones after it (see the delivery operations).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { OutboxState } from '../domain/delivery.js';
import type { Operations } from '../operations/createOperations.js';
import { DeliverySchema, ErrorSchema } from './apiSchemas.js';

const DeliveryListQuery = Type.Object(
  {
    state: Type.Optional(Type.Union(['pending', 'delivered', 'dead', 'superseded'].map((s) => Type.Literal(s)))),
    desk: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9-]*$' })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$' })),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,15}$' }) });

/** Delivery routes; the retry is a write, so it needs an operator token like the incident actions. */
export function registerDeliveryRoutes(app: FastifyInstance, operations: Operations, operator: onRequestHookHandler, operationsFor: (request: FastifyRequest) => Operations): void {
  app.get<{ Querystring: { state?: OutboxState; desk?: string; limit?: string } }>('/api/v1/deliveries', { schema: { summary: 'Desk deliveries (the outbox), e.g. ?state=dead for dead letters', querystring: DeliveryListQuery, response: { 200: Type.Object({ deliveries: Type.Array(DeliverySchema) }), 400: ErrorSchema } } }, async (request) => ({
    deliveries: operations.listDeliveries({ state: request.query.state, desk: request.query.desk, limit: request.query.limit ? Number(request.query.limit) : undefined }),
  }));

  app.post<{ Params: { id: string } }>('/api/v1/deliveries/:id/retry', { onRequest: operator, schema: { summary: 'Queue a dead delivery again, with the dead ones after it', params: IdParams, response: { 200: Type.Object({ retried: Type.Array(Type.Integer()), deliveries: Type.Array(DeliverySchema) }), 404: ErrorSchema, 409: ErrorSchema } } }, async (request) =>
    operationsFor(request).retryDelivery(Number(request.params.id)),
  );
}
