/**
 * What a desk is told about an incident: the incident as the ledger holds it, with its priority and
 * the facts a person at the desk needs to act without opening Tripline: the measured value against
 * the threshold in its unit, when the breach began, the host's addresses, the check and its last
 * output (which names its address: host:port, the URL), the runbook, a link back, the occurrence
 * count, and who acknowledged or resolved it and what they said. Read from the store when a
 * delivery is made, so a retried operation carries the newest facts.
 */
import { METRIC_CATALOGUE, isMetricName } from '../../contract/metricCatalogue.js';
import type { IncidentEvent, IncidentRecord } from '../domain/incident.js';
import type { Classification } from '../services/priorityMatrix.js';
import { priorityViewOf } from '../services/priorityView.js';
import type { StoreReads } from '../store/store.js';
import type { DeskIncident, TicketActor, TicketFacts } from './deskAdapter.js';

export interface TicketFactsSource {
  store: Pick<StoreReads, 'incidentPriority' | 'incidentEvents' | 'listHosts' | 'querySeries'>;
  /** The matrix's priority for an incident recorded before priorities were. */
  classify?: (incident: IncidentRecord) => Classification;
  /** `collector.publicUrl`; empty: no link. */
  publicUrl: string;
}

/** The check kind of a rule metric about one configured check, whose `target` label names it. */
const CHECK_KIND_OF_METRIC: Readonly<Record<string, string>> = { tcp_up: 'tcp', http_up: 'http', dns_up: 'dns' };

/** How far back the check's output is looked for, before the incident opened. */
const OUTPUT_LOOKBACK_MS = 15 * 60_000;

export function describeIncident(source: TicketFactsSource, incident: IncidentRecord): DeskIncident {
  const view = priorityViewOf(source.store.incidentPriority(incident.id), () =>
    source.classify ? source.classify(incident) : { services: [], impact: 'low', urgency: 'low', priority: 'P5', reason: 'no classification' },
  );
  return {
    ...plainDeskIncident(incident),
    priority: view.priority,
    impact: view.impact,
    urgency: view.urgency,
    services: view.services,
    facts: factsOf(source, incident),
  };
}

/** The incident without the store's facts: for adapters' tests and tools that have no store. */
export function plainDeskIncident(incident: IncidentRecord): DeskIncident {
  return {
    id: incident.id,
    key: incident.key,
    ruleName: incident.ruleName,
    severity: incident.severity,
    status: incident.status,
    summary: incident.summary,
    description: incident.description,
    host: incident.host,
    labels: incident.labels,
    openedAt: iso(incident.openedAtMs),
    resolvedAt: incident.resolvedAtMs === null ? null : iso(incident.resolvedAtMs),
    priority: 'P5',
    impact: 'low',
    urgency: 'low',
    services: [],
    facts: emptyFacts(incident),
  };
}

function emptyFacts(incident: IncidentRecord): TicketFacts {
  return {
    metric: null, value: null, comparison: null, threshold: null, unit: null, breachStartedAt: null, hostAddresses: [], checkTarget: null,
    checkOutput: null, runbookUrl: null, link: null, occurrences: incident.occurrences, acknowledged: null, resolved: null,
  };
}

function factsOf(source: TicketFactsSource, incident: IncidentRecord): TicketFacts {
  const why = incident.why as { value?: unknown; breachingSinceMs?: unknown; runbook?: unknown; metric?: unknown; threshold?: { op?: unknown; value?: unknown } };
  const metric = typeof why.metric === 'string' ? why.metric : null;
  const host = source.store.listHosts().find((h) => h.hostname === incident.host);
  const events = source.store.incidentEvents(incident.id);
  const check = checkOf(source, incident, metric, host?.labels ?? {});
  return {
    metric,
    value: typeof why.value === 'number' ? why.value : null,
    comparison: why.threshold?.op === 'above' || why.threshold?.op === 'below' ? why.threshold.op : null,
    threshold: typeof why.threshold?.value === 'number' ? why.threshold.value : null,
    unit: metric !== null && isMetricName(metric) ? METRIC_CATALOGUE[metric].unit : metric === 'check_status' ? 'status' : null,
    breachStartedAt: typeof why.breachingSinceMs === 'number' ? iso(why.breachingSinceMs) : null,
    hostAddresses: host?.addresses ?? [],
    checkTarget: check.target,
    checkOutput: check.output,
    runbookUrl: typeof why.runbook === 'string' ? why.runbook : null,
    link: source.publicUrl ? `${source.publicUrl.replace(/\/+$/, '')}/api/v1/incidents/${incident.id}` : null,
    occurrences: incident.occurrences,
    acknowledged: actorOf(events, 'acknowledged', 'acknowledged by '),
    resolved: incident.resolvedAtMs === null ? null : (actorOf(events, 'resolved', 'resolved by hand by ') ?? { by: 'Tripline', comment: 'the problem cleared', at: iso(incident.resolvedAtMs) }),
  };
}

/** The check the incident is about and its last output line before the incident opened. */
function checkOf(source: TicketFactsSource, incident: IncidentRecord, metric: string | null, hostLabels: Record<string, string>): { target: string | null; output: string | null } {
  const kind = metric === 'check_status' ? incident.labels.kind : metric !== null ? CHECK_KIND_OF_METRIC[metric] : undefined;
  const name = metric === 'check_status' ? incident.labels.check : incident.labels.target;
  if (kind === undefined || name === undefined || !incident.host) return { target: name ?? null, output: null };
  const labels = { ...hostLabels, host: incident.host, kind, check: name };
  const samples = source.store.querySeries('check_status', labels, incident.openedAtMs - OUTPUT_LOOKBACK_MS, incident.openedAtMs + 60_000);
  const failing = [...samples].reverse().find((sample) => sample.value !== 0 && sample.text);
  const last = failing ?? samples.at(-1);
  return { target: `${kind}:${name}`, output: last?.text ?? null };
}

/** Who did it, from the timeline entry of an operator action ("acknowledged by alice: looking"). */
function actorOf(events: readonly IncidentEvent[], kind: string, prefix: string): TicketActor | null {
  const event = [...events].reverse().find((e) => e.kind === kind && typeof e.data.by === 'string');
  if (!event) return null;
  const by = String(event.data.by);
  const comment = typeof event.data.comment === 'string' ? event.data.comment : event.text.startsWith(`${prefix}${by}: `) ? event.text.slice(prefix.length + by.length + 2) : '';
  return { by, comment, at: iso(event.atMs) };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
