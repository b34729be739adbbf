/**
 * Rows to domain records, shared by the store engines: both name their columns alike (snake_case,
 * times in milliseconds, JSON as text, flags as 0/1), so one mapping serves SQLite and PostgreSQL.
 */
import { canonicalLabels } from '../../contract/labels.js';
import type { ApiTokenRecord, AuditEntry, Role } from '../domain/apiToken.js';
import type { ConsoleSessionRecord } from '../domain/consoleSession.js';
import type { OutboxRow, OutboxState } from '../domain/delivery.js';
import type { EnrolledAgent } from '../domain/enrolledAgent.js';
import type { HostRecord } from '../domain/host.js';
import type { LeaseRecord } from '../domain/lease.js';
import type { IncidentEvent, IncidentRecord, IncidentStatus } from '../domain/incident.js';
import type { IncidentPriorityRecord } from '../domain/incidentPriority.js';
import type { MaintenanceRecord } from '../domain/maintenanceWindow.js';
import type { ServiceIncidentLink, ServiceStateChange } from '../domain/serviceIncident.js';
import type { SilenceRecord } from '../domain/silence.js';
import type { StatusNotice } from '../domain/statusNotice.js';
import type { TicketRecord } from '../domain/ticket.js';
import type { ReportRecord, ReportShape, StoredSample } from './store.js';

/** A row as a driver returns it: column names to values. */
export type Row = Record<string, unknown>;

export function agentFromRow(r: Row): EnrolledAgent {
  return {
    agentId: String(r.agent_id),
    hostname: String(r.hostname),
    enrolledAtMs: Number(r.enrolled_at_ms),
    revokedAtMs: r.revoked_at_ms === null || r.revoked_at_ms === undefined ? null : Number(r.revoked_at_ms),
  };
}

export function hostFromRow(r: Row): HostRecord {
  return {
    hostId: Number(r.host_id),
    agentId: String(r.agent_id),
    hostname: String(r.hostname),
    labels: JSON.parse(String(r.labels)) as Record<string, string>,
    version: String(r.version),
    intervalSeconds: Number(r.interval_seconds),
    lastSequence: Number(r.last_sequence),
    firstSeenAtMs: Number(r.first_seen_at_ms),
    lastReportAtMs: Number(r.last_report_at_ms),
    addresses: JSON.parse(String(r.addresses ?? '[]')) as string[],
    defaultGateway: r.default_gateway === null || r.default_gateway === undefined ? null : String(r.default_gateway),
    inventory: r.inventory === null || r.inventory === undefined ? null : (JSON.parse(String(r.inventory)) as Record<string, unknown>),
    decommissionedAtMs: r.decommissioned_at_ms === null || r.decommissioned_at_ms === undefined ? null : Number(r.decommissioned_at_ms),
  };
}

export function apiTokenFromRow(r: Row): ApiTokenRecord {
  return {
    name: String(r.name),
    role: String(r.role) as Role,
    createdAtMs: Number(r.created_at_ms),
    createdBy: String(r.created_by),
    revokedAtMs: r.revoked_at_ms === null || r.revoked_at_ms === undefined ? null : Number(r.revoked_at_ms),
  };
}

/** The shape of a record that carries none: its samples' metrics and canonical labels, exact but slower. */
export function mergedShape(samples: ReportRecord['samples']): ReportShape {
  return { head: 'merged', body: samples.map((s) => s.metric + canonicalLabels(s.labels)).join('\n') };
}

/** The sample with its text, when it has one (no `text` key otherwise). */
/** Series ids grouped by their host, as the history readers of both engines take them. */
export function seriesIdsByHost(series: Iterable<{ hostId: number; seriesId: number }>): Map<number, Set<number>> {
  const byHost = new Map<number, Set<number>>();
  for (const { hostId, seriesId } of series) {
    let ids = byHost.get(hostId);
    if (ids === undefined) byHost.set(hostId, (ids = new Set()));
    ids.add(seriesId);
  }
  return byHost;
}

