/**
 * The PostgreSQL engine of the Store interface (issue 18): the shared store of several collectors.
 * Calls stay synchronous through the bridge (postgresBridge.ts): one connection per store, one
 * transaction at a time on it, statements whose results nobody reads sent with the next that
 * returns rows. Each report costs one crossing when its host and series are known: one statement
 * touches the host row, checks the compacted ranges and inserts the chunk (refusing a re-sent
 * sequence by the primary key). Ids of hosts and series are immutable once made, so caching them
 * is safe with several collectors writing; they are made with INSERT … ON CONFLICT, never a
 * read-then-insert.
 */
import { canonicalLabels } from '../../../contract/labels.js';
import { parseRuleStateText, ruleStateText, type RuleState } from '../../../rules/index.js';
import type { ApiTokenRecord, AuditEntry } from '../../domain/apiToken.js';
import type { ConsoleSessionRecord } from '../../domain/consoleSession.js';
import type { OutboxOperation, OutboxRow, OutboxState } from '../../domain/delivery.js';
import type { EnrolledAgent } from '../../domain/enrolledAgent.js';
import type { FlapTransition } from '../../domain/flapTransition.js';
import type { CompactionResult, RollupBucket, RollupResolution, SeriesPoint, SeriesRecord } from '../../domain/history.js';
import type { HostRecord } from '../../domain/host.js';
import type { LeaseRecord, LeaseRequest } from '../../domain/lease.js';
import type { IncidentEvent, IncidentRecord, IncidentStatus } from '../../domain/incident.js';
import type { IncidentPriorityRecord } from '../../domain/incidentPriority.js';
import type { MaintenanceRecord } from '../../domain/maintenanceWindow.js';
import type { ServiceIncidentLink, ServiceStateChange } from '../../domain/serviceIncident.js';
import type { SilenceRecord } from '../../domain/silence.js';
import type { StatusNotice } from '../../domain/statusNotice.js';
import type { TicketRecord } from '../../domain/ticket.js';
import { createReportShapes } from '../sqlite/reportShapes.js';
import { encodeReportChunk, encodeTexts } from '../sampleChunk.js';
import type { IncidentFilter, OutboxFilter, OverduePage, ReportRecord, Store, StoreTransaction, StoredSample } from '../store.js';
import {
  agentFromRow, apiTokenFromRow, hostFromRow, incidentParams, incidentPriorityParams, mapAudit, mapConsoleSession, mapIncident, mapIncidentEvent,
  mapIncidentPriority, mapLease, mapMaintenance, mapOutbox, mapSeries, mapServiceLink, mapServiceStateChange, mapSilence, mapStatusNotice, mapTicket, mergedShape,
  type Row, seriesIdsByHost, withIncidentDefaults, withText,
} from '../storeRows.js';
import { connectPostgres, describeServer, type PostgresSession } from './postgresBridge.js';
import type { CompactedBlock, HotBlock, SeriesColumns } from '../historyBlocks.js';
import { samplesOfBlocks, type SampleBlocks, type StoredSeries } from '../sampleBlocks.js';
import { createPostgresHistory, type PostgresHistory } from './postgresHistory.js';
import { migratePostgres } from './postgresMigrations.js';

export interface PostgresStoreOptions {
  /** postgres://user@host:port/database (a password in it works, but belongs in `password`). */
  url: string;
  /** The password, from the environment; never logged, never in an error. */
  password?: string;
  /** Skip the migrations (a read-only tool on a database a collector keeps up to date). */
  migrate?: boolean;
}

/** Opens a connection, applies the migrations (under an advisory lock) and returns the store. */
export function openPostgresStore(options: PostgresStoreOptions): Store & { readonly engine: 'postgres'; readonly history: PostgresHistory } {
  const session = connectPostgres({
    url: options.url,
    ...(options.password === undefined ? {} : { password: options.password }),
    applicationName: 'tripline',
    statementTimeoutMs: 60_000,
    connectTimeoutMs: 10_000,
  });
  try {
    if (options.migrate ?? true) migratePostgres(session, describeServer(options.url));
  } catch (error) {
    session.close();
    throw error;
  }
  return new PostgresStore(session);
}

const INCIDENT_COLUMNS = `id, key, fingerprint, rule_name, rule_version, host, severity, summary, description, labels,
  status, opened_at_ms, resolved_at_ms, updated_at_ms, why, occurrences, parent_incident_id, ticketed, hold, flapping,
  settling_since_ms, rearm_at_ms`;
const INCIDENT_VALUES = [
  'key', 'fingerprint', 'ruleName', 'ruleVersion', 'host', 'severity', 'summary', 'description', 'labels', 'status', 'openedAtMs', 'resolvedAtMs',
  'updatedAtMs', 'why', 'occurrences', 'parentIncidentId', 'ticketed', 'hold', 'flapping', 'settlingSinceMs', 'rearmAtMs',
] as const;
const SERIES_COLUMNS = 's.series_id, s.host_id, h.hostname, s.metric, s.labels';
const AGENT_COLUMNS = 'agent_id, hostname, enrolled_at_ms, revoked_at_ms';
const TOKEN_COLUMNS = 'name, role, created_at_ms, created_by, revoked_at_ms';

/** Stores one report of a known host: touches the host row, skips a compacted sequence, refuses a re-sent one. */
const INSERT_REPORT = `WITH h AS (
    UPDATE hosts SET hostname = $3, labels = $4, version = $5, interval_seconds = $6, last_sequence = greatest(last_sequence, $7), last_report_at_ms = $8,
      addresses = coalesce($9, addresses), default_gateway = coalesce($10, default_gateway), inventory = coalesce($11, inventory)
    WHERE host_id = $1 AND agent_id = $2 RETURNING host_id, max_compacted_sequence)
  INSERT INTO report_chunks (host_id, sequence, base_at_ms, last_at_ms, received_at_ms, samples, checks, texts)
  SELECT h.host_id, $7, $12, $16, $8, $13, $14, $15 FROM h
  WHERE h.max_compacted_sequence IS NULL OR $7 > h.max_compacted_sequence
    OR NOT EXISTS (SELECT 1 FROM compacted_reports c WHERE c.host_id = h.host_id AND c.first_sequence <= $7 AND c.last_sequence >= $7)
  ON CONFLICT (host_id, sequence) DO NOTHING
  RETURNING 1 AS stored`;

/** A host row with its inventory left out (null), for lists of many hosts. */
const HOST_COLUMNS_WITHOUT_INVENTORY =
  'host_id, agent_id, hostname, labels, version, interval_seconds, last_sequence, first_seen_at_ms, last_report_at_ms, addresses, default_gateway, NULL AS inventory, decommissioned_at_ms';

