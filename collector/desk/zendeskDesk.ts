/**
 * Zendesk Support: tickets of type "incident" with the incident key as `external_id`, created
 * with an `Idempotency-Key` (the one desk that honours one), so a replayed open returns the
 * first ticket; a lost id is found again by `external_id`. Zendesk allows at most 30 updates per
 * ticket in 10 minutes, which is why the outbox coalesces updates and rate-limits each desk.
 */
import type { ZendeskDeskConfig } from '../../config/deskConfigSchema.js';
import type { DeskAdapter, DeskTicketStatus, TicketRef } from './deskAdapter.js';
import { badResponse, createDeskHttpClient, field } from './deskHttpClient.js';
import { zendeskPriority } from './deskPriority.js';
import { ticketText } from './ticketText.js';

/** Zendesk's statuses mapped onto Tripline's. */
export function zendeskStatus(status: string): DeskTicketStatus {
  switch (status) {
    case 'new':
    case 'open':
    case 'pending':
    case 'hold':
      return 'open';
    case 'solved':
      return 'resolved';
    case 'closed':
      return 'closed';
    default:
      return 'unknown';
  }
}

export function createZendeskDesk(config: ZendeskDeskConfig, clock: { nowMs(): number }): DeskAdapter {
  if (!config.secret) throw new Error(`desk "${config.name}": no API token (set secret or the environment variable)`);
  const base = config.url.replace(/\/+$/, '');
  const http = createDeskHttpClient({
    desk: config.name,
    baseUrl: `${base}/api/v2`,
    timeoutMs: config.timeout,
    headers: { authorization: `Basic ${Buffer.from(`${config.user}/token:${config.secret}`).toString('base64')}` },
    secrets: [config.secret],
    clock,
  });
  const ref = (id: unknown): TicketRef => ({ externalId: String(id), url: `${base}/agent/tickets/${String(id)}` });
  const path = (ticket: TicketRef) => `/tickets/${encodeURIComponent(ticket.externalId)}`;
  const note = (body: string) => ({ body, public: false });
  const statusOf = async (ticket: TicketRef) => {
    const response = await http.send({ method: 'GET', path: path(ticket), accept: [404] });
    return response.status === 404 ? undefined : String(field(response.json, 'ticket', 'status') ?? '');
  };
  const put = (ticket: TicketRef, change: Record<string, unknown>) => http.send({ method: 'PUT', path: path(ticket), body: { ticket: change } });

  return {
    name: config.name,
    type: 'zendesk',
    async open(incident, context) {
      const response = await http.send({
        method: 'POST',
        path: '/tickets',
        headers: { 'idempotency-key': context.deliveryId },
        body: {
          ticket: {
            subject: incident.summary,
            comment: note(ticketText(incident)),
            priority: zendeskPriority(incident),
            type: 'incident',
            external_id: incident.key,
            tags: config.tags,
          },
        },
      });
      const id = field(response.json, 'ticket', 'id');
      if (id === undefined || id === null) throw badResponse(config.name, 'create answered without a ticket id');
      return ref(id);
    },
    async update(incident, ticket) {
      await put(ticket, { comment: note(`Tripline update (${incident.status}):\n\n${ticketText(incident)}`), priority: zendeskPriority(incident) });
    },
    async resolve(incident, ticket) {
      const status = await statusOf(ticket);
      if (status !== undefined && zendeskStatus(status) !== 'open') return;
      await put(ticket, { status: 'solved', comment: note(`Tripline: the problem cleared at ${incident.resolvedAt ?? 'an unknown time'}.`) });
    },
    async reopen(incident, ticket) {
      await put(ticket, { status: 'open', comment: note(`Tripline: the problem is back (${incident.summary}).`) });
    },
    async comment(_incident, ticket, text) {
      await put(ticket, { comment: note(text) });
    },
    async link() {
      return 'unsupported' as const;
    },
    async findByKey(incidentKey) {
      const response = await http.send({ method: 'GET', path: `/tickets?external_id=${encodeURIComponent(incidentKey)}` });
      const tickets = field(response.json, 'tickets');
      if (!Array.isArray(tickets) || tickets.length === 0) return undefined;
      return ref(field(tickets.at(-1), 'id'));
    },
    async fetchTicket(ticket) {
      const status = await statusOf(ticket);
      return status === undefined ? undefined : { status: zendeskStatus(status), deskStatus: status };
    },
  };
}