export function withText(sample: StoredSample, text: string | undefined): StoredSample {
  if (text !== undefined) sample.text = text;
  return sample;
}

export function mapIncident(r: Row | undefined): IncidentRecord | undefined {
  if (!r) return undefined;
  return {
    id: Number(r.id),
    key: String(r.key),
    fingerprint: String(r.fingerprint),
    ruleName: String(r.rule_name),
    ruleVersion: String(r.rule_version),
    host: String(r.host),
    severity: String(r.severity),
    summary: String(r.summary),
    description: String(r.description),
    labels: JSON.parse(String(r.labels)) as Record<string, string>,
    status: String(r.status) as IncidentStatus,
    openedAtMs: Number(r.opened_at_ms),
    resolvedAtMs: r.resolved_at_ms === null ? null : Number(r.resolved_at_ms),
    updatedAtMs: Number(r.updated_at_ms),
    why: JSON.parse(String(r.why)) as Record<string, unknown>,
    occurrences: Number(r.occurrences),
    parentIncidentId: r.parent_incident_id === null ? null : Number(r.parent_incident_id),
    ticketed: Number(r.ticketed) === 1,
    hold: r.hold === null ? null : (String(r.hold) as IncidentRecord['hold']),
    flapping: Number(r.flapping) === 1,
    settlingSinceMs: r.settling_since_ms === null ? null : Number(r.settling_since_ms),
    rearmAtMs: r.rearm_at_ms === null ? null : Number(r.rearm_at_ms),
  };
}

export function incidentParams(incident: Omit<IncidentRecord, 'id'>) {
  return {
    ...incident,
    labels: JSON.stringify(incident.labels),
    why: JSON.stringify(incident.why),
    ticketed: incident.ticketed ? 1 : 0,
    flapping: incident.flapping ? 1 : 0,
  };
}

export function mapSilence(r: Row): SilenceRecord {
  return {
    id: Number(r.id),
    matchers: JSON.parse(String(r.matchers)) as SilenceRecord['matchers'],
    comment: String(r.comment),
    createdBy: String(r.created_by),
    startsAtMs: Number(r.starts_at_ms),
    expiresAtMs: Number(r.expires_at_ms),
    createdAtMs: Number(r.created_at_ms),
  };
}

export function mapTicket(r: Row): TicketRecord {
  return {
    incidentId: Number(r.incident_id),
    desk: String(r.desk),
    externalId: String(r.external_id),
    url: r.url === null ? null : String(r.url),
    state: String(r.state),
    createdAtMs: Number(r.created_at_ms),
    updatedAtMs: Number(r.updated_at_ms),
    deskStatus: r.desk_status === null || r.desk_status === undefined ? null : String(r.desk_status),
    checkedAtMs: r.checked_at_ms === null || r.checked_at_ms === undefined ? null : Number(r.checked_at_ms),
  };
}

export function mapOutbox(r: Row): OutboxRow {
  return {
    id: Number(r.id),
    incidentId: Number(r.incident_id),
    desk: String(r.desk),
    operation: String(r.operation) as OutboxRow['operation'],
    state: String(r.state) as OutboxState,
    attempts: Number(r.attempts),
    nextAttemptAtMs: Number(r.next_attempt_at_ms),
    lastError: r.last_error === null ? null : String(r.last_error),
    createdAtMs: Number(r.created_at_ms),
    deliveredAtMs: r.delivered_at_ms === null ? null : Number(r.delivered_at_ms),
    note: r.note === null || r.note === undefined ? null : String(r.note),
    linkIncidentId: r.link_incident_id === null || r.link_incident_id === undefined ? null : Number(r.link_incident_id),
    claimedBy: r.claimed_by === null || r.claimed_by === undefined ? null : String(r.claimed_by),
  };
}