const UPSERT_HOST = `INSERT INTO hosts (agent_id, hostname, labels, version, interval_seconds, last_sequence, first_seen_at_ms, last_report_at_ms, addresses, default_gateway, inventory)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $7, coalesce($8, '[]'), $9, $10)
  ON CONFLICT (agent_id) DO UPDATE SET hostname = excluded.hostname, labels = excluded.labels, version = excluded.version,
    interval_seconds = excluded.interval_seconds, last_sequence = greatest(hosts.last_sequence, excluded.last_sequence),
    last_report_at_ms = excluded.last_report_at_ms, addresses = coalesce($8, hosts.addresses), default_gateway = coalesce($9, hosts.default_gateway),
    inventory = coalesce($10, hosts.inventory)
  RETURNING host_id`;

/** The ids of a host's series by metric and canonical labels, making the missing ones (a concurrent maker's are found on a retry). */
const RESOLVE_SERIES = `WITH wanted AS (SELECT DISTINCT metric, labels FROM unnest($2::text[], $3::text[]) AS w(metric, labels)),
  made AS (INSERT INTO series (host_id, metric, labels) SELECT $1, metric, labels FROM wanted ON CONFLICT (host_id, metric, labels) DO NOTHING
    RETURNING series_id, metric, labels)
  SELECT series_id, metric, labels FROM made
  UNION ALL SELECT s.series_id, s.metric, s.labels FROM series s JOIN wanted w ON s.metric = w.metric AND s.labels = w.labels WHERE s.host_id = $1`;

/** What a report says of its host, as UPSERT_HOST ($1-$10) and INSERT_REPORT ($2-$11) take it. */
function hostFacts(report: ReportRecord): unknown[] {
  return [
    report.agentId,
    report.hostname,
    JSON.stringify(report.labels),
    report.version,
    report.intervalSeconds,
    report.sequence,
    report.receivedAtMs,
    report.addresses === undefined ? null : JSON.stringify(report.addresses),
    report.defaultGateway ?? null,
    report.inventory === undefined ? null : JSON.stringify(report.inventory),
  ];
}

/**
 * claimHostRuleStates: the rows of the hosts another writer wrote or took last become $2's at $3
 * (with their state), its own come by fingerprint. The UPDATE waits for a concurrent writer of a row
 * and then takes its committed version; the SELECT reads the statement's snapshot, where a row taken
 * here is still another's, so no row comes twice.
 */
const CLAIM_HOST_RULE_STATES = `WITH claimed AS (
    UPDATE rule_states SET written_by = $2, written_at_ms = $3, written_xid = pg_current_xact_id()
    WHERE host = ANY($1) AND written_by IS DISTINCT FROM $2 RETURNING fingerprint, state)
  SELECT fingerprint, state FROM claimed
  UNION ALL SELECT fingerprint, NULL AS state FROM rule_states WHERE host = ANY($1) AND written_by = $2`;

/**
 * writeOwnRuleStates: saves ($1-$3) and deletes ($4) the rows $5 wrote or took last; takes at $6,
 * unchanged, those another wrote or took before $7; returns every row neither changed nor deleted
 * with its state (the taken ones' as the UPDATE left them, the others' as the snapshot has them).
 * The three parts see disjoint rows: $5's, and another's (old or recent).
 */
const WRITE_OWN_RULE_STATES = `WITH wanted AS (SELECT unnest($1::text[] || $4::text[]) AS fingerprint),
  saved AS (
    UPDATE rule_states r SET rule_name = s.rule_name, state = s.state, written_at_ms = $6, written_xid = pg_current_xact_id()
    FROM unnest($1::text[], $2::text[], $3::text[]) AS s(fingerprint, rule_name, state)
    WHERE r.fingerprint = s.fingerprint AND r.written_by = $5 RETURNING r.fingerprint),
  deleted AS (DELETE FROM rule_states WHERE fingerprint = ANY($4) AND written_by = $5 RETURNING fingerprint),
  adopted AS (
    UPDATE rule_states SET written_by = $5, written_at_ms = $6, written_xid = pg_current_xact_id()
    WHERE fingerprint IN (SELECT fingerprint FROM wanted) AND written_by IS DISTINCT FROM $5 AND coalesce(written_at_ms, 0) < $7
    RETURNING fingerprint, state)
  SELECT fingerprint, state FROM adopted
  UNION ALL SELECT w.fingerprint, r.state FROM wanted w LEFT JOIN rule_states r USING (fingerprint)
    WHERE w.fingerprint NOT IN (SELECT fingerprint FROM saved UNION ALL SELECT fingerprint FROM deleted UNION ALL SELECT fingerprint FROM adopted)`;

/**
 * deleteStaleRuleStates: deletes the rows ($1) whose stored latest sample is not newer than $2's;
 * returns the rows left (in the snapshot and not deleted: a newer one, or one a concurrent writer
 * made newer, which the DELETE waited for and then skipped).
 */
const DELETE_STALE_RULE_STATES = `WITH given AS (SELECT * FROM unnest($1::text[], $2::float8[]) AS g(fingerprint, last_sample_at_ms)),
  deleted AS (
    DELETE FROM rule_states r USING given g
    WHERE r.fingerprint = g.fingerprint AND coalesce((r.state::jsonb ->> 'lastSampleAtMs')::float8, '-Infinity') <= g.last_sample_at_ms RETURNING r.fingerprint)
  SELECT r.fingerprint FROM rule_states r JOIN given g USING (fingerprint) WHERE r.fingerprint NOT IN (SELECT fingerprint FROM deleted)`;

/** A rule-state row as the store's reads return it: the state where the row carries one. */
function stateRow(row: Row): { fingerprint: string; state: RuleState | undefined } {
  return { fingerprint: String(row.fingerprint), state: row.state === null || row.state === undefined ? undefined : parseRuleStateText(String(row.state)) };
}

class PostgresStore implements Store {
  readonly engine = 'postgres' as const;
  private readonly shapes = createReportShapes();
  private readonly hostIds = new Map<string, number>();
  private readonly tx: StoreTransaction;
  readonly history: PostgresHistory;

  constructor(private readonly db: PostgresSession) {
    this.history = createPostgresHistory(db);
    this.tx = this.createTransactionApi();
  }

  transaction<T>(fn: (tx: StoreTransaction) => T): T {
    try {
      return this.db.transaction(() => fn(this.tx));
    } catch (error) {
      this.forgetMintedIds();
      throw error;
    }
  }

