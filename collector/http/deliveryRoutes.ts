/**
 * Desk deliveries (outbox rows): list them (dead letters first of all) and retry a dead one.
 * A retry also revives the dead rows after it for the same incident and desk (a resolve that
 * died because its open had), so they are delivered again in order.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { OutboxRow, OutboxState } from '../domain/delivery.js';
import type { Store } from '../store/store.js';
import { DeliverySchema, ErrorSchema } from './apiSchemas.js';
import { requireBearer } from './requireBearer.js';
import { ApiError } from './apiErrors.js';

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
export function registerDeliveryRoutes(app: FastifyInstance, store: Store, clock: { nowMs(): number }, operatorTokens: readonly string[]): void {
  const operator = requireBearer(operatorTokens, 'operator', 'incidents.operatorTokens');
  app.get<{ Querystring: { state?: OutboxState; desk?: string; limit?: string } }>('/api/v1/deliveries', { schema: { summary: 'Desk deliveries (the outbox), e.g. ?state=dead for dead letters', querystring: DeliveryListQuery, response: { 200: Type.Object({ deliveries: Type.Array(DeliverySchema) }), 400: ErrorSchema } } }, async (request) => ({
    deliveries: store.listOutbox({ state: request.query.state, desk: request.query.desk, limit: request.query.limit ? Number(request.query.limit) : undefined }).map(deliveryView),
  }));

  app.post<{ Params: { id: string } }>('/api/v1/deliveries/:id/retry', { onRequest: operator, schema: { summary: 'Queue a dead delivery again, with the dead ones after it', params: IdParams, response: { 200: Type.Object({ retried: Type.Array(Type.Integer()), deliveries: Type.Array(DeliverySchema) }), 404: ErrorSchema, 409: ErrorSchema } } }, async (request) => {
    const id = Number(request.params.id);
    const row = store.getOutbox(id);
    if (!row) throw new ApiError('TRIPLINE_NOT_FOUND', `delivery ${id} does not exist`);
    if (row.state !== 'dead') throw new ApiError('TRIPLINE_CONFLICT', `delivery ${id} is ${row.state}, not dead: only dead letters can be retried`);
    const retried = retryDeadDelivery(store, id, clock.nowMs());
    return { retried, deliveries: retried.map((r) => deliveryView(store.getOutbox(r)!)) };
  });
}

/** Revives a dead delivery (and the dead ones after it) and notes it on the incident; returns the revived ids. */
export function retryDeadDelivery(store: Store, id: number, nowMs: number): number[] {
  return store.transaction((tx) => {
    const row = store.getOutbox(id);
    const revived = tx.reviveOutbox(id, nowMs);
    if (row && revived.length > 0) {
      tx.addIncidentEvent({ incidentId: row.incidentId, atMs: nowMs, kind: 'desk-retry', text: `dead ${row.operation} at ${row.desk} queued again by an operator${revived.length > 1 ? ` (with ${revived.length - 1} operation(s) after it)` : ''}`, data: { deliveries: revived } });
    }
    return revived;
  });
}

/** The API's view of a delivery, with ISO times. */
export function deliveryView(row: OutboxRow) {
  return {
    id: row.id,
    incidentId: row.incidentId,
    desk: row.desk,
    operation: row.operation,
    state: row.state,
    attempts: row.attempts,
    lastError: row.lastError,
    createdAt: new Date(row.createdAtMs).toISOString(),
    nextAttemptAt: row.state === 'pending' ? new Date(row.nextAttemptAtMs).toISOString() : null,
    deliveredAt: row.deliveredAtMs === null ? null : new Date(row.deliveredAtMs).toISOString(),
  };
}