export function mapServiceLink(r: Row): ServiceIncidentLink {
  return { serviceIncidentId: Number(r.service_incident_id), incidentId: Number(r.incident_id), service: String(r.service), linkedAtMs: Number(r.linked_at_ms) };
}

export function mapServiceStateChange(r: Row): ServiceStateChange {
  return { service: String(r.service), state: String(r.state) as ServiceStateChange['state'], atMs: Number(r.at_ms), reason: String(r.reason) };
}

export function mapConsoleSession(r: Row): ConsoleSessionRecord {
  return { idSha256: String(r.id_sha256), role: r.role as Role, name: r.name === null ? null : String(r.name), createdAtMs: Number(r.created_at_ms), expiresAtMs: Number(r.expires_at_ms) };
}

export function mapStatusNotice(r: Row): StatusNotice {
  return { text: String(r.text), setBy: String(r.set_by), setAtMs: Number(r.set_at_ms) };
}

export function mapAudit(r: Row): AuditEntry {
  return { id: Number(r.id), atMs: Number(r.at_ms), actor: String(r.actor), action: String(r.action), target: String(r.target), detail: String(r.detail) };
}

export function mapIncidentPriority(r: Row): IncidentPriorityRecord {
  return {
    incidentId: Number(r.incident_id),
    services: JSON.parse(String(r.services)) as string[],
    impact: r.impact as IncidentPriorityRecord['impact'],
    urgency: r.urgency as IncidentPriorityRecord['urgency'],
    priority: r.priority as IncidentPriorityRecord['priority'],
    initialPriority: r.initial_priority as IncidentPriorityRecord['priority'],
    reason: String(r.reason),
    slaBreach: r.sla_breach === null ? null : (JSON.parse(String(r.sla_breach)) as IncidentPriorityRecord['slaBreach']),
  };
}

/** The priority record as the statements take it (JSON as text). */
export function incidentPriorityParams(record: IncidentPriorityRecord) {
  return { ...record, services: JSON.stringify(record.services), slaBreach: record.slaBreach === null ? null : JSON.stringify(record.slaBreach) };
}

export function mapIncidentEvent(r: Row): IncidentEvent {
  return { id: Number(r.id), incidentId: Number(r.incident_id), atMs: Number(r.at_ms), kind: String(r.kind), text: String(r.text), data: JSON.parse(String(r.data)) as Record<string, unknown> };
}

export function mapMaintenance(r: Row): MaintenanceRecord {
  return {
    id: Number(r.id),
    cron: String(r.cron),
    durationSeconds: Number(r.duration_seconds),
    host: r.host === null ? null : String(r.host),
    group: r.host_group === null ? null : String(r.host_group),
    comment: String(r.comment),
    createdAtMs: Number(r.created_at_ms),
  };
}

/** A series row (labels as canonical JSON) as a record. */
export function mapSeries(r: Row): { seriesId: number; hostId: number; hostname: string; metric: string; labels: Record<string, string> } {
  return { seriesId: Number(r.series_id), hostId: Number(r.host_id), hostname: String(r.hostname), metric: String(r.metric), labels: JSON.parse(String(r.labels)) as Record<string, string> };
}

/** A new incident with the lifecycle fields it starts with. */
export function withIncidentDefaults(draft: Omit<IncidentRecord, 'id' | 'occurrences' | 'parentIncidentId' | 'ticketed' | 'hold' | 'flapping' | 'settlingSinceMs' | 'rearmAtMs'> & Partial<IncidentRecord>): Omit<IncidentRecord, 'id'> {
  return { occurrences: 1, parentIncidentId: null, ticketed: true, hold: null, flapping: false, settlingSinceMs: null, rearmAtMs: null, ...draft };
}

export function mapLease(r: Row): LeaseRecord {
  return { name: String(r.name), holder: String(r.holder), acquiredAtMs: Number(r.acquired_at_ms), expiresAtMs: Number(r.expires_at_ms) };
}