  /** Ids minted inside a rolled-back transaction or savepoint no longer exist. */
  private forgetMintedIds(): void {
    this.shapes.clear();
    this.hostIds.clear();
  }

  private rows(text: string, values?: unknown[]): Row[] {
    return this.db.query<Row>(text, values);
  }

  private one(text: string, values?: unknown[]): Row | undefined {
    return this.db.query<Row>(text, values)[0];
  }

  private incidents(where: string, values: unknown[]): IncidentRecord[] {
    return this.rows(`SELECT ${INCIDENT_COLUMNS} FROM incidents ${where}`, values).map((r) => mapIncident(r)!);
  }

  /**
   * Each state row keeps the id of the transaction that wrote it last (written_xid). The mark is the
   * oldest transaction still running when the read's snapshot was taken (pg_snapshot_xmin, read in
   * the same statement): every write this read could not see is by that transaction or a later one,
   * so the next read from the mark misses none, whatever order the writers commit in.
   */
  private ruleStatesSince(ruleNames: readonly string[], reader: string, since: string | undefined): ReturnType<StoreTransaction['ruleStatesSince']> {
    const which = since === undefined ? 'r.rule_name = ANY($1)' : 'r.written_xid >= $3::xid8 AND r.rule_name = ANY($1) AND r.written_by IS DISTINCT FROM $2';
    const rows = this.rows(
      `SELECT w.mark::text AS mark, r.fingerprint, r.state FROM (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS mark) w LEFT JOIN rule_states r ON ${which}`,
      since === undefined ? [[...ruleNames]] : [[...ruleNames], reader, since],
    );
    return { mark: String(rows[0]!.mark), states: rows.filter((row) => row.fingerprint !== null && row.fingerprint !== undefined).map(stateRow) };
  }

