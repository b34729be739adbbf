/**
 * Every SQL statement of the SQLite store, prepared once per connection.
 */
import type Database from 'better-sqlite3';
import { HOSTS_AS_REPAIRED } from './hostTouches.js';

const INCIDENT_COLUMNS = `id, key, fingerprint, rule_name, rule_version, host, severity, summary, description, labels,
  status, opened_at_ms, resolved_at_ms, updated_at_ms, why, occurrences, parent_incident_id, ticketed, hold, flapping,
  settling_since_ms, rearm_at_ms`;

/** What a report sets on its host's row (touchHost, touchSameHost), its name aside. */
const TOUCH_HOST_COLUMNS = `labels = @labels, version = @version, interval_seconds = @intervalSeconds,
  last_sequence = max(last_sequence, @sequence), last_report_at_ms = @atMs,
  addresses = coalesce(@addresses, addresses), default_gateway = coalesce(@defaultGateway, default_gateway),
  inventory = coalesce(@inventory, inventory)`;

/** A host row as overdueHosts returns it (inventory left out). */
const OVERDUE_HOST_COLUMNS = `host_id, agent_id, hostname, labels, version, interval_seconds, last_sequence, first_seen_at_ms, last_report_at_ms, addresses,
  default_gateway, NULL AS inventory, decommissioned_at_ms`;

/** The overdue hosts (Store.overdueHosts): not decommissioned, due by :atMs, a page after :afterHostname/:afterAgentId by name. */
const OVERDUE_HOST_PAGE = `decommissioned_at_ms IS NULL AND last_report_at_ms + interval_seconds * 1000 <= :atMs
  AND (:afterHostname IS NULL OR (hostname, agent_id) > (:afterHostname, :afterAgentId)) ORDER BY hostname, agent_id LIMIT :limit`;

