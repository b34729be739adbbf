/**
 * A ServiceNow fake: the Table API for incidents (create, read, PATCH, list with a
 * `sysparm_query` of `field=value` terms joined by `^`), the data policy that a resolve (state 6)
 * needs close_code and close_notes, Basic auth, and Event Management's jsonv2 endpoint with
 * alerts deduplicated by message_key (severity 0 closes).
 */
import { randomBytes } from 'node:crypto';
import { basicCredential, startFakeHttpServer, type FakeHttpServer } from './fakeHttpServer.js';

export interface ServiceNowFakeIncident {
  sys_id: string;
  number: string;
  state: string;
  short_description: string;
  correlation_id: string;
  close_code: string;
  close_notes: string;
  work_notes: string[];
  /** 1 high .. 3 low, as sent; ServiceNow derives the incident's priority from the two. */
  impact?: string;
  urgency?: string;
  /** The sys_id of the parent incident (a reference field; a child is listed under its parent). */
  parent_incident?: string;
}

export interface ServiceNowFakeAlert {
  message_key: string;
  state: 'Open' | 'Closed';
  severity: string;
  events: number;
}

export interface ServiceNowFake extends FakeHttpServer {
  incidents: Map<string, ServiceNowFakeIncident>;
  alerts: ServiceNowFakeAlert[];
}

export async function startServiceNowFake(user: string, password: string): Promise<ServiceNowFake> {
  const incidents = new Map<string, ServiceNowFakeIncident>();
  const alerts: ServiceNowFakeAlert[] = [];
  const view = (i: ServiceNowFakeIncident) => ({ sys_id: i.sys_id, number: i.number, state: i.state, short_description: i.short_description, correlation_id: i.correlation_id, parent_incident: i.parent_incident ?? '', active: String(Number(i.state) < 6) });
  const apply = (incident: ServiceNowFakeIncident, change: Record<string, unknown>) => {
    const next = { ...incident, ...Object.fromEntries(Object.entries(change).filter(([k]) => k !== 'work_notes').map(([k, v]) => [k, String(v)])) };
    if (next.state === '6' && (!next.close_code || !next.close_notes)) {
      return { status: 403, body: { error: { message: 'Operation Failed', detail: 'Data Policy Exception: the following fields are mandatory: Resolution code, Resolution notes' }, status: 'failure' } };
    }
    if (typeof change.work_notes === 'string') next.work_notes = [...incident.work_notes, change.work_notes];
    Object.assign(incident, next);
    return undefined;
  };
  const server = await startFakeHttpServer(
    [
      [
        'POST',
        /^\/api\/now\/table\/incident$/,
        (request) => {
          const body = (request.body ?? {}) as Record<string, unknown>;
          if (!body.short_description) return { status: 400, body: { error: { message: 'short_description is required' }, status: 'failure' } };
          const incident: ServiceNowFakeIncident = { sys_id: randomBytes(16).toString('hex'), number: `INC${String(incidents.size + 1).padStart(7, '0')}`, state: '1', short_description: '', correlation_id: '', close_code: '', close_notes: '', work_notes: [] };
          const refused = apply(incident, body);
          if (refused) return refused;
          incidents.set(incident.sys_id, incident);
          return { status: 201, body: { result: view(incident) } };
        },
      ],
      [
        'GET',
        /^\/api\/now\/table\/incident$/,
        (request) => {
          const terms = (request.query.get('sysparm_query') ?? '').split('^').filter((t) => t.includes('='));
          const newestFirst = (request.query.get('sysparm_query') ?? '').includes('ORDERBYDESCsys_created_on');
          const found = [...incidents.values()].filter((i) => terms.every((t) => String(view(i)[t.split('=')[0] as keyof ReturnType<typeof view>]) === t.split('=').slice(1).join('=')));
          if (newestFirst) found.reverse();
          return { status: 200, body: { result: found.slice(0, Number(request.query.get('sysparm_limit') ?? 100)).map(view) } };
        },
      ],
      [
        'GET',
        /^\/api\/now\/table\/incident\/([0-9a-f]+)$/,
        (request) => {
          const incident = incidents.get(request.params[0]!);
          return incident ? { status: 200, body: { result: view(incident) } } : { status: 404, body: { error: { message: 'No Record found' }, status: 'failure' } };
        },
      ],
      [
        'PATCH',
        /^\/api\/now\/table\/incident\/([0-9a-f]+)$/,
        (request) => {
          const incident = incidents.get(request.params[0]!);
          if (!incident) return { status: 404, body: { error: { message: 'No Record found' }, status: 'failure' } };
          return apply(incident, (request.body ?? {}) as Record<string, unknown>) ?? { status: 200, body: { result: view(incident) } };
        },
      ],
      [
        'POST',
        /^\/api\/global\/em\/jsonv2$/,
        (request) => {
          const records = (request.body as { records?: Array<Record<string, string>> } | undefined)?.records;
          if (!Array.isArray(records)) return { status: 400, body: { error: { message: 'records is required' } } };
          for (const record of records) {
            const open = alerts.find((a) => a.message_key === record.message_key && a.state === 'Open');
            if (record.severity === '0') {
              if (open) open.state = 'Closed';
            } else if (open) {
              open.events++;
              open.severity = String(record.severity);
            } else alerts.push({ message_key: String(record.message_key), state: 'Open', severity: String(record.severity), events: 1 });
          }
          return { status: 200, body: { result: { 'Default Bulk Endpoint': `${records.length} events were inserted` } } };
        },
      ],
    ],
    (request) => (basicCredential(request.headers) === `${user}:${password}` ? undefined : { status: 401, body: { error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' }, status: 'failure' } }),
  );
  return { ...server, incidents, alerts };
}