  private createTransactionApi(): StoreTransaction {
    const db = this.db;
    return {
      savepoint: (fn) => {
        try {
          return db.savepoint(fn);
        } catch (error) {
          this.forgetMintedIds();
          throw error;
        }
      },
      insertReport: (report) => this.insertReport(report),
      saveRuleStates: (states, writtenBy, atMs) => {
        if (states.length === 0) return;
        db.write(
          `INSERT INTO rule_states (fingerprint, rule_name, state, host, written_by, written_at_ms) SELECT *, $5::text, $6::bigint FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
           ON CONFLICT (fingerprint) DO UPDATE SET rule_name = excluded.rule_name, state = excluded.state, host = excluded.host, written_by = excluded.written_by,
             written_at_ms = excluded.written_at_ms, written_xid = pg_current_xact_id()`,
          [states.map((s) => s.fingerprint), states.map((s) => s.ruleName), states.map(ruleStateText), states.map((s) => s.labels.host ?? null), writtenBy ?? null, atMs === undefined ? null : Math.trunc(atMs)],
        );
      },
      claimHostRuleStates: (hostnames, reader, atMs) => this.rows(CLAIM_HOST_RULE_STATES, [[...hostnames], reader, Math.trunc(atMs)]).map(stateRow),
      ruleStatesSince: (ruleNames, reader, since) => this.ruleStatesSince(ruleNames, reader, since),
      deleteRuleStates: (fingerprints) => {
        if (fingerprints.length > 0) db.write('DELETE FROM rule_states WHERE fingerprint = ANY($1)', [[...fingerprints]]);
      },
      writeOwnRuleStates: (save, remove, writer, { atMs, adoptBeforeMs }) => {
        if (save.length === 0 && remove.length === 0) return [];
        const values = [save.map((s) => s.fingerprint), save.map((s) => s.ruleName), save.map(ruleStateText), [...remove], writer, Math.trunc(atMs), Math.trunc(adoptBeforeMs)];
        return this.rows(WRITE_OWN_RULE_STATES, values).map(stateRow);
      },
      deleteStaleRuleStates: (states) =>
        states.length === 0 ? [] : this.rows(DELETE_STALE_RULE_STATES, [states.map((s) => s.fingerprint), states.map((s) => s.lastSampleAtMs)]).map((row) => String(row.fingerprint)),
      findActiveIncident: (fingerprint) => this.incidents("WHERE fingerprint = $1 AND status IN ('open', 'acknowledged')", [fingerprint])[0],
      insertIncident: (draft) => {
        const incident = withIncidentDefaults(draft);
        const params = incidentParams(incident) as Record<string, unknown>;
        const row = this.one(
          `INSERT INTO incidents (key, fingerprint, rule_name, rule_version, host, severity, summary, description, labels, status, opened_at_ms, resolved_at_ms,
             updated_at_ms, why, occurrences, parent_incident_id, ticketed, hold, flapping, settling_since_ms, rearm_at_ms)
           VALUES (${INCIDENT_VALUES.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
          INCIDENT_VALUES.map((k) => params[k] ?? null),
        )!;
        return { ...incident, id: Number(row.id) };
      },
      updateIncident: (id, change) => {
        const current = this.getIncident(id);
        if (!current) throw new Error(`incident ${id} does not exist`);
        const { id: _id, ...next } = { ...current, ...change };
        const p = incidentParams(next);
        db.write(
          `UPDATE incidents SET status = $2, resolved_at_ms = $3, updated_at_ms = $4, severity = $5, summary = $6, why = $7, occurrences = $8,
             parent_incident_id = $9, ticketed = $10, hold = $11, flapping = $12, settling_since_ms = $13, rearm_at_ms = $14 WHERE id = $1`,
          [id, p.status, p.resolvedAtMs, p.updatedAtMs, p.severity, p.summary, p.why, p.occurrences, p.parentIncidentId, p.ticketed, p.hold, p.flapping, p.settlingSinceMs, p.rearmAtMs],
        );
      },
      getIncident: (id) => this.getIncident(id),
      saveIncidentPriority: (record) => {
        const p = incidentPriorityParams(record);
        db.write(
          `INSERT INTO incident_priorities (incident_id, services, impact, urgency, priority, initial_priority, reason, sla_breach) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (incident_id) DO UPDATE SET services = excluded.services, impact = excluded.impact, urgency = excluded.urgency,
             priority = excluded.priority, reason = excluded.reason, sla_breach = excluded.sla_breach`,
          [p.incidentId, p.services, p.impact, p.urgency, p.priority, p.initialPriority, p.reason, p.slaBreach],
        );
      },
      activeIncidents: () => this.incidents("WHERE status IN ('open', 'acknowledged') ORDER BY id", []),
      rearmDueIncidents: (nowMs) => this.incidents('WHERE rearm_at_ms IS NOT NULL AND rearm_at_ms <= $1 ORDER BY id', [nowMs]),
      findLatestIncident: (fingerprint) => this.incidents('WHERE fingerprint = $1 ORDER BY id DESC LIMIT 1', [fingerprint])[0],
      loadFlapHistory: (fingerprint) => {
        const row = this.one('SELECT transitions FROM flap_history WHERE fingerprint = $1', [fingerprint]);
        return row ? (JSON.parse(String(row.transitions)) as FlapTransition[]) : [];
      },
      saveFlapHistory: (fingerprint, transitions) => {
        db.write('INSERT INTO flap_history (fingerprint, transitions) VALUES ($1, $2) ON CONFLICT (fingerprint) DO UPDATE SET transitions = excluded.transitions', [
          fingerprint,
          JSON.stringify(transitions),
        ]);
      },
      insertSilence: (silence) => {
        const row = this.one(
          'INSERT INTO silences (matchers, comment, created_by, starts_at_ms, expires_at_ms, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
          [JSON.stringify(silence.matchers), silence.comment, silence.createdBy, silence.startsAtMs, silence.expiresAtMs, silence.createdAtMs],
        )!;
        return { ...silence, id: Number(row.id) };
      },
      expireSilence: (id, atMs) => db.count('UPDATE silences SET expires_at_ms = least(expires_at_ms, $2) WHERE id = $1', [id, atMs]) === 1,
      insertMaintenance: (window) => {
        const row = this.one(
          'INSERT INTO maintenance_windows (cron, duration_seconds, host, host_group, comment, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
          [window.cron, window.durationSeconds, window.host, window.group, window.comment, window.createdAtMs],
        )!;
        return { ...window, id: Number(row.id) };
      },
      deleteMaintenance: (id) => db.count('DELETE FROM maintenance_windows WHERE id = $1', [id]) === 1,
      addIncidentEvent: (event) => {
        db.write('INSERT INTO incident_events (incident_id, at_ms, kind, text, data) VALUES ($1, $2, $3, $4, $5)', [
          event.incidentId,
          event.atMs,
          event.kind,
          event.text,
          JSON.stringify(event.data),
        ]);
      },
      enqueueOutbox: (row) => {
        // One statement: hurry held updates; skip an update behind a pending, untried update; else queue.
        db.write(
          `WITH hurried AS (UPDATE outbox SET next_attempt_at_ms = least(next_attempt_at_ms, $4)
             WHERE incident_id = $1 AND desk = $2 AND state = 'pending' AND operation = 'update' AND attempts = 0 RETURNING id)
           INSERT INTO outbox (incident_id, desk, operation, state, attempts, next_attempt_at_ms, created_at_ms, note, link_incident_id)
           SELECT $1, $2, $3, 'pending', 0, $4, $4, $5, $6
           WHERE NOT ($3 = 'update' AND EXISTS (SELECT 1 FROM outbox o WHERE o.incident_id = $1 AND o.desk = $2 AND o.state = 'pending' AND o.operation = 'update'
             AND o.attempts = 0 AND o.id = (SELECT max(p.id) FROM outbox p WHERE p.incident_id = $1 AND p.desk = $2 AND p.state = 'pending')))`,
          [row.incidentId, row.desk, row.operation, row.createdAtMs, row.note ?? null, row.linkIncidentId ?? null],
        );
      },
      linkServiceIncident: (link) =>
        db.count('INSERT INTO service_incident_links (service_incident_id, incident_id, service, linked_at_ms) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
          link.serviceIncidentId,
          link.incidentId,
          link.service,
          link.linkedAtMs,
        ]) === 1,
      recordServiceState: (change) => {
        db.write('INSERT INTO service_state_changes (service, state, at_ms, reason) VALUES ($1, $2, $3, $4)', [change.service, change.state, change.atMs, change.reason]);
      },
      claimOutbox: ({ holder, nowMs, untilMs, limit }) =>
        // Rows another collector is claiming right now are skipped, not waited for; one it claimed already is no longer due.
        this.rows(
          `UPDATE outbox SET claimed_by = $3, lease_until_ms = $4, next_attempt_at_ms = $4
           WHERE id IN (SELECT o.id FROM outbox o WHERE o.state = 'pending' AND o.next_attempt_at_ms <= $1
             AND o.id = (SELECT min(p.id) FROM outbox p WHERE p.incident_id = o.incident_id AND p.desk = o.desk AND p.state = 'pending')
             ORDER BY o.id LIMIT $2 FOR UPDATE OF o SKIP LOCKED)
           RETURNING *`,
          [nowMs, limit, holder, untilMs],
        )
          .map(mapOutbox)
          .sort((a, b) => a.id - b.id),
      leaseOutbox: (id, attempts, untilMs, holder) =>
        db.count(
          "UPDATE outbox SET attempts = $2, next_attempt_at_ms = $3, lease_until_ms = $3 WHERE id = $1 AND ($4::text IS NULL OR (claimed_by = $4 AND state = 'pending'))",
          [id, attempts, untilMs, holder ?? null],
        ) === 1,
      releaseOutboxClaim: (id, holder, nowMs) => {
        db.write("UPDATE outbox SET next_attempt_at_ms = $3, lease_until_ms = NULL WHERE id = $1 AND claimed_by = $2 AND state = 'pending'", [id, holder, nowMs]);
      },
      releaseOutboxLeases: (nowMs) => db.count("UPDATE outbox SET next_attempt_at_ms = $1, lease_until_ms = NULL WHERE state = 'pending' AND lease_until_ms IS NOT NULL", [nowMs]),
      markOutboxSuperseded: (id, atMs) => {
        db.write("UPDATE outbox SET state = 'superseded', delivered_at_ms = $2 WHERE id = $1", [id, atMs]);
      },
      reviveOutbox: (id, nowMs) => {
        const row = this.getOutbox(id);
        if (!row || row.state !== 'dead') return [];
        return this.rows(
          "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at_ms = $1 WHERE state = 'dead' AND incident_id = $2 AND desk = $3 AND id >= $4 RETURNING id",
          [nowMs, row.incidentId, row.desk, id],
        )
          .map((r) => Number(r.id))
          .sort((a, b) => a - b);
      },
      markTicketChecked: (incidentId, desk, deskStatus, atMs) => {
        db.write('UPDATE tickets SET desk_status = $3, checked_at_ms = $4 WHERE incident_id = $1 AND desk = $2', [incidentId, desk, deskStatus, atMs]);
      },
      deleteTicket: (incidentId, desk) => {
        db.write('DELETE FROM tickets WHERE incident_id = $1 AND desk = $2', [incidentId, desk]);
      },
      desksForIncident: (incidentId) => this.desksForIncident(incidentId),
      markOutboxAttempt: (id, attempts, nextAttemptAtMs, lastError) => {
        db.write('UPDATE outbox SET attempts = $2, next_attempt_at_ms = $3, last_error = $4, lease_until_ms = NULL WHERE id = $1', [id, attempts, nextAttemptAtMs, lastError]);
      },
      markOutboxDelivered: (id, atMs) => {
        db.write("UPDATE outbox SET state = 'delivered', delivered_at_ms = $2, last_error = NULL, lease_until_ms = NULL WHERE id = $1", [id, atMs]);
      },
      markOutboxDead: (id, lastError) => {
        db.write("UPDATE outbox SET state = 'dead', last_error = $2, lease_until_ms = NULL WHERE id = $1", [id, lastError]);
      },
      saveTicket: (t) => {
        db.write(
          `INSERT INTO tickets (incident_id, desk, external_id, url, state, created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (incident_id, desk) DO UPDATE SET external_id = excluded.external_id, url = excluded.url, state = excluded.state, updated_at_ms = excluded.updated_at_ms`,
          [t.incidentId, t.desk, t.externalId, t.url, t.state, t.createdAtMs, t.updatedAtMs],
        );
      },
      retireHost: (hostname, atMs, enrolment) => {
        const hosts = db.count('UPDATE hosts SET decommissioned_at_ms = $1 WHERE hostname = $2 AND decommissioned_at_ms IS NULL', [atMs, hostname]);
        const agents =
          enrolment === 'revoke'
            ? db.count('UPDATE agents SET revoked_at_ms = $1 WHERE hostname = $2 AND revoked_at_ms IS NULL', [atMs, hostname])
            : db.count('DELETE FROM agents WHERE hostname = $1', [hostname]);
        return { hosts, agents };
      },
    };
  }

  private insertReport(report: ReportRecord): boolean {
    const hostId = this.hostIdOf(report);
    // The chunk's base time is its earliest observation, so range queries find spooled reports by when they were observed;
    // its latest sample time bounds how far past the base a range read must look (postgresHistory.ts).
    const baseAtMs = report.samples.reduce((min, s) => Math.min(min, s.atMs), report.receivedAtMs);
    const lastAtMs = report.samples.reduce((max, s) => Math.max(max, s.atMs), baseAtMs);
    const ids = this.seriesIdsOf(hostId, report);
    const encoded = encodeReportChunk(baseAtMs, report.samples, ids);
    const stored = this.rows(INSERT_REPORT, [hostId, ...hostFacts(report), baseAtMs, encoded, JSON.stringify(report.checks), encodeTexts(report.samples), lastAtMs]);
    return stored.length === 1;
  }

  private hostIdOf(report: ReportRecord): number {
    const cached = this.hostIds.get(report.agentId);
    if (cached !== undefined) return cached;
    const row = this.one(UPSERT_HOST, hostFacts(report))!;
    const hostId = Number(row.host_id);
    this.hostIds.set(report.agentId, hostId);
    return hostId;
  }

  private seriesIdsOf(hostId: number, report: ReportRecord): ArrayLike<number> {
    const { samples } = report;
    const shape = report.shape ?? mergedShape(samples);
    const known = this.shapes.idsOf(hostId, shape);
    if (known !== undefined && known.length === samples.length) return known;
    const keys = samples.map((s) => ({ metric: s.metric, labels: canonicalLabels(s.labels) }));
    const byKey = new Map<string, number>();
    // A series another collector is making at this moment is not visible to the first try; the second sees it.
    for (let attempt = 0; attempt < 3 && byKey.size < new Set(keys.map((k) => k.metric + '\n' + k.labels)).size; attempt++) {
      for (const r of this.rows(RESOLVE_SERIES, [hostId, keys.map((k) => k.metric), keys.map((k) => k.labels)])) {
        byKey.set(`${String(r.metric)}\n${String(r.labels)}`, Number(r.series_id));
      }
    }
    const ids = keys.map((k) => {
      const id = byKey.get(`${k.metric}\n${k.labels}`);
      if (id === undefined) throw new Error(`series ${k.metric}${k.labels} of host ${hostId} could not be made`);
      return id;
    });
    this.shapes.remember(hostId, shape, ids);
    return ids;
  }

  pruneBefore(cutoffMs: number, limit = 10_000): number {
    return this.history.pruneRaw(cutoffMs, limit);
  }

  pruneRollupsBefore(cutoffMs: number, limit = 10_000): number {
    return this.history.pruneRollups(cutoffMs, limit);
  }

  checkpointLog(): void {
    // The server checkpoints its own WAL (checkpoint_timeout, max_wal_size), off this process's thread.
  }

  compactHistory(beforeMs: number): CompactionResult | undefined {
    try {
      return this.history.compactOldest(beforeMs);
    } catch (error) {
      this.forgetMintedIds();
      throw error;
    }
  }

  readHotBlock(beforeMs: number): HotBlock | undefined {
    return this.history.readHotBlock(beforeMs);
  }

  writeCompactedBlock(hot: HotBlock, block: CompactedBlock): CompactionResult | undefined {
    try {
      return this.history.writeCompactedBlock(hot, block);
    } catch (error) {
      this.forgetMintedIds();
      throw error;
    }
  }

  sweepCompacted(): number | undefined {
    // Compaction deleted its hot rows in its own transaction: MVCC marks them dead, and autovacuum reclaims the space.
    return undefined;
  }

  findSeries(query: { hostId?: number; hostname?: string; metric: string }): SeriesRecord[] {
    const from = `SELECT ${SERIES_COLUMNS} FROM series s JOIN hosts h USING (host_id)`;
    const rows =
      query.hostId !== undefined
        ? this.rows(`${from} WHERE s.host_id = $1 AND s.metric = $2 ORDER BY s.labels`, [query.hostId, query.metric])
        : query.hostname !== undefined
          ? this.rows(`${from} WHERE h.hostname = $1 AND s.metric = $2 ORDER BY s.labels`, [query.hostname, query.metric])
          : this.rows(`${from} WHERE s.metric = $1 ORDER BY h.hostname, s.labels`, [query.metric]);
    return rows.map(mapSeries);
  }

  seriesOfHost(hostname: string): SeriesRecord[] {
    return this.rows(`SELECT ${SERIES_COLUMNS} FROM series s JOIN hosts h USING (host_id) WHERE h.hostname = $1 ORDER BY s.metric, s.labels`, [hostname]).map(mapSeries);
  }

  seriesPoints(series: Pick<SeriesRecord, 'seriesId' | 'hostId'>, fromMs: number, toMs: number, options: { hotOnly?: boolean } = {}): SeriesPoint[] {
    return this.history.seriesPoints(series.seriesId, series.hostId, fromMs, toMs, options.hotOnly ?? false);
  }

  seriesColumns(series: Pick<SeriesRecord, 'seriesId' | 'hostId'>, fromMs: number, toMs: number, options: { hotOnly?: boolean } = {}): SeriesColumns {
    return this.history.seriesColumns(series.seriesId, series.hostId, fromMs, toMs, options.hotOnly ?? false);
  }

  visitHostPoints(hostId: number, seriesIds: ReadonlySet<number>, fromMs: number, toMs: number, visit: (seriesId: number, atMs: number, value: number) => void, options: { hotOnly?: boolean } = {}): void {
    this.history.visitHostPoints(hostId, seriesIds, fromMs, toMs, visit, options.hotOnly ?? false);
  }

  rollupSteps(seriesIds: readonly number[], resolution: RollupResolution, fromMs: number, toMs: number, stepMs: number): Map<number, RollupBucket[]> {
    return seriesIds.length === 0 ? new Map() : this.history.rollupSteps(seriesIds, resolution, fromMs, toMs, stepMs);
  }

  visitStepSamples(series: ReadonlyArray<Pick<SeriesRecord, 'seriesId' | 'hostId'>>, fromMs: number, toMs: number, stepMs: number, visit: (seriesId: number, atMs: number, value: number) => void): void {
    this.history.visitStepSamples(seriesIdsByHost(series), fromMs, toMs, stepMs, visit);
  }

  rollups(seriesId: number, resolution: RollupResolution, fromMs: number, toMs: number): RollupBucket[] {
    return this.history.rollups(seriesId, resolution, fromMs, toMs);
  }

  latestPoints(series: ReadonlyArray<Pick<SeriesRecord, 'seriesId' | 'hostId'>>): Map<number, SeriesPoint> {
    const byHost = seriesIdsByHost(series);
    return byHost.size === 0 ? new Map() : this.history.latest(byHost);
  }

  tryAcquireLease(request: LeaseRequest): boolean {
    const { name, holder, ttlMs, nowMs } = request;
    // Takes the lease when free, ours, run out, or held by a holder known dead; the row lock makes two collectors' attempts take turns.
    return (
      this.db.count(
        `INSERT INTO leases (name, holder, acquired_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at_ms = excluded.expires_at_ms,
           acquired_at_ms = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at_ms ELSE excluded.acquired_at_ms END
         WHERE leases.holder = excluded.holder OR leases.expires_at_ms <= $3 OR leases.holder = $5`,
        [name, holder, nowMs, nowMs + ttlMs, request.takeOverFrom ?? null],
      ) === 1
    );
  }

  releaseLease(name: string, holder: string): boolean {
    return this.db.count('UPDATE leases SET expires_at_ms = 0 WHERE name = $1 AND holder = $2', [name, holder]) === 1;
  }

  listLeases(): LeaseRecord[] {
    return this.rows('SELECT name, holder, acquired_at_ms, expires_at_ms FROM leases ORDER BY name').map(mapLease);
  }

  close(): void {
    this.db.close();
  }

  enrollAgent(agent: { agentId: string; hostname: string; credentialSha256: string; atMs: number }): boolean {
    return this.db.transaction(() => {
      const made = this.db.count('INSERT INTO agents (agent_id, hostname, credential_sha256, enrolled_at_ms) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
        agent.agentId,
        agent.hostname,
        agent.credentialSha256,
        agent.atMs,
      ]);
      if (made !== 1) return false;
      // An agent id that enrols again (after a reset) is expected to report again.
      this.db.write('UPDATE hosts SET decommissioned_at_ms = NULL WHERE agent_id = $1', [agent.agentId]);
      return true;
    });
  }

  revokeAgent(agentId: string, atMs: number): boolean {
    return this.db.count('UPDATE agents SET revoked_at_ms = $1 WHERE agent_id = $2 AND revoked_at_ms IS NULL', [atMs, agentId]) === 1;
  }

  listAgents(): EnrolledAgent[] {
    return this.rows(`SELECT ${AGENT_COLUMNS} FROM agents ORDER BY enrolled_at_ms, agent_id`).map(agentFromRow);
  }

  findAgentByCredential(credentialSha256: string): EnrolledAgent | undefined {
    const row = this.one(`SELECT ${AGENT_COLUMNS} FROM agents WHERE credential_sha256 = $1`, [credentialSha256]);
    return row === undefined ? undefined : agentFromRow(row);
  }

  insertApiToken(token: Omit<ApiTokenRecord, 'revokedAtMs'> & { tokenSha256: string }): boolean {
    return (
      this.db.count('INSERT INTO api_tokens (name, role, token_sha256, created_at_ms, created_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [
        token.name,
        token.role,
        token.tokenSha256,
        token.createdAtMs,
        token.createdBy,
      ]) === 1
    );
  }

  revokeApiToken(name: string, atMs: number): boolean {
    return this.db.transaction(() => {
      if (this.db.count('UPDATE api_tokens SET revoked_at_ms = $1 WHERE name = $2 AND revoked_at_ms IS NULL', [atMs, name]) !== 1) return false;
      // Console sessions signed in with the token end with it (named tokens' names hold no ':', so no configured token's session shares the name).
      this.db.write('DELETE FROM console_sessions WHERE name = $1', [name]);
      return true;
    });
  }

  listApiTokens(): ApiTokenRecord[] {
    return this.rows(`SELECT ${TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at_ms, name`).map(apiTokenFromRow);
  }

  findApiTokenByDigest(tokenSha256: string): ApiTokenRecord | undefined {
    const row = this.one(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE token_sha256 = $1`, [tokenSha256]);
    return row === undefined ? undefined : apiTokenFromRow(row);
  }

  insertConsoleSession(session: ConsoleSessionRecord, keep: number): void {
    this.db.transaction(() => {
      this.db.write('INSERT INTO console_sessions (id_sha256, role, name, created_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4, $5)', [
        session.idSha256,
        session.role,
        session.name,
        session.createdAtMs,
        session.expiresAtMs,
      ]);
      this.db.write('DELETE FROM console_sessions WHERE expires_at_ms <= $1', [session.createdAtMs]);
      this.db.write('DELETE FROM console_sessions WHERE id_sha256 NOT IN (SELECT id_sha256 FROM console_sessions ORDER BY position DESC LIMIT $1)', [keep]);
    });
  }

  deleteConsoleSession(idSha256: string): boolean {
    return this.db.count('DELETE FROM console_sessions WHERE id_sha256 = $1', [idSha256]) === 1;
  }

  findConsoleSession(idSha256: string): ConsoleSessionRecord | undefined {
    const r = this.one('SELECT id_sha256, role, name, created_at_ms, expires_at_ms FROM console_sessions WHERE id_sha256 = $1', [idSha256]);
    return r === undefined ? undefined : mapConsoleSession(r);
  }

  setStatusNotice(notice: StatusNotice | null): void {
    if (notice === null) this.db.write('DELETE FROM status_notice WHERE id = 1');
    else {
      this.db.write(
        `INSERT INTO status_notice (id, text, set_by, set_at_ms) VALUES (1, $1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET text = excluded.text, set_by = excluded.set_by, set_at_ms = excluded.set_at_ms`,
        [notice.text, notice.setBy, notice.setAtMs],
      );
    }
  }

  statusNotice(): StatusNotice | undefined {
    const r = this.one('SELECT text, set_by, set_at_ms FROM status_notice WHERE id = 1');
    return r === undefined ? undefined : mapStatusNotice(r);
  }

  appendAudit(entry: Omit<AuditEntry, 'id'>): void {
    this.db.write('INSERT INTO audit_log (at_ms, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)', [entry.atMs, entry.actor, entry.action, entry.target, entry.detail]);
  }

  listAudit(limit: number): AuditEntry[] {
    return this.rows('SELECT id, at_ms, actor, action, target, detail FROM audit_log ORDER BY id DESC LIMIT $1', [limit]).map(mapAudit);
  }

  findAgent(agentId: string): EnrolledAgent | undefined {
    const row = this.one(`SELECT ${AGENT_COLUMNS} FROM agents WHERE agent_id = $1`, [agentId]);
    return row === undefined ? undefined : agentFromRow(row);
  }

  activeAgentsOnHost(hostname: string): EnrolledAgent[] {
    return this.rows(`SELECT ${AGENT_COLUMNS} FROM agents WHERE hostname = $1 AND revoked_at_ms IS NULL ORDER BY agent_id`, [hostname]).map(agentFromRow);
  }

  agentsClaimed(agentId: string, hostname: string): EnrolledAgent[] {
    return this.rows(`SELECT ${AGENT_COLUMNS} FROM agents WHERE agent_id = $1 OR (hostname = $2 AND revoked_at_ms IS NULL) ORDER BY agent_id`, [agentId, hostname]).map(agentFromRow);
  }

  listHosts(options: { inventory?: boolean } = {}): HostRecord[] {
    const columns = (options.inventory ?? true) ? '*' : HOST_COLUMNS_WITHOUT_INVENTORY;
    return this.rows(`SELECT ${columns} FROM hosts ORDER BY hostname, agent_id`).map(hostFromRow);
  }

  overdueHosts(atMs: number, page?: OverduePage): HostRecord[] {
    return this.rows(
      `SELECT ${HOST_COLUMNS_WITHOUT_INVENTORY} FROM hosts WHERE decommissioned_at_ms IS NULL AND last_report_at_ms + interval_seconds * 1000 <= $1
        AND ($2::text IS NULL OR (hostname, agent_id) > ($2::text, $3::text)) ORDER BY hostname, agent_id LIMIT $4`,
      [atMs, page?.after?.hostname ?? null, page?.after?.agentId ?? null, page?.limit ?? null],
    ).map(hostFromRow);
  }

  findHost(hostname: string): HostRecord | undefined {
    const row = this.one('SELECT * FROM hosts WHERE hostname = $1 ORDER BY agent_id LIMIT 1', [hostname]);
    return row === undefined ? undefined : hostFromRow(row);
  }

  loadRuleStates(): Map<string, RuleState> {
    const states = new Map<string, RuleState>();
    for (const row of this.rows('SELECT fingerprint, state FROM rule_states')) states.set(String(row.fingerprint), parseRuleStateText(String(row.state)));
    return states;
  }

  getIncident(id: number): IncidentRecord | undefined {
    return this.incidents('WHERE id = $1', [id])[0];
  }

  listIncidents(filter: IncidentFilter = {}): IncidentRecord[] {
    const { status = null, host = null, severity = null, ruleName = null, beforeId = null, limit = 1000 } = filter;
    return this.incidents(
      `WHERE ($1::text IS NULL OR status = $1 OR ($1 = 'active' AND status IN ('open', 'acknowledged')))
         AND ($2::text IS NULL OR host = $2) AND ($3::text IS NULL OR severity = $3) AND ($4::text IS NULL OR rule_name = $4)
         AND ($5::bigint IS NULL OR id < $5)
       ORDER BY id DESC LIMIT $6`,
      [status, host, severity, ruleName, beforeId, limit],
    );
  }

  incidentPriority(incidentId: number): IncidentPriorityRecord | undefined {
    const r = this.one('SELECT * FROM incident_priorities WHERE incident_id = $1', [incidentId]);
    return r === undefined ? undefined : mapIncidentPriority(r);
  }

  incidentEvents(incidentId: number): IncidentEvent[] {
    return this.rows('SELECT * FROM incident_events WHERE incident_id = $1 ORDER BY id', [incidentId]).map(mapIncidentEvent);
  }

  dueOutbox(nowMs: number, limit: number): OutboxRow[] {
    return this.rows(
      `SELECT o.* FROM outbox o WHERE o.state = 'pending' AND o.next_attempt_at_ms <= $1
         AND o.id = (SELECT min(p.id) FROM outbox p WHERE p.incident_id = o.incident_id AND p.desk = o.desk AND p.state = 'pending')
       ORDER BY o.id LIMIT $2`,
      [nowMs, limit],
    ).map(mapOutbox);
  }

  outboxForIncident(incidentId: number): OutboxRow[] {
    return this.rows('SELECT * FROM outbox WHERE incident_id = $1 ORDER BY id', [incidentId]).map(mapOutbox);
  }

  getOutbox(id: number): OutboxRow | undefined {
    const row = this.one('SELECT * FROM outbox WHERE id = $1', [id]);
    return row ? mapOutbox(row) : undefined;
  }

  listOutbox(filter: OutboxFilter = {}): OutboxRow[] {
    return this.rows('SELECT * FROM outbox WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR desk = $2) ORDER BY id DESC LIMIT $3', [
      filter.state ?? null,
      filter.desk ?? null,
      filter.limit ?? 1000,
    ]).map(mapOutbox);
  }

  desksForIncident(incidentId: number): string[] {
    return this.rows('SELECT DISTINCT desk FROM outbox WHERE incident_id = $1 ORDER BY desk', [incidentId]).map((r) => String(r.desk));
  }

  lastDeliveredAtMs(incidentId: number, desk: string, operations: readonly OutboxOperation[]): number | undefined {
    const at = this.one("SELECT max(delivered_at_ms) AS at FROM outbox WHERE incident_id = $1 AND desk = $2 AND state = 'delivered' AND operation = ANY($3)", [
      incidentId,
      desk,
      [...operations],
    ])?.at;
    return at === null || at === undefined ? undefined : Number(at);
  }

  ticketsToCheck(sinceMs: number, limit: number): TicketRecord[] {
    return this.rows(
      `SELECT t.* FROM tickets t JOIN incidents i ON i.id = t.incident_id
       WHERE i.status IN ('open', 'acknowledged') OR t.state = 'open' OR i.updated_at_ms >= $1
       ORDER BY coalesce(t.checked_at_ms, 0), t.incident_id LIMIT $2`,
      [sinceMs, limit],
    ).map(mapTicket);
  }

  countOutbox(state: OutboxState): number {
    return Number(this.one('SELECT count(*) AS n FROM outbox WHERE state = $1', [state])!.n);
  }

  countIncidents(status: IncidentStatus): number {
    return Number(this.one('SELECT count(*) AS n FROM incidents WHERE status = $1', [status])!.n);
  }

  getTicket(incidentId: number, desk: string): TicketRecord | undefined {
    const r = this.one('SELECT * FROM tickets WHERE incident_id = $1 AND desk = $2', [incidentId, desk]);
    return r ? mapTicket(r) : undefined;
  }

  serviceIncidentLinks(query: { service: string } | { serviceIncidentId: number } | { incidentId: number }): ServiceIncidentLink[] {
    const rows =
      'serviceIncidentId' in query
        ? this.rows('SELECT * FROM service_incident_links WHERE service_incident_id = $1 ORDER BY incident_id', [query.serviceIncidentId])
        : 'incidentId' in query
          ? this.rows('SELECT * FROM service_incident_links WHERE incident_id = $1 ORDER BY service_incident_id', [query.incidentId])
          : this.rows('SELECT * FROM service_incident_links WHERE service = $1 ORDER BY service_incident_id, incident_id', [query.service]);
    return rows.map(mapServiceLink);
  }

  latestServiceStates(): ServiceStateChange[] {
    return this.rows('SELECT DISTINCT ON (service) * FROM service_state_changes ORDER BY service, id DESC').map(mapServiceStateChange);
  }

  serviceStateChanges(service: string, fromMs: number, toMs: number): ServiceStateChange[] {
    return this.rows(
      `SELECT * FROM service_state_changes WHERE service = $1 AND at_ms < $3
         AND (at_ms >= $2 OR id = (SELECT max(id) FROM service_state_changes WHERE service = $1 AND at_ms < $2)) ORDER BY at_ms, id`,
      [service, fromMs, toMs],
    ).map(mapServiceStateChange);
  }

  childIncidents(parentId: number): IncidentRecord[] {
    return this.incidents('WHERE parent_incident_id = $1 ORDER BY id', [parentId]);
  }

  listSilences(nowMs?: number): SilenceRecord[] {
    return this.rows('SELECT * FROM silences WHERE expires_at_ms > $1 ORDER BY id', [nowMs ?? Number.MIN_SAFE_INTEGER]).map(mapSilence);
  }

  getSilence(id: number): SilenceRecord | undefined {
    const row = this.one('SELECT * FROM silences WHERE id = $1', [id]);
    return row ? mapSilence(row) : undefined;
  }

  listMaintenance(): MaintenanceRecord[] {
    return this.rows('SELECT * FROM maintenance_windows ORDER BY id').map(mapMaintenance);
  }

  iterateSamples(fromMs: number, toMs: number): Iterable<StoredSample> {
    return samplesOfBlocks(this.iterateSampleBlocks(fromMs, toMs));
  }

  iterateSampleBlocks(fromMs: number, toMs: number): SampleBlocks {
    const series = new Map<number, StoredSeries>();
    for (const r of this.rows('SELECT s.series_id, s.metric, s.labels, h.hostname FROM series s JOIN hosts h USING (host_id)')) {
      series.set(Number(r.series_id), { metric: String(r.metric), labels: { ...(JSON.parse(String(r.labels)) as Record<string, string>), host: String(r.hostname) } });
    }
    return { series, blocks: this.history.sampleBlocks(fromMs, toMs) };
  }

  *hostSamples(hostname: string, fromMs: number, toMs: number): Iterable<StoredSample> {
    const series = new Map<number, { metric: string; labels: Record<string, string> }>();
    const members: Array<{ hostId: number; seriesId: number }> = [];
    for (const r of this.rows('SELECT s.series_id, s.host_id, s.metric, s.labels FROM series s JOIN hosts h USING (host_id) WHERE h.hostname = $1 ORDER BY s.series_id', [hostname])) {
      series.set(Number(r.series_id), { metric: String(r.metric), labels: { ...(JSON.parse(String(r.labels)) as Record<string, string>), host: hostname } });
      members.push({ hostId: Number(r.host_id), seriesId: Number(r.series_id) });
    }
    for (const [hostId, ids] of seriesIdsByHost(members)) {
      for (const s of this.history.hostPoints(hostId, ids, fromMs, toMs)) {
        const known = series.get(s.seriesId)!;
        yield withText({ metric: known.metric, labels: known.labels, value: s.value, atMs: s.atMs }, s.text);
      }
    }
  }

  querySeries(metric: string, labels: Record<string, string>, fromMs: number, toMs: number): StoredSample[] {
    const host = labels.host;
    if (host === undefined) return [];
    const series = this.rows('SELECT s.series_id, s.host_id FROM series s JOIN hosts h USING (host_id) WHERE h.hostname = $1 AND s.metric = $2 AND s.labels = $3', [
      host,
      metric,
      canonicalLabels(labels),
    ]);
    const samples: StoredSample[] = [];
    for (const r of series) {
      for (const p of this.history.seriesPoints(Number(r.series_id), Number(r.host_id), fromMs, toMs)) samples.push(withText({ metric, labels, value: p.value, atMs: p.atMs }, p.text));
    }
    return samples.sort((a, b) => a.atMs - b.atMs);
  }
}