export function createSqliteStatements(db: Database.Database) {
  const readOnly = db.readonly;
  const prepare = (sql: string) => db.prepare(sql);
  const writes = readOnly
    ? undefined
    : {
        upsertHost: prepare(`INSERT INTO hosts (agent_id, hostname, labels, version, interval_seconds, last_sequence, first_seen_at_ms, last_report_at_ms, addresses, default_gateway, inventory)
          VALUES (@agentId, @hostname, @labels, @version, @intervalSeconds, @sequence, @atMs, @atMs, coalesce(@addresses, '[]'), @defaultGateway, @inventory)
          ON CONFLICT (agent_id) DO UPDATE SET hostname = excluded.hostname, labels = excluded.labels, version = excluded.version,
            interval_seconds = excluded.interval_seconds, last_sequence = max(last_sequence, excluded.last_sequence),
            last_report_at_ms = excluded.last_report_at_ms,
            addresses = coalesce(@addresses, addresses), default_gateway = coalesce(@defaultGateway, default_gateway),
            inventory = coalesce(@inventory, inventory)
          RETURNING host_id`),
        touchHost: prepare(`UPDATE hosts SET hostname = @hostname, ${TOUCH_HOST_COLUMNS} WHERE host_id = @hostId AND agent_id = @agentId`),
        // touchHost for a host whose name is unchanged: a column set by an UPDATE has its indexes rewritten even when its value is the same (hosts_by_hostname).
        touchSameHost: prepare(`UPDATE hosts SET ${TOUCH_HOST_COLUMNS} WHERE host_id = @hostId AND agent_id = @agentId AND hostname = @hostname`),
        recommissionAgentHost: prepare('UPDATE hosts SET decommissioned_at_ms = NULL WHERE agent_id = ?'),
        decommissionHost: prepare('UPDATE hosts SET decommissioned_at_ms = ? WHERE hostname = ? AND decommissioned_at_ms IS NULL'),
        revokeAgentsOfHost: prepare('UPDATE agents SET revoked_at_ms = ? WHERE hostname = ? AND revoked_at_ms IS NULL'),
        deleteAgentsOfHost: prepare('DELETE FROM agents WHERE hostname = ?'),
        insertAgent: prepare('INSERT OR IGNORE INTO agents (agent_id, hostname, credential_sha256, enrolled_at_ms) VALUES (?, ?, ?, ?)'),
        revokeAgent: prepare('UPDATE agents SET revoked_at_ms = ? WHERE agent_id = ? AND revoked_at_ms IS NULL'),
        // Takes the lease when free, ours, run out, or held by a holder known dead; no row changes otherwise.
        acquireLease: prepare(`INSERT INTO leases (name, holder, acquired_at_ms, expires_at_ms) VALUES (@name, @holder, @nowMs, @expiresAtMs)
          ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at_ms = excluded.expires_at_ms,
            acquired_at_ms = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at_ms ELSE excluded.acquired_at_ms END
          WHERE leases.holder = excluded.holder OR leases.expires_at_ms <= @nowMs OR leases.holder = @takeOverFrom`),
        releaseLease: prepare('UPDATE leases SET expires_at_ms = 0 WHERE name = ? AND holder = ?'),
        insertSeries: prepare('INSERT INTO series (host_id, metric, labels) VALUES (?, ?, ?)'),
        // No unique key (migration 20): insertReport looks the report up first (hotReportStored), on the leaf the insert then writes.
        hotReportStored: prepare('SELECT 1 FROM report_chunks WHERE host_id = ? AND sequence = ?').pluck(),
        insertChunk: prepare('INSERT INTO report_chunks (host_id, sequence, base_at_ms, last_at_ms, received_at_ms, samples, checks, texts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
        upsertRuleState: prepare(`INSERT INTO rule_states (fingerprint, rule_name, state, host, written_by, written_at_ms) VALUES (?, ?, ?, ?, ?, ?)
          ON CONFLICT (fingerprint) DO UPDATE SET rule_name = excluded.rule_name, state = excluded.state, host = excluded.host, written_by = excluded.written_by,
            written_at_ms = excluded.written_at_ms`),
        // upsertRuleState of a row whose rule and host are unchanged (always, but for a fingerprint reused): leaves rule_states_by_host alone.
        updateRuleState: prepare('UPDATE rule_states SET state = ?, written_by = ?, written_at_ms = ? WHERE fingerprint = ? AND rule_name = ? AND host IS ?'),
        deleteRuleState: prepare('DELETE FROM rule_states WHERE fingerprint = ?'),
        claimHostRuleStates: prepare(`UPDATE rule_states SET written_by = @reader, written_at_ms = @atMs
          WHERE host IN (SELECT value FROM json_each(@hosts)) AND written_by IS NOT @reader`),
        saveOwnRuleState: prepare('UPDATE rule_states SET rule_name = ?, state = ?, written_at_ms = ? WHERE fingerprint = ? AND written_by = ?'),
        deleteOwnRuleState: prepare('DELETE FROM rule_states WHERE fingerprint = ? AND written_by = ?'),
        adoptRuleState: prepare(`UPDATE rule_states SET written_by = @writer, written_at_ms = @atMs
          WHERE fingerprint = @fingerprint AND written_by IS NOT @writer AND coalesce(written_at_ms, 0) < @adoptBeforeMs RETURNING state`),
        ruleState: prepare('SELECT state FROM rule_states WHERE fingerprint = ?'),
        deleteStaleRuleState: prepare(`DELETE FROM rule_states WHERE fingerprint = ? AND coalesce(json_extract(state, '$.lastSampleAtMs'), -9e999) <= ?`),
        insertIncident: prepare(`INSERT INTO incidents (key, fingerprint, rule_name, rule_version, host, severity, summary, description, labels, status, opened_at_ms, resolved_at_ms, updated_at_ms, why,
            occurrences, parent_incident_id, ticketed, hold, flapping, settling_since_ms, rearm_at_ms)
          VALUES (@key, @fingerprint, @ruleName, @ruleVersion, @host, @severity, @summary, @description, @labels, @status, @openedAtMs, @resolvedAtMs, @updatedAtMs, @why,
            @occurrences, @parentIncidentId, @ticketed, @hold, @flapping, @settlingSinceMs, @rearmAtMs)`),
        updateIncident: prepare(`UPDATE incidents SET status = @status, resolved_at_ms = @resolvedAtMs, updated_at_ms = @updatedAtMs, severity = @severity, summary = @summary,
          why = @why, occurrences = @occurrences, parent_incident_id = @parentIncidentId, ticketed = @ticketed, hold = @hold, flapping = @flapping,
          settling_since_ms = @settlingSinceMs, rearm_at_ms = @rearmAtMs WHERE id = @id`),
        upsertFlapHistory: prepare('INSERT INTO flap_history (fingerprint, transitions) VALUES (?, ?) ON CONFLICT (fingerprint) DO UPDATE SET transitions = excluded.transitions'),
        insertSilence: prepare(`INSERT INTO silences (matchers, comment, created_by, starts_at_ms, expires_at_ms, created_at_ms)
          VALUES (@matchers, @comment, @createdBy, @startsAtMs, @expiresAtMs, @createdAtMs)`),
        expireSilence: prepare('UPDATE silences SET expires_at_ms = min(expires_at_ms, @atMs) WHERE id = @id'),
        insertMaintenance: prepare(`INSERT INTO maintenance_windows (cron, duration_seconds, host, host_group, comment, created_at_ms)
          VALUES (@cron, @durationSeconds, @host, @group, @comment, @createdAtMs)`),
        deleteMaintenance: prepare('DELETE FROM maintenance_windows WHERE id = ?'),
        upsertIncidentPriority: prepare(`INSERT INTO incident_priorities (incident_id, services, impact, urgency, priority, initial_priority, reason, sla_breach)
          VALUES (@incidentId, @services, @impact, @urgency, @priority, @initialPriority, @reason, @slaBreach)
          ON CONFLICT (incident_id) DO UPDATE SET services = excluded.services, impact = excluded.impact, urgency = excluded.urgency,
            priority = excluded.priority, reason = excluded.reason, sla_breach = excluded.sla_breach`),
        insertIncidentEvent: prepare('INSERT INTO incident_events (incident_id, at_ms, kind, text, data) VALUES (@incidentId, @atMs, @kind, @text, @data)'),
        insertOutbox: prepare(`INSERT INTO outbox (incident_id, desk, operation, state, attempts, next_attempt_at_ms, created_at_ms, note, link_incident_id)
          VALUES (@incidentId, @desk, @operation, 'pending', 0, @nextAttemptAtMs, @createdAtMs, @note, @linkIncidentId)`),
        insertServiceLink: prepare(`INSERT OR IGNORE INTO service_incident_links (service_incident_id, incident_id, service, linked_at_ms)
          VALUES (@serviceIncidentId, @incidentId, @service, @linkedAtMs)`),
        insertServiceStateChange: prepare('INSERT INTO service_state_changes (service, state, at_ms, reason) VALUES (@service, @state, @atMs, @reason)'),
        pendingUntriedUpdate: prepare(`SELECT id FROM outbox WHERE incident_id = ? AND desk = ? AND state = 'pending' AND operation = 'update' AND attempts = 0
          AND id = (SELECT max(id) FROM outbox WHERE incident_id = ? AND desk = ? AND state = 'pending')`),
        hurryHeldUpdates: prepare(`UPDATE outbox SET next_attempt_at_ms = min(next_attempt_at_ms, @nowMs)
          WHERE incident_id = @incidentId AND desk = @desk AND state = 'pending' AND operation = 'update' AND attempts = 0`),
        markOutboxSuperseded: prepare("UPDATE outbox SET state = 'superseded', delivered_at_ms = @atMs WHERE id = @id"),
        reviveOutbox: prepare(`UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at_ms = @nowMs
          WHERE state = 'dead' AND incident_id = @incidentId AND desk = @desk AND id >= @id RETURNING id`),
        markTicketChecked: prepare('UPDATE tickets SET desk_status = @deskStatus, checked_at_ms = @atMs WHERE incident_id = @incidentId AND desk = @desk'),
        deleteTicket: prepare('DELETE FROM tickets WHERE incident_id = ? AND desk = ?'),
        markOutboxAttempt: prepare('UPDATE outbox SET attempts = @attempts, next_attempt_at_ms = @nextAttemptAtMs, last_error = @lastError, lease_until_ms = NULL WHERE id = @id'),
        leaseOutbox: prepare(`UPDATE outbox SET attempts = @attempts, next_attempt_at_ms = @untilMs, lease_until_ms = @untilMs
          WHERE id = @id AND (@holder IS NULL OR (claimed_by = @holder AND state = 'pending'))`),
        claimOutbox: prepare(`UPDATE outbox SET claimed_by = @holder, lease_until_ms = @untilMs, next_attempt_at_ms = @untilMs
          WHERE id IN (SELECT o.id FROM outbox o WHERE o.state = 'pending' AND o.next_attempt_at_ms <= @nowMs
            AND o.id = (SELECT min(p.id) FROM outbox p WHERE p.incident_id = o.incident_id AND p.desk = o.desk AND p.state = 'pending')
            ORDER BY o.id LIMIT @limit)
          RETURNING *`),
        releaseOutboxClaim: prepare("UPDATE outbox SET next_attempt_at_ms = @nowMs, lease_until_ms = NULL WHERE id = @id AND claimed_by = @holder AND state = 'pending'"),
        releaseOutboxLeases: prepare("UPDATE outbox SET next_attempt_at_ms = @nowMs, lease_until_ms = NULL WHERE state = 'pending' AND lease_until_ms IS NOT NULL"),
        markOutboxDelivered: prepare("UPDATE outbox SET state = 'delivered', delivered_at_ms = @atMs, last_error = NULL, lease_until_ms = NULL WHERE id = @id"),
        markOutboxDead: prepare("UPDATE outbox SET state = 'dead', last_error = @lastError, lease_until_ms = NULL WHERE id = @id"),
        upsertTicket: prepare(`INSERT INTO tickets (incident_id, desk, external_id, url, state, created_at_ms, updated_at_ms)
          VALUES (@incidentId, @desk, @externalId, @url, @state, @createdAtMs, @updatedAtMs)
          ON CONFLICT (incident_id, desk) DO UPDATE SET external_id = excluded.external_id, url = excluded.url, state = excluded.state, updated_at_ms = excluded.updated_at_ms`),
      };
  // A host row's last sequence and report time lag its stored reports while the writer holds its
  // touches (a few seconds) and, in a file whose collector died, until one opens it for writing: a
  // read-only connection, which sees the reports but cannot repair, reads the rows as repaired.
  const hosts = readOnly ? `${HOSTS_AS_REPAIRED} AS hosts` : 'hosts';
  const reads = {
    findSeries: prepare('SELECT series_id FROM series WHERE host_id = ? AND metric = ? AND labels = ?'),
    findSeriesByHostname: prepare('SELECT s.series_id, s.host_id FROM series s JOIN hosts h USING (host_id) WHERE h.hostname = ? AND s.metric = ? AND s.labels = ?'),
    seriesOfHostId: prepare('SELECT s.series_id, s.host_id, h.hostname, s.metric, s.labels FROM series s JOIN hosts h USING (host_id) WHERE s.host_id = ? AND s.metric = ? ORDER BY s.labels'),
    // CROSS JOIN keeps the host outer: else SQLite walks every series of the metric (series_by_metric), 2 ms a call with 1,000 hosts.
    seriesOfHostnameMetric: prepare('SELECT s.series_id, s.host_id, h.hostname, s.metric, s.labels FROM hosts h CROSS JOIN series s ON s.host_id = h.host_id WHERE h.hostname = ? AND s.metric = ? ORDER BY s.labels'),
    seriesOfMetric: prepare('SELECT s.series_id, s.host_id, h.hostname, s.metric, s.labels FROM series s JOIN hosts h USING (host_id) WHERE s.metric = ? ORDER BY h.hostname, s.labels'),
    listHosts: prepare(`SELECT * FROM ${hosts} ORDER BY hostname, agent_id`),
    listHostsWithoutInventory: prepare(`SELECT host_id, agent_id, hostname, labels, version, interval_seconds, last_sequence, first_seen_at_ms, last_report_at_ms, addresses,
      default_gateway, NULL AS inventory, decommissioned_at_ms FROM ${hosts} ORDER BY hostname, agent_id`),
    overdueHosts: prepare(`SELECT ${OVERDUE_HOST_COLUMNS} FROM ${hosts} WHERE ${OVERDUE_HOST_PAGE}`),
    // overdueHosts among the hosts a writable store knows to be due (SqliteStore.dueAtMs): their rows alone, by rowid.
    overdueHostsAmong: prepare(`SELECT ${OVERDUE_HOST_COLUMNS} FROM hosts WHERE host_id IN (SELECT value FROM json_each(:hostIds)) AND ${OVERDUE_HOST_PAGE}`),
    hostsDueAt: prepare('SELECT host_id, last_report_at_ms + interval_seconds * 1000 FROM hosts WHERE decommissioned_at_ms IS NULL'),
    hostByName: prepare(`SELECT * FROM ${hosts} WHERE hostname = ? ORDER BY agent_id LIMIT 1`),
    seriesOfHostnameAll: prepare('SELECT s.series_id, s.host_id, h.hostname, s.metric, s.labels FROM series s JOIN hosts h USING (host_id) WHERE h.hostname = ? ORDER BY s.metric, s.labels'),
    listAgents: prepare('SELECT agent_id, hostname, enrolled_at_ms, revoked_at_ms FROM agents ORDER BY enrolled_at_ms, agent_id'),
    agentByCredential: prepare('SELECT agent_id, hostname, enrolled_at_ms, revoked_at_ms FROM agents WHERE credential_sha256 = ?'),
    insertApiToken: prepare('INSERT OR IGNORE INTO api_tokens (name, role, token_sha256, created_at_ms, created_by) VALUES (@name, @role, @tokenSha256, @createdAtMs, @createdBy)'),
    revokeApiToken: prepare('UPDATE api_tokens SET revoked_at_ms = ? WHERE name = ? AND revoked_at_ms IS NULL'),
    listApiTokens: prepare('SELECT name, role, created_at_ms, created_by, revoked_at_ms FROM api_tokens ORDER BY created_at_ms, name'),
    apiTokenByDigest: prepare('SELECT name, role, created_at_ms, created_by, revoked_at_ms FROM api_tokens WHERE token_sha256 = ?'),
    insertConsoleSession: prepare('INSERT INTO console_sessions (id_sha256, role, name, created_at_ms, expires_at_ms) VALUES (@idSha256, @role, @name, @createdAtMs, @expiresAtMs)'),
    consoleSessionByDigest: prepare('SELECT id_sha256, role, name, created_at_ms, expires_at_ms FROM console_sessions WHERE id_sha256 = ?'),
    deleteConsoleSession: prepare('DELETE FROM console_sessions WHERE id_sha256 = ?'),
    deleteConsoleSessionsOfToken: prepare('DELETE FROM console_sessions WHERE name = ?'),
    deleteExpiredConsoleSessions: prepare('DELETE FROM console_sessions WHERE expires_at_ms <= ?'),
    trimConsoleSessions: prepare('DELETE FROM console_sessions WHERE id_sha256 NOT IN (SELECT id_sha256 FROM console_sessions ORDER BY rowid DESC LIMIT ?)'),
    statusNotice: prepare('SELECT text, set_by, set_at_ms FROM status_notice WHERE id = 1'),
    setStatusNotice: prepare('INSERT INTO status_notice (id, text, set_by, set_at_ms) VALUES (1, @text, @setBy, @setAtMs) ON CONFLICT (id) DO UPDATE SET text = excluded.text, set_by = excluded.set_by, set_at_ms = excluded.set_at_ms'),
    clearStatusNotice: prepare('DELETE FROM status_notice WHERE id = 1'),
    insertAudit: prepare('INSERT INTO audit_log (at_ms, actor, action, target, detail) VALUES (@atMs, @actor, @action, @target, @detail)'),
    listAudit: prepare('SELECT id, at_ms, actor, action, target, detail FROM audit_log ORDER BY id DESC LIMIT ?'),
    agentById: prepare('SELECT agent_id, hostname, enrolled_at_ms, revoked_at_ms FROM agents WHERE agent_id = ?'),
    agentsClaimed: prepare(
      'SELECT agent_id, hostname, enrolled_at_ms, revoked_at_ms FROM agents WHERE agent_id = ? OR (hostname = ? AND revoked_at_ms IS NULL) ORDER BY agent_id',
    ),
    // Changes when another connection commits to the file (not for this connection's own commits).
    dataVersion: prepare('PRAGMA data_version').pluck(),
    activeAgentsByHostname: prepare('SELECT agent_id, hostname, enrolled_at_ms, revoked_at_ms FROM agents WHERE hostname = ? AND revoked_at_ms IS NULL ORDER BY agent_id'),
    listLeases: prepare('SELECT name, holder, acquired_at_ms, expires_at_ms FROM leases ORDER BY name'),
    listRuleStates: prepare('SELECT fingerprint, state FROM rule_states'),
    hostRuleStates: prepare(`SELECT r.fingerprint, CASE WHEN r.written_by IS NOT @reader THEN r.state END AS state
      FROM rule_states r WHERE r.host IN (SELECT value FROM json_each(@hosts))`),
    // One writer at a time on SQLite: every call reads all of the rules' states (the mark is not used), the
    // states themselves all at the first call, then only where another writer wrote them.
    rulesRuleStates: prepare(`SELECT r.fingerprint, CASE WHEN @all OR r.written_by IS NOT @reader THEN r.state END AS state
      FROM rule_states r WHERE r.rule_name IN (SELECT value FROM json_each(@names))`),
    activeIncidentByFingerprint: prepare(`SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE fingerprint = ? AND status IN ('open', 'acknowledged')`),
    incidentById: prepare(`SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE id = ?`),
    listIncidents: prepare(`SELECT ${INCIDENT_COLUMNS} FROM incidents ORDER BY id DESC LIMIT ?`),
    listActiveIncidents: prepare(`SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE status IN ('open', 'acknowledged') ORDER BY id DESC LIMIT ?`),
    listIncidentsByStatus: prepare(`SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE status = ? ORDER BY id DESC LIMIT ?`),
    filterIncidents: prepare(`SELECT ${INCIDENT_COLUMNS} FROM incidents
      WHERE (@status IS NULL OR status = @status OR (@status = 'active' AND status IN ('open', 'acknowledged')))
        AND (@host IS NULL OR host = @host) AND (@severity IS NULL OR severity = @severity) AND (@ruleName IS NULL OR rule_name = @ruleName)
        AND (@beforeId IS NULL OR id < @beforeId)
      ORDER BY id DESC LIMIT @limit`),
    countIncidents: prepare('SELECT count(*) AS n FROM incidents WHERE status = ?'),
    incidentPriority: prepare('SELECT * FROM incident_priorities WHERE incident_id = ?'),
    incidentEvents: prepare('SELECT * FROM incident_events WHERE incident_id = ? ORDER BY id'),
    dueOutbox: prepare(`SELECT o.* FROM outbox o
      WHERE o.state = 'pending' AND o.next_attempt_at_ms <= ?
        AND o.id = (SELECT min(p.id) FROM outbox p WHERE p.incident_id = o.incident_id AND p.desk = o.desk AND p.state = 'pending')
      ORDER BY o.id LIMIT ?`),
    outboxForIncident: prepare('SELECT * FROM outbox WHERE incident_id = ? ORDER BY id'),
    countOutbox: prepare('SELECT count(*) AS n FROM outbox WHERE state = ?'),
    ticket: prepare('SELECT * FROM tickets WHERE incident_id = ? AND desk = ?'),
    outboxById: prepare('SELECT * FROM outbox WHERE id = ?'),
    listOutbox: prepare(`SELECT * FROM outbox WHERE (@state IS NULL OR state = @state) AND (@desk IS NULL OR desk = @desk) ORDER BY id DESC LIMIT @limit`),
    desksForIncident: prepare('SELECT DISTINCT desk FROM outbox WHERE incident_id = ? ORDER BY desk'),
    lastDelivered: prepare(`SELECT max(delivered_at_ms) AS at FROM outbox WHERE incident_id = ? AND desk = ? AND state = 'delivered' AND operation IN (SELECT value FROM json_each(?))`),
    ticketsToCheck: prepare(`SELECT t.* FROM tickets t JOIN incidents i ON i.id = t.incident_id
      WHERE i.status IN ('open', 'acknowledged') OR t.state = 'open' OR i.updated_at_ms >= ?
      ORDER BY coalesce(t.checked_at_ms, 0), t.incident_id LIMIT ?`),
    latestIncidentByFingerprint: prepare(`SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE fingerprint = ? ORDER BY id DESC LIMIT 1`),
    rearmDueIncidents: prepare(`SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE rearm_at_ms IS NOT NULL AND rearm_at_ms <= ? ORDER BY id`),
    allActiveIncidents: prepare(`SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE status IN ('open', 'acknowledged') ORDER BY id`),
    childIncidents: prepare(`SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE parent_incident_id = ? ORDER BY id`),
    serviceLinksOf: prepare('SELECT * FROM service_incident_links WHERE service = ? ORDER BY service_incident_id, incident_id'),
    serviceLinksOfParent: prepare('SELECT * FROM service_incident_links WHERE service_incident_id = ? ORDER BY incident_id'),
    serviceLinkOfChild: prepare('SELECT * FROM service_incident_links WHERE incident_id = ? ORDER BY service_incident_id'),
    latestServiceStates: prepare(`SELECT c.* FROM service_state_changes c
      WHERE c.id = (SELECT max(d.id) FROM service_state_changes d WHERE d.service = c.service) ORDER BY c.service`),
    serviceStateChanges: prepare(`SELECT * FROM service_state_changes WHERE service = @service AND at_ms < @toMs
      AND (at_ms >= @fromMs OR id = (SELECT max(id) FROM service_state_changes WHERE service = @service AND at_ms < @fromMs)) ORDER BY at_ms, id`),
    flapHistory: prepare('SELECT transitions FROM flap_history WHERE fingerprint = ?'),
    listSilences: prepare('SELECT * FROM silences WHERE expires_at_ms > ? ORDER BY id'),
    silenceById: prepare('SELECT * FROM silences WHERE id = ?'),
    listMaintenance: prepare('SELECT * FROM maintenance_windows ORDER BY id'),
    allSeries: prepare('SELECT s.series_id, s.metric, s.labels, h.hostname FROM series s JOIN hosts h USING (host_id)'),
    seriesOfHostname: prepare('SELECT s.series_id, s.host_id, s.metric, s.labels FROM series s JOIN hosts h USING (host_id) WHERE h.hostname = ?'),
  };
  return { ...reads, ...(writes ?? ({} as NonNullable<typeof writes>)) };
}

export type SqliteStatements = ReturnType<typeof createSqliteStatements>;
