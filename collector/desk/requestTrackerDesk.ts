/**
 * Request Tracker 5 over REST2. The incident key goes into a ticket custom field, so a lost
 * ticket id is found again with TicketSQL (and, with `serviceField`, the incident's services go into a
 * second one); the ticket is read back after create because RT
 * silently drops an unknown custom field (201 all the same), and resolves are checked against
 * the ticket's status because RT answers 200 even when it refuses a status change.
 */
import type { RequestTrackerDeskConfig } from '../../config/deskConfigSchema.js';
import { DeskError, type DeskAdapter, type DeskTicketState, type DeskTicketStatus, type TicketRef } from './deskAdapter.js';
import { badResponse, createDeskHttpClient, field } from './deskHttpClient.js';
import { requestTrackerPriority } from './deskPriority.js';
import { ticketText } from './ticketText.js';

/** RT's statuses mapped onto Tripline's. */
export function requestTrackerStatus(status: string): DeskTicketStatus {
  switch (status) {
    case 'new':
    case 'open':
    case 'stalled':
      return 'open';
    case 'resolved':
      return 'resolved';
    case 'rejected':
      return 'rejected';
    case 'deleted':
      return 'closed';
    default:
      return 'unknown';
  }
}

export function createRequestTrackerDesk(config: RequestTrackerDeskConfig, clock: { nowMs(): number }): DeskAdapter {
  if (!config.secret) throw new Error(`desk "${config.name}": no REST2 token (set secret or the environment variable)`);
  const web = config.url.replace(/\/+$/, '');
  const http = createDeskHttpClient({
    desk: config.name,
    baseUrl: `${web}/REST/2.0`,
    timeoutMs: config.timeout,
    headers: { authorization: `token ${config.secret}` },
    secrets: [config.secret],
    clock,
  });
  const serviceField = config.serviceField;
  const ticketUrl = (id: string) => `${web}/Ticket/Display.html?id=${id}`;

  const read = async (id: string) => {
    const response = await http.send({ method: 'GET', path: `/ticket/${encodeURIComponent(id)}`, accept: [404] });
    return response.status === 404 ? undefined : response.json;
  };
  const statusOf = (ticket: unknown) => String(field(ticket, 'Status') ?? '');
  const comment = (id: string, text: string, status?: string) =>
    http.send({ method: 'POST', path: `/ticket/${encodeURIComponent(id)}/comment`, body: { Content: text, ContentType: 'text/plain', ...(status ? { Status: status } : {}) } });

  /** Sets the status and checks that RT really made the change (it answers 200 either way). */
  const setStatus = async (id: string, status: 'resolved' | 'open', note: string) => {
    const before = await read(id);
    if (before === undefined) throw new DeskError('TRIPLINE_DESK_REJECTED', `${config.name}: ticket ${id} does not exist`, false, { status: 404 });
    if (statusOf(before) === status) return;
    if (status === 'resolved' && requestTrackerStatus(statusOf(before)) !== 'open') return;
    await comment(id, note);
    const answer = await http.send({ method: 'PUT', path: `/ticket/${encodeURIComponent(id)}`, body: { Status: status } });
    const after = await read(id);
    if (statusOf(after) !== status) {
      const said = http.redact(Array.isArray(answer.json) ? answer.json.map(String).join('; ') : '');
      throw new DeskError('TRIPLINE_DESK_REJECTED', `${config.name}: ticket ${id} did not become ${status}${said ? `: ${said.slice(0, 200)}` : ''}`, false);
    }
  };

  return {
    name: config.name,
    type: 'request-tracker',
    async open(incident) {
      const created = await http.send({
        method: 'POST',
        path: '/ticket',
        body: {
          Queue: config.queue,
          Subject: incident.summary,
          Content: ticketText(incident),
          ContentType: 'text/plain',
          Priority: requestTrackerPriority(incident),
          CustomFields: { [config.customField]: incident.key, ...(serviceField && incident.services.length > 0 ? { [serviceField]: incident.services } : {}) },
        },
      });
      const id = field(created.json, 'id');
      if ((typeof id !== 'string' && typeof id !== 'number') || String(id) === '') throw badResponse(config.name, 'create answered without a ticket id');
      const ticket = { externalId: String(id), url: ticketUrl(String(id)) };
      const stored = await read(ticket.externalId);
      if (!hasKey(stored, config.customField, incident.key)) {
        await comment(ticket.externalId, `Tripline could not store its incident key: custom field "${config.customField}" is not applied to queue "${config.queue}". Closing this ticket so that no untracked ticket stays open.`, 'rejected');
        throw new DeskError('TRIPLINE_DESK_REJECTED', `${config.name}: custom field "${config.customField}" is not applied to queue "${config.queue}"; create it in RT`, false);
      }
      if (serviceField && incident.services.length > 0 && !hasKey(stored, serviceField, incident.services[0]!)) {
        await comment(ticket.externalId, `Tripline could not store the service (${incident.services.join(', ')}): custom field "${serviceField}" is not applied to queue "${config.queue}".`);
      }
      return ticket;
    },
    async update(incident, ticket) {
      await comment(ticket.externalId, `Tripline update (${incident.status}):\n\n${ticketText(incident)}`);
    },
    async resolve(incident, ticket) {
      await setStatus(ticket.externalId, 'resolved', `Tripline: the problem cleared at ${incident.resolvedAt ?? 'an unknown time'}; resolving.`);
    },
    async reopen(incident, ticket) {
      await setStatus(ticket.externalId, 'open', `Tripline: the problem is back (${incident.summary}); re-opening.`);
    },
    async comment(_incident, ticket, text) {
      await comment(ticket.externalId, text);
    },
    async link(_incident, ticket, parent) {
      // The host incident's ticket becomes a child (MemberOf) of the service's; RT keeps one link however often it is added.
      const answer = await http.send({ method: 'PUT', path: `/ticket/${encodeURIComponent(ticket.externalId)}`, body: { AddParent: parent.ticket.externalId } });
      if (!hasParent(await read(ticket.externalId), parent.ticket.externalId)) {
        const said = http.redact(Array.isArray(answer.json) ? answer.json.map(String).join('; ') : '');
        throw new DeskError('TRIPLINE_DESK_REJECTED', `${config.name}: ticket ${ticket.externalId} did not become a child of ${parent.ticket.externalId}${said ? `: ${said.slice(0, 200)}` : ''}`, false);
      }
      return 'linked';
    },
    async findByKey(incidentKey) {
      const query = `CF.{${config.customField}} = '${incidentKey.replace(/['\\]/g, '\\$&')}'`;
      const response = await http.send({ method: 'GET', path: `/tickets?query=${encodeURIComponent(query)}&orderby=id&order=DESC&per_page=20` });
      const items = field(response.json, 'items');
      if (!Array.isArray(items) || items.length === 0) return undefined;
      const id = String(field(items[0], 'id'));
      return { externalId: id, url: ticketUrl(id) };
    },
    async fetchTicket(ticket: TicketRef): Promise<DeskTicketState | undefined> {
      const found = await read(ticket.externalId);
      if (found === undefined) return undefined;
      const deskStatus = statusOf(found);
      return { status: requestTrackerStatus(deskStatus), deskStatus };
    },
  };
}

/** Whether the ticket (as REST2 shows it, with its links among the hyperlinks) is a child of `parentId`. */
function hasParent(ticket: unknown, parentId: string): boolean {
  const links = field(ticket, '_hyperlinks');
  return Array.isArray(links) && links.some((link) => field(link, 'ref') === 'parent' && String(field(link, 'id')) === parentId);
}

/** Whether RT stored the incident key in the custom field (REST2 lists custom fields with their values). */
function hasKey(ticket: unknown, customField: string, key: string): boolean {
  const fields = field(ticket, 'CustomFields');
  if (Array.isArray(fields)) {
    return fields.some((f) => field(f, 'name') === customField && (field(f, 'values') as unknown[] | undefined)?.includes(key));
  }
  const values = field(fields, customField);
  return Array.isArray(values) ? values.includes(key) : values === key;
}

