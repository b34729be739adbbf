/**
 * ServiceNow, in one of two modes. `table`: incidents through the Table API, with the incident
 * key in `correlation_id` (ServiceNow does not dedupe on it, so it is only searched to recover a
 * lost sys_id) and a resolve that sets state 6 with the configured close code and notes.
 * `events`: Event Management events whose `message_key` is the incident key, so ServiceNow's own
 * alert rules dedupe; severity 0 (clear) closes the alert. Events can be neither searched nor read.
 */
import type { ServiceNowDeskConfig } from '../../config/deskConfigSchema.js';
import type { DeskAdapter, DeskIncident, DeskTicketStatus, TicketRef } from './deskAdapter.js';
import { badResponse, createDeskHttpClient, field, type DeskHttpClient } from './deskHttpClient.js';
import { serviceNowLevels } from './deskPriority.js';
import { ticketText } from './ticketText.js';

/** Event Management severity: 1 critical, 2 major, 3 minor, 4 warning, 5 info, 0 clear. */
const EVENT_SEVERITY: Record<string, string> = { critical: '1', error: '2', warning: '4', info: '5' };

/** ServiceNow incident states mapped onto Tripline's. */
export function serviceNowStatus(state: string): DeskTicketStatus {
  switch (state) {
    case '1':
    case '2':
    case '3':
      return 'open';
    case '6':
      return 'resolved';
    case '7':
      return 'closed';
    case '8':
      return 'rejected';
    default:
      return 'unknown';
  }
}

export function createServiceNowDesk(config: ServiceNowDeskConfig, clock: { nowMs(): number }): DeskAdapter {
  if (!config.secret) throw new Error(`desk "${config.name}": no password or token (set secret or the environment variable)`);
  const authorization = config.user ? `Basic ${Buffer.from(`${config.user}:${config.secret}`).toString('base64')}` : `Bearer ${config.secret}`;
  const base = config.url.replace(/\/+$/, '');
  const http = createDeskHttpClient({ desk: config.name, baseUrl: base, timeoutMs: config.timeout, headers: { authorization }, secrets: [config.secret], clock });
  return config.mode === 'events' ? eventDesk(config, http) : tableDesk(config, http, base);
}

function tableDesk(config: ServiceNowDeskConfig, http: DeskHttpClient, base: string): DeskAdapter {
  const table = '/api/now/table/incident';
  const ref = (sysId: string): TicketRef => ({ externalId: sysId, url: `${base}/nav_to.do?uri=incident.do?sys_id=${sysId}` });
  const patch = (ticket: TicketRef, body: Record<string, unknown>) => http.send({ method: 'PATCH', path: `${table}/${encodeURIComponent(ticket.externalId)}`, body });
  const state = async (ticket: TicketRef) => {
    const response = await http.send({ method: 'GET', path: `${table}/${encodeURIComponent(ticket.externalId)}?sysparm_fields=sys_id,number,state`, accept: [404] });
    return response.status === 404 ? undefined : String(field(response.json, 'result', 'state') ?? '');
  };
  return {
    name: config.name,
    type: 'servicenow',
    async open(incident) {
      const response = await http.send({
        method: 'POST',
        path: `${table}?sysparm_fields=sys_id,number,state`,
        body: {
          short_description: incident.summary.slice(0, 160),
          description: ticketText(incident),
          ...serviceNowLevels(incident),
          correlation_id: incident.key,
          correlation_display: 'Tripline',
          ...(incident.host ? { cmdb_ci: incident.host } : {}),
          ...(config.assignmentGroup ? { assignment_group: config.assignmentGroup } : {}),
          ...(config.callerId ? { caller_id: config.callerId } : {}),
        },
      });
      const sysId = field(response.json, 'result', 'sys_id');
      if (typeof sysId !== 'string' || !sysId) throw badResponse(config.name, 'create answered without a sys_id');
      return ref(sysId);
    },
    async update(incident, ticket) {
      await patch(ticket, { work_notes: `Tripline update (${incident.status}):\n${ticketText(incident)}`, ...serviceNowLevels(incident) });
    },
    async resolve(incident, ticket) {
      const current = await state(ticket);
      if (current !== undefined && serviceNowStatus(current) !== 'open') return;
      await patch(ticket, { state: '6', close_code: config.closeCode, close_notes: config.closeNotes, work_notes: `Tripline: the problem cleared at ${incident.resolvedAt ?? 'an unknown time'}.` });
    },
    async reopen(incident, ticket) {
      await patch(ticket, { state: '2', work_notes: `Tripline: the problem is back (${incident.summary}).` });
    },
    async comment(_incident, ticket, text) {
      await patch(ticket, { work_notes: text });
    },
    async link(_incident, ticket, parent) {
      await patch(ticket, { parent_incident: parent.ticket.externalId, work_notes: `Tripline: part of service incident ${parent.incident.key} (${parent.incident.summary}).` });
      return 'linked';
    },
    async findByKey(incidentKey) {
      const query = encodeURIComponent(`correlation_id=${incidentKey}^ORDERBYDESCsys_created_on`);
      const response = await http.send({ method: 'GET', path: `${table}?sysparm_query=${query}&sysparm_fields=sys_id,number,state&sysparm_limit=1` });
      const results = field(response.json, 'result');
      if (!Array.isArray(results) || results.length === 0) return undefined;
      return ref(String(field(results[0], 'sys_id')));
    },
    async fetchTicket(ticket) {
      const current = await state(ticket);
      return current === undefined ? undefined : { status: serviceNowStatus(current), deskStatus: current };
    },
  };
}

function eventDesk(config: ServiceNowDeskConfig, http: DeskHttpClient): DeskAdapter {
  const send = async (incident: DeskIncident, severity: string) => {
    await http.send({
      method: 'POST',
      path: '/api/global/em/jsonv2',
      body: {
        records: [
          {
            source: config.eventSource,
            node: incident.host,
            type: incident.ruleName,
            resource: incident.labels.target ?? incident.labels.mount ?? incident.labels.interface ?? '',
            metric_name: incident.ruleName,
            severity,
            description: incident.summary,
            message_key: incident.key,
            additional_info: JSON.stringify({ labels: incident.labels, description: incident.description, status: incident.status, priority: incident.priority, impact: incident.impact, urgency: incident.urgency, services: incident.services, facts: incident.facts }),
            time_of_event: incident.openedAt.replace('T', ' ').slice(0, 19),
          },
        ],
      },
    });
  };
  const severity = (incident: DeskIncident) => EVENT_SEVERITY[incident.severity] ?? '5';
  return {
    name: config.name,
    type: 'servicenow',
    async open(incident) {
      await send(incident, severity(incident));
      return { externalId: incident.key, url: null };
    },
    async update(incident) {
      await send(incident, severity(incident));
    },
    async resolve(incident) {
      await send(incident, '0');
    },
    async reopen(incident) {
      await send(incident, severity(incident));
    },
    async comment() {
      // Events carry no notes; the next event's additional_info carries the incident's state.
    },
    async link() {
      // Alerts are grouped by ServiceNow's own alert correlation rules, not by the sender.
      return 'unsupported' as const;
    },
    async findByKey() {
      return 'unsupported';
    },
    async fetchTicket() {
      return 'unsupported';
    },
  };
}
