/**
 * The service view: every service of the catalogue with its state now and why, its owner, impact,
 * dependencies and this month's availability; one service with its members, the hosts that are not
 * healthy, its open incidents (with their priority) and its month so far.
 */
import { ErrorNote, Facts, PriorityBadge, SeverityBadge, StatusBadge, ScrollBox } from '../components/Bits.js';
import type { Service, ServiceReport } from '../types.js';
import { useResource } from '../useResource.js';

/** The month in progress, UTC (as the reports count it). */
function thisMonth(nowMs = Date.now()): string {
  return new Date(nowMs).toISOString().slice(0, 7);
}

export function ServiceStateBadge({ state }: { state: Service['state'] }) {
  return <span class={`badge service-${state}`}>{state}</span>;
}

function minutes(value: number | null): string {
  if (value === null) return '–';
  return value < 120 ? `${value.toFixed(value < 10 ? 1 : 0)} min` : `${(value / 60).toFixed(1)} h`;
}

function availability(report: ServiceReport | undefined): string {
  return report ? `${report.availabilityPercent.toFixed(report.availabilityPercent === 100 ? 0 : 3)}%` : '–';
}

const serviceLink = (name: string) => <a href={`/services/${encodeURIComponent(name)}`}>{name}</a>;

export function ServicesPage() {
  const list = useResource<{ services: Service[] }>('/api/v1/services', 15_000, true);
  const month = thisMonth();
  const reports = useResource<{ services: ServiceReport[] }>(`/api/v1/reports/services?month=${month}`, 60_000);
  const byName = new Map((reports.data?.services ?? []).map((r) => [r.service, r]));
  const services = list.data?.services ?? [];
  return (
    <section>
      <h1>Services</h1>
      <ErrorNote error={list.error} />
      {list.data && services.length === 0 && <p class="muted">No services are configured: add a <code>services:</code> section to the collector's config.</p>}
      {services.length > 0 && (
        <ScrollBox label="Services">
          <table>
            <thead>
              <tr>
                <th scope="col">Service</th>
                <th scope="col">State</th>
                <th scope="col">Why</th>
                <th scope="col">Impact</th>
                <th scope="col">Owner</th>
                <th scope="col">Depends on</th>
                <th scope="col">Open incidents</th>
                <th scope="col">Availability {month}</th>
              </tr>
            </thead>
            <tbody>
              {services.map((s) => (
                <tr key={s.name} data-service={s.name}>
                  <td>{serviceLink(s.name)}</td>
                  <td>
                    <ServiceStateBadge state={s.state} />
                  </td>
                  <td>{s.reason}</td>
                  <td>{s.impact}</td>
                  <td>{s.owner || '–'}</td>
                  <td>{s.dependsOn.length === 0 ? '–' : s.dependsOn.map((d, i) => <span key={d}>{i > 0 ? ', ' : ''}{serviceLink(d)}</span>)}</td>
                  <td>{s.incidents.filter((i) => i.status === 'open' || i.status === 'acknowledged').length}</td>
                  <td>{availability(byName.get(s.name))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollBox>
      )}
    </section>
  );
}

export function ServicePage({ name }: { name: string }) {
  const detail = useResource<Service>(`/api/v1/services/${encodeURIComponent(name)}`, 15_000, true);
  const month = thisMonth();
  const reports = useResource<{ services: ServiceReport[] }>(`/api/v1/reports/services?month=${month}`, 60_000);
  if (!detail.data) return <ErrorNote error={detail.error} />;
  const s = detail.data;
  const report = reports.data?.services.find((r) => r.service === s.name);
  const members = [...s.members.hosts.map((h) => `host ${h}`), ...s.members.groups.map((g) => `group ${g}`), ...s.members.matchers.map((m) => `matching ${m}`)];
  return (
    <section>
      <h1>Service {s.name}</h1>
      <p class="summary">
        <ServiceStateBadge state={s.state} /> {s.reason}
      </p>
      {s.description && <p>{s.description}</p>}
      <Facts
        facts={[
          ['Owner', s.owner || '–'],
          ['Impact', s.impact],
          ['Members', members.join(', ') || '–'],
          ['Healthy hosts needed', s.minHealthy ?? 1],
          ['Own state (without dependencies)', s.ownState],
          ['Desks', s.desks.join(', ') || 'by the routes'],
        ]}
      />
      <h2>Depends on</h2>
      {s.dependsOn.length === 0 ? <p class="muted">Nothing.</p> : <ul class="plain">{s.dependsOn.map((d) => <li key={d}>{serviceLink(d)}</li>)}</ul>}
      <h2>Member hosts</h2>
      {s.hosts.length === 0 ? (
        <p class="muted">No member host has reported.</p>
      ) : (
        <ul class="plain">
          {s.hosts.map((h) => (
            <li key={h}>
              <a href={`/hosts/${encodeURIComponent(h)}`}>{h}</a> {s.unhealthyHosts.includes(h) ? <StatusBadge status="problem" /> : <StatusBadge status="ok" />}
            </li>
          ))}
        </ul>
      )}
      <h2>Incidents</h2>
      {s.incidents.length === 0 ? (
        <p class="muted">No incident touches this service now.</p>
      ) : (
        <ScrollBox label={`Incidents touching ${s.name}`}>
          <table>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Priority</th>
                <th scope="col">Status</th>
                <th scope="col">Severity</th>
                <th scope="col">Summary</th>
                <th scope="col">Host</th>
              </tr>
            </thead>
            <tbody>
              {s.incidents.map((i) => (
                <tr key={i.id}>
                  <td>
                    <a href={`/incidents/${i.id}`}>#{i.id}</a>
                  </td>
                  <td>
                    <PriorityBadge priority={i.priority} />
                  </td>
                  <td>
                    <StatusBadge status={i.status} />
                  </td>
                  <td>
                    <SeverityBadge severity={i.severity} />
                  </td>
                  <td>
                    <a href={`/incidents/${i.id}`}>{i.summary}</a>
                  </td>
                  <td>{i.host ? <a href={`/hosts/${encodeURIComponent(i.host)}`}>{i.host}</a> : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollBox>
      )}
      <h2>This month ({month}, UTC)</h2>
      {report ? (
        <Facts
          facts={[
            ['Availability', availability(report)],
            ['Outage', minutes(report.outageMinutes)],
            ['Degraded', minutes(report.degradedMinutes)],
            ['Incidents', report.incidents],
            ['Mean time to acknowledge', minutes(report.mttaMinutes)],
            ['Mean time to resolve', minutes(report.mttrMinutes)],
            ['SLA breaches', report.slaBreaches],
          ]}
        />
      ) : (
        <ErrorNote error={reports.error} />
      )}
    </section>
  );
}
