/**
 * Jira (Cloud, and Jira Service Management projects) through the REST API v2 (plain-text
 * descriptions). Jira has no idempotency key, so the issue carries a label derived from the
 * incident key; search (`/rest/api/3/search/jql`) is only eventually consistent, so it is used
 * only to recover a lost key, and asked twice before concluding there is no issue. Resolve and
 * re-open pick a transition by configured name, else by the target status category.
 */
import type { JiraDeskConfig } from '../../config/deskConfigSchema.js';
import { DeskError, type DeskAdapter, type DeskTicketState, type TicketRef } from './deskAdapter.js';
import { badResponse, createDeskHttpClient, field } from './deskHttpClient.js';
import { jiraPriority } from './deskPriority.js';
import { ticketText } from './ticketText.js';

/** How long to wait before asking the search index a second time. */
const SEARCH_SETTLE_MS = 1000;

interface Transition {
  id: string;
  name: string;
  category: string;
}

/** A Jira status (name and category key) mapped onto Tripline's. */
export function jiraStatus(name: string, categoryKey: string): DeskTicketState {
  if (categoryKey !== 'done') return { status: categoryKey === 'new' || categoryKey === 'indeterminate' ? 'open' : 'unknown', deskStatus: name };
  if (/won'?t|reject|declin|cancel|invalid|duplicate/i.test(name)) return { status: 'rejected', deskStatus: name };
  if (/closed/i.test(name)) return { status: 'closed', deskStatus: name };
  return { status: 'resolved', deskStatus: name };
}

/** The label that ties an issue to its incident (labels may not contain spaces). */
export function jiraLabel(incidentKey: string): string {
  return incidentKey.replace(/\s+/g, '_').slice(0, 255);
}

export function createJiraDesk(config: JiraDeskConfig, clock: { nowMs(): number }, sleep: (ms: number) => Promise<void> = (ms) => new Promise((ok) => setTimeout(ok, ms))): DeskAdapter {
  if (!config.secret) throw new Error(`desk "${config.name}": no API token (set secret or the environment variable)`);
  const base = config.url.replace(/\/+$/, '');
  const http = createDeskHttpClient({
    desk: config.name,
    baseUrl: base,
    timeoutMs: config.timeout,
    headers: { authorization: `Basic ${Buffer.from(`${config.user}:${config.secret}`).toString('base64')}` },
    secrets: [config.secret],
    clock,
  });
  const linkType = config.parentLinkType ?? 'Relates';
  const issue = (ticket: TicketRef) => `/rest/api/2/issue/${encodeURIComponent(ticket.externalId)}`;
  const ref = (key: string): TicketRef => ({ externalId: key, url: `${base}/browse/${key}` });
  const read = async (ticket: TicketRef): Promise<DeskTicketState | undefined> => {
    const response = await http.send({ method: 'GET', path: `${issue(ticket)}?fields=status`, accept: [404] });
    if (response.status === 404) return undefined;
    return jiraStatus(String(field(response.json, 'fields', 'status', 'name') ?? ''), String(field(response.json, 'fields', 'status', 'statusCategory', 'key') ?? ''));
  };
  const comment = (ticket: TicketRef, body: string) => http.send({ method: 'POST', path: `${issue(ticket)}/comment`, body: { body } });
  const transitions = async (ticket: TicketRef): Promise<Transition[]> => {
    const response = await http.send({ method: 'GET', path: `${issue(ticket)}/transitions` });
    const list = field(response.json, 'transitions');
    return (Array.isArray(list) ? list : []).map((t) => ({ id: String(field(t, 'id')), name: String(field(t, 'name')), category: String(field(t, 'to', 'statusCategory', 'key')) }));
  };
  const transition = async (ticket: TicketRef, wanted: string | undefined, category: (c: string) => boolean, what: string) => {
    const available = await transitions(ticket);
    const chosen = wanted ? available.find((t) => t.name.toLowerCase() === wanted.toLowerCase()) : available.find((t) => category(t.category));
    if (!chosen) {
      throw new DeskError('TRIPLINE_DESK_REJECTED', `${config.name}: issue ${ticket.externalId} has no transition ${wanted ? `named "${wanted}"` : `to ${what}`} (available: ${available.map((t) => t.name).join(', ') || 'none'})`, false);
    }
    await http.send({ method: 'POST', path: `${issue(ticket)}/transitions`, body: { transition: { id: chosen.id } } });
  };
  const search = async (label: string): Promise<TicketRef | undefined> => {
    const response = await http.send({ method: 'POST', path: '/rest/api/3/search/jql', body: { jql: `labels = "${label}" ORDER BY created DESC`, fields: ['status'], maxResults: 1 } });
    const issues = field(response.json, 'issues');
    return Array.isArray(issues) && issues.length > 0 ? ref(String(field(issues[0], 'key'))) : undefined;
  };

  return {
    name: config.name,
    type: 'jira',
    async open(incident) {
      const response = await http.send({
        method: 'POST',
        path: '/rest/api/2/issue',
        body: { fields: { project: { key: config.project }, issuetype: { name: config.issueType }, summary: incident.summary.slice(0, 255), description: ticketText(incident), labels: ['tripline', jiraLabel(incident.key)], priority: { name: jiraPriority(incident) } } },
      });
      const key = field(response.json, 'key');
      if (typeof key !== 'string' || !key) throw badResponse(config.name, 'create answered without an issue key');
      return ref(key);
    },
    async update(incident, ticket) {
      await comment(ticket, `Tripline update (${incident.status}):\n${ticketText(incident)}`);
    },
    async resolve(incident, ticket) {
      const state = await read(ticket);
      if (state && state.status !== 'open') return;
      await comment(ticket, `Tripline: the problem cleared at ${incident.resolvedAt ?? 'an unknown time'}.`);
      await transition(ticket, config.doneTransition, (c) => c === 'done', 'status category "done"');
    },
    async reopen(incident, ticket) {
      const state = await read(ticket);
      if (state?.status === 'open') return;
      await comment(ticket, `Tripline: the problem is back (${incident.summary}).`);
      await transition(ticket, config.reopenTransition, (c) => c !== 'done', 'an open status');
    },
    async comment(_incident, ticket, text) {
      await comment(ticket, text);
    },
    async link(_incident, ticket, parent) {
      // Look first, so that a retried link sends nothing twice.
      const response = await http.send({ method: 'GET', path: `${issue(ticket)}?fields=issuelinks` });
      const links = field(response.json, 'fields', 'issuelinks');
      const linked = Array.isArray(links) && links.some((l) => field(l, 'type', 'name') === linkType && field(l, 'outwardIssue', 'key') === parent.ticket.externalId);
      if (!linked) {
        await http.send({ method: 'POST', path: '/rest/api/2/issueLink', body: { type: { name: linkType }, inwardIssue: { key: ticket.externalId }, outwardIssue: { key: parent.ticket.externalId } } });
      }
      return 'linked';
    },
    async findByKey(incidentKey) {
      const label = jiraLabel(incidentKey);
      const found = await search(label);
      if (found) return found;
      await sleep(SEARCH_SETTLE_MS);
      return search(label);
    },
    fetchTicket: read,
  };
}
