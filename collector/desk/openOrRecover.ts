/**
 * Opens a ticket at most once. A retried open (attempt > 1) may have reached the desk before
 * its answer was lost, so the desk is first searched by incident key; desks that cannot search
 * get the same idempotency key again instead.
 */
import type { DeliveryContext, DeskAdapter, DeskIncident, TicketRef } from './deskAdapter.js';

export interface OpenOutcome {
  ticket: TicketRef;
  /** True when an earlier attempt's ticket was found instead of opening one. */
  recovered: boolean;
}

export async function openOrRecover(desk: DeskAdapter, incident: DeskIncident, context: DeliveryContext): Promise<OpenOutcome> {
  if (context.attempt > 1) {
    const found = await desk.findByKey(incident.key);
    if (found && found !== 'unsupported') return { ticket: found, recovered: true };
  }
  return { ticket: await desk.open(incident, context), recovered: false };
}
