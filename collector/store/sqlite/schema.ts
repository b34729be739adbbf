/**
 * SQLite schema, applied in numbered steps. Each step runs once, in a transaction, and records
 * itself in `PRAGMA user_version`, so an upgrade never half-applies.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE hosts (
    host_id INTEGER PRIMARY KEY,
    agent_id TEXT NOT NULL UNIQUE,
    hostname TEXT NOT NULL,
    labels TEXT NOT NULL,
    version TEXT NOT NULL,
    interval_seconds REAL NOT NULL,
    last_sequence INTEGER NOT NULL,
    first_seen_at_ms INTEGER NOT NULL,
    last_report_at_ms INTEGER NOT NULL
  );
  CREATE TABLE series (
    series_id INTEGER PRIMARY KEY,
    host_id INTEGER NOT NULL REFERENCES hosts(host_id),
    metric TEXT NOT NULL,
    labels TEXT NOT NULL,
    UNIQUE (host_id, metric, labels)
  );
  CREATE TABLE report_chunks (
    host_id INTEGER NOT NULL,
    sequence INTEGER NOT NULL,
    base_at_ms INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL,
    samples BLOB NOT NULL,
    checks TEXT NOT NULL,
    PRIMARY KEY (host_id, sequence)
  ) WITHOUT ROWID;
  CREATE INDEX report_chunks_by_time ON report_chunks (host_id, base_at_ms);
  CREATE INDEX report_chunks_by_received ON report_chunks (received_at_ms);
  CREATE TABLE rule_states (
    fingerprint TEXT PRIMARY KEY,
    rule_name TEXT NOT NULL,
    state TEXT NOT NULL
  );
  CREATE TABLE incidents (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    fingerprint TEXT NOT NULL,
    rule_name TEXT NOT NULL,
    rule_version TEXT NOT NULL,
    host TEXT NOT NULL,
    severity TEXT NOT NULL,
    summary TEXT NOT NULL,
    description TEXT NOT NULL,
    labels TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved', 'closed')),
    opened_at_ms INTEGER NOT NULL,
    resolved_at_ms INTEGER,
    updated_at_ms INTEGER NOT NULL,
    why TEXT NOT NULL
  );
  CREATE UNIQUE INDEX incidents_one_active_per_fingerprint ON incidents (fingerprint)
    WHERE status IN ('open', 'acknowledged');
  CREATE INDEX incidents_by_status ON incidents (status, id);
  CREATE TABLE incident_events (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    at_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    data TEXT NOT NULL
  );
  CREATE INDEX incident_events_by_incident ON incident_events (incident_id, id);
  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    desk TEXT NOT NULL,
    operation TEXT NOT NULL CHECK (operation IN ('open', 'update', 'resolve', 'reopen')),
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms INTEGER NOT NULL,
    last_error TEXT,
    created_at_ms INTEGER NOT NULL,
    delivered_at_ms INTEGER
  );
  CREATE INDEX outbox_pending ON outbox (state, incident_id, desk, id);
  CREATE TABLE tickets (
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    desk TEXT NOT NULL,
    external_id TEXT NOT NULL,
    url TEXT,
    state TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (incident_id, desk)
  );
  `,
  // 1: desk delivery (issue 5): 'comment' operations (with their note), 'superseded' updates (coalesced into a
  // later operation), and what the desk last said about each ticket (two-way sync, reconciler).
  `
  CREATE TABLE outbox_v2 (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    desk TEXT NOT NULL,
    operation TEXT NOT NULL CHECK (operation IN ('open', 'update', 'resolve', 'reopen', 'comment')),
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead', 'superseded')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms INTEGER NOT NULL,
    last_error TEXT,
    created_at_ms INTEGER NOT NULL,
    delivered_at_ms INTEGER,
    note TEXT,
    lease_until_ms INTEGER
  );
  INSERT INTO outbox_v2 (id, incident_id, desk, operation, state, attempts, next_attempt_at_ms, last_error, created_at_ms, delivered_at_ms)
    SELECT id, incident_id, desk, operation, state, attempts, next_attempt_at_ms, last_error, created_at_ms, delivered_at_ms FROM outbox;
  DROP TABLE outbox;
  ALTER TABLE outbox_v2 RENAME TO outbox;
  CREATE INDEX outbox_pending ON outbox (state, incident_id, desk, id);
  CREATE INDEX outbox_by_state ON outbox (state, id);
  ALTER TABLE tickets ADD COLUMN desk_status TEXT;
  ALTER TABLE tickets ADD COLUMN checked_at_ms INTEGER;
  `,
  // 2: incident lifecycle (issue 4): occurrences, parent (symptom/group), ticket hold, flap history,
  // silences, maintenance windows, and a time index for replaying all report chunks in order.
  `
  ALTER TABLE incidents ADD COLUMN occurrences INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE incidents ADD COLUMN parent_incident_id INTEGER REFERENCES incidents(id);
  ALTER TABLE incidents ADD COLUMN ticketed INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE incidents ADD COLUMN hold TEXT;
  ALTER TABLE incidents ADD COLUMN flapping INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX incidents_by_fingerprint ON incidents (fingerprint, id);
  CREATE INDEX incidents_by_parent ON incidents (parent_incident_id) WHERE parent_incident_id IS NOT NULL;
  CREATE TABLE flap_history (
    fingerprint TEXT PRIMARY KEY,
    transitions TEXT NOT NULL
  );
  CREATE TABLE silences (
    id INTEGER PRIMARY KEY,
    matchers TEXT NOT NULL,
    comment TEXT NOT NULL,
    created_by TEXT NOT NULL,
    starts_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL
  );
  CREATE TABLE maintenance_windows (
    id INTEGER PRIMARY KEY,
    cron TEXT NOT NULL,
    duration_seconds REAL NOT NULL,
    host TEXT,
    host_group TEXT,
    comment TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    CHECK ((host IS NULL) <> (host_group IS NULL))
  );
  CREATE INDEX report_chunks_by_base_time ON report_chunks (base_at_ms);
  `,
  // 3: agents (issue 3): host addresses, default gateway and inventory; enrolled agents' credentials.
  `
  ALTER TABLE hosts ADD COLUMN addresses TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE hosts ADD COLUMN default_gateway TEXT;
  ALTER TABLE hosts ADD COLUMN inventory TEXT;
  CREATE TABLE agents (
    agent_id TEXT PRIMARY KEY,
    hostname TEXT NOT NULL,
    credential_sha256 TEXT NOT NULL UNIQUE,
    enrolled_at_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER
  );
  `,
  // 4: checks as signals (issue 11): the texts that came with a report's samples (a check's output line on
  // check_status), by position in the chunk; NULL when none did.
  `
  ALTER TABLE report_chunks ADD COLUMN texts TEXT;
  `,
  // 5: compressed history (issue 15): per-series Gorilla chunks (collector/history/seriesChunkCodec.ts), one
  // per series, block of time (an hour) and compaction ("part": the first report sequence it holds,
  // so reports that arrive after their block was compacted add a part); which report sequences were
  // compacted (a re-sent one is still a duplicate after its row is gone); 5-minute and 1-hour rollups;
  // series by metric (the latest values of every host) and hosts by name.
  `
  CREATE TABLE series_chunks (
    series_id INTEGER NOT NULL,
    block_start_ms INTEGER NOT NULL,
    part INTEGER NOT NULL,
    first_at_ms INTEGER NOT NULL,
    last_at_ms INTEGER NOT NULL,
    sample_count INTEGER NOT NULL,
    data BLOB NOT NULL,
    texts TEXT,
    PRIMARY KEY (series_id, block_start_ms, part)
  ) WITHOUT ROWID;
  CREATE INDEX series_chunks_by_block ON series_chunks (block_start_ms);
  CREATE TABLE compacted_reports (
    host_id INTEGER NOT NULL,
    first_sequence INTEGER NOT NULL,
    last_sequence INTEGER NOT NULL,
    block_start_ms INTEGER NOT NULL,
    PRIMARY KEY (host_id, first_sequence)
  ) WITHOUT ROWID;
  CREATE INDEX compacted_reports_by_block ON compacted_reports (block_start_ms);
  CREATE TABLE rollups_5m (
    series_id INTEGER NOT NULL,
    bucket_start_ms INTEGER NOT NULL,
    sample_count INTEGER NOT NULL,
    sum REAL NOT NULL,
    min REAL NOT NULL,
    max REAL NOT NULL,
    PRIMARY KEY (series_id, bucket_start_ms)
  ) WITHOUT ROWID;
  CREATE TABLE rollups_1h (
    series_id INTEGER NOT NULL,
    bucket_start_ms INTEGER NOT NULL,
    sample_count INTEGER NOT NULL,
    sum REAL NOT NULL,
    min REAL NOT NULL,
    max REAL NOT NULL,
    PRIMARY KEY (series_id, bucket_start_ms)
  ) WITHOUT ROWID;
  CREATE INDEX rollups_5m_by_time ON rollups_5m (bucket_start_ms);
  CREATE INDEX rollups_1h_by_time ON rollups_1h (bucket_start_ms);
  CREATE INDEX series_by_metric ON series (metric);
  CREATE INDEX hosts_by_hostname ON hosts (hostname);
  `,
  // 6: identity and roles (issue 13): enrolled agents found by host name (a report's host name must be its
  // credential's); named API tokens with a role, kept as SHA-256 digests; the audit log of operator actions.
  `
  CREATE INDEX agents_by_hostname ON agents (hostname);
  CREATE TABLE api_tokens (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at_ms INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at_ms INTEGER
  );
  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
  );
  CREATE INDEX audit_log_by_time ON audit_log (at_ms, id);
  `,
  // 7: lifecycle (issue 12): a cleared incident's settle start (it resolves once clear for incidents.resolveSettle),
  // when a manually resolved problem that persists re-arms, and decommissioned hosts (history kept, no silence tickets).
  `
  ALTER TABLE incidents ADD COLUMN settling_since_ms INTEGER;
  ALTER TABLE incidents ADD COLUMN rearm_at_ms INTEGER;
  CREATE INDEX incidents_rearming ON incidents (rearm_at_ms) WHERE rearm_at_ms IS NOT NULL;
  ALTER TABLE hosts ADD COLUMN decommissioned_at_ms INTEGER;
  `,
  // 8: the service view (issue 16): each incident's services, impact, urgency and priority, and its SLA breach.
  `
  CREATE TABLE incident_priorities (
    incident_id INTEGER PRIMARY KEY REFERENCES incidents(id),
    services TEXT NOT NULL,
    impact TEXT NOT NULL,
    urgency TEXT NOT NULL,
    priority TEXT NOT NULL,
    initial_priority TEXT NOT NULL,
    reason TEXT NOT NULL,
    sla_breach TEXT
  );
  `,
  // 9: compressed chunks in a rowid table: rows of about a kilobyte pack into its table pages, where a
  // WITHOUT ROWID b-tree spilled each into overflow pages and doubled the bytes per sample.
  `
  CREATE TABLE series_chunks_v2 (
    chunk_id INTEGER PRIMARY KEY,
    series_id INTEGER NOT NULL,
    block_start_ms INTEGER NOT NULL,
    part INTEGER NOT NULL,
    first_at_ms INTEGER NOT NULL,
    last_at_ms INTEGER NOT NULL,
    sample_count INTEGER NOT NULL,
    data BLOB NOT NULL,
    texts TEXT,
    UNIQUE (series_id, block_start_ms, part)
  );
  INSERT INTO series_chunks_v2 (series_id, block_start_ms, part, first_at_ms, last_at_ms, sample_count, data, texts)
    SELECT series_id, block_start_ms, part, first_at_ms, last_at_ms, sample_count, data, texts FROM series_chunks ORDER BY block_start_ms, series_id, part;
  DROP TABLE series_chunks;
  ALTER TABLE series_chunks_v2 RENAME TO series_chunks;
  CREATE INDEX series_chunks_by_block ON series_chunks (block_start_ms);
  `,
  // 10: console sign-ins (issue 14) survive a restart: each by the SHA-256 of its id, with its role, token name and expiry.
  `
  CREATE TABLE console_sessions (
    id_sha256 TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    name TEXT,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL
  );
  CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at_ms);
  `,
  // 11: service incidents (issue 16): a 'link' desk operation that puts a host incident's ticket under its
  // service incident's ticket (the parent named by link_incident_id), the links themselves, and each
  // service's state changes (for the service reports).
  `
  CREATE TABLE outbox_v3 (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    desk TEXT NOT NULL,
    operation TEXT NOT NULL CHECK (operation IN ('open', 'update', 'resolve', 'reopen', 'comment', 'link')),
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead', 'superseded')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms INTEGER NOT NULL,
    last_error TEXT,
    created_at_ms INTEGER NOT NULL,
    delivered_at_ms INTEGER,
    note TEXT,
    lease_until_ms INTEGER,
    link_incident_id INTEGER REFERENCES incidents(id)
  );
  INSERT INTO outbox_v3 (id, incident_id, desk, operation, state, attempts, next_attempt_at_ms, last_error, created_at_ms, delivered_at_ms, note, lease_until_ms)
    SELECT id, incident_id, desk, operation, state, attempts, next_attempt_at_ms, last_error, created_at_ms, delivered_at_ms, note, lease_until_ms FROM outbox;
  DROP TABLE outbox;
  ALTER TABLE outbox_v3 RENAME TO outbox;
  CREATE INDEX outbox_pending ON outbox (state, incident_id, desk, id);
  CREATE INDEX outbox_by_state ON outbox (state, id);
  CREATE TABLE service_incident_links (
    service_incident_id INTEGER NOT NULL REFERENCES incidents(id),
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    service TEXT NOT NULL,
    linked_at_ms INTEGER NOT NULL,
    PRIMARY KEY (service, incident_id)
  );
  CREATE INDEX service_incident_links_by_parent ON service_incident_links (service_incident_id);
  CREATE TABLE service_state_changes (
    id INTEGER PRIMARY KEY,
    service TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('operational', 'degraded', 'outage')),
    at_ms INTEGER NOT NULL,
    reason TEXT NOT NULL
  );
  CREATE INDEX service_state_changes_by_time ON service_state_changes (service, at_ms, id);
  `,
  // 12: the status page's notice (issue 16): one operator-written text, who set it and when.
  `
  CREATE TABLE status_notice (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    text TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at_ms INTEGER NOT NULL
  );
  `,
  // 13: range reads find every sample however far a report's samples spread (issue 15): each hot row keeps
  // its latest sample time, and partial indexes hold only the rows whose samples reach an hour or more past
  // their base (hot rows) or block start (series chunks compacted before chunks were split per block);
  // the rest are found by base time or block, as before. Rows stored before this have no latest time and
  // count as not spanning until compacted (they were read that way already).
  `
  ALTER TABLE report_chunks ADD COLUMN last_at_ms INTEGER;
  CREATE INDEX report_chunks_spanning ON report_chunks (host_id, last_at_ms) WHERE last_at_ms >= base_at_ms + 3600000;
  CREATE INDEX series_chunks_spanning ON series_chunks (series_id, last_at_ms) WHERE last_at_ms >= block_start_ms + 3600000;
  `,
  // 14: leases of once-only jobs (issue 18): which collector runs the missed-report watcher, desk
  // sync, history maintenance... when several share one store (collector/leadership.ts).
  `
  CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    acquired_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL
  );
  `,
  // 15: rule states know their host and who wrote them last (issue 18), so a collector sharing the
  // store reloads a host's states another collector changed (alertPipeline.ts, sharedStates).
  `
  ALTER TABLE rule_states ADD COLUMN host TEXT;
  ALTER TABLE rule_states ADD COLUMN written_by TEXT;
  UPDATE rule_states SET host = json_extract(state, '$.labels.host');
  CREATE INDEX rule_states_by_host ON rule_states (host);
  `,
  // 16: outbox rows know which collector claimed them (issue 18): several collectors on one store each
  // claim different due rows, and a claim only its holder may extend (Store.claimOutbox).
  `
  ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
  `,
  // 17: rule states know when they were written or taken last (issue 18): a collector changes a state
  // of a host outside that host's batches only while it wrote or took it last, and takes over one
  // nobody wrote for a while (Store.writeOwnRuleStates).
  `
  ALTER TABLE rule_states ADD COLUMN written_at_ms INTEGER;
  `,
  // 18: rule states save their window and prediction buffers packed (rules/engine/savedRuleState.ts).
  // No row changes: states saved as plain JSON still read, and are packed when next written; the
  // version moves so that an older release, which cannot read a packed buffer, refuses the file.
  `
  -- the format of rule_states.state's buffers
  `,
  // 19: the hot reports in a rowid table (issue 15). As a WITHOUT ROWID table keyed by (host_id,
  // sequence), each row of about 1 kB was also its own key: interior pages held whole rows, four to
  // a page, so the tree was eight levels deep and every report walked to its host's leaf through
  // pages the page cache did not hold. Rows now follow each other as they arrive, and the key is a
  // small index beside the others: a report dirties the table's last page (shared with the batch)
  // and the small indexes' leaves, all cached. Same columns, same order, same names; the base-time
  // index carries (host_id, sequence), which the table's key gave it before, so that a replay's read
  // of every host's block in that order still needs no sort.
  `
  CREATE TABLE report_chunks_by_arrival (
    host_id INTEGER NOT NULL,
    sequence INTEGER NOT NULL,
    base_at_ms INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL,
    samples BLOB NOT NULL,
    checks TEXT NOT NULL,
    texts TEXT,
    last_at_ms INTEGER
  );
  INSERT INTO report_chunks_by_arrival (host_id, sequence, base_at_ms, received_at_ms, samples, checks, texts, last_at_ms)
    SELECT host_id, sequence, base_at_ms, received_at_ms, samples, checks, texts, last_at_ms FROM report_chunks ORDER BY received_at_ms, host_id, sequence;
  DROP TABLE report_chunks;
  ALTER TABLE report_chunks_by_arrival RENAME TO report_chunks;
  CREATE UNIQUE INDEX report_chunks_key ON report_chunks (host_id, sequence);
  CREATE INDEX report_chunks_by_time ON report_chunks (host_id, base_at_ms);
  CREATE INDEX report_chunks_by_received ON report_chunks (received_at_ms);
  CREATE INDEX report_chunks_by_base_time ON report_chunks (base_at_ms, host_id, sequence);
  CREATE INDEX report_chunks_spanning ON report_chunks (host_id, last_at_ms) WHERE last_at_ms >= base_at_ms + 3600000;
  `,
  // 20: two of the hot rows' indexes go and two become one.
  // - By receive time: the rows lie in the order they arrived (19), so the oldest arrivals are the
  //   table's first rows and retention finds them from its start (sqliteHistory.ts, pruneHot). The
  //   index put one entry of a host's hour on each of some 240 of its leaves, which compaction
  //   dirtied when it deleted them.
  // - The unique key (host_id, sequence) and (host_id, base_at_ms) become report_chunks_by_host
  //   (host_id, sequence, base_at_ms): a report in a real fleet's order lands on a leaf of each,
  //   far from the last report's, and two such leaves a report were a third of its cost in SQLite.
  //   A host's entries are one short run: a read by time filters them in the index, and the store
  //   looks a re-sent report up there before it inserts (sqliteStore.ts, insertReport), as the
  //   unique key's INSERT OR IGNORE did.
  // IF EXISTS: the step can run again on a database it already changed.
  `
  DROP INDEX IF EXISTS report_chunks_by_received;
  DROP INDEX IF EXISTS report_chunks_by_time;
  DROP INDEX IF EXISTS report_chunks_key;
  DROP INDEX IF EXISTS report_chunks_by_host;
  CREATE INDEX report_chunks_by_host ON report_chunks (host_id, sequence, base_at_ms);
  `,
  // 21: compaction no longer deletes the hot rows it compacted; its record of their sequences covers
  // them, reads leave covered rows out, and a sweep deletes them in the order they arrived once a
  // block is done (sqliteHistory.ts). The one row here says how far that sweep has to go: the
  // greatest rowid of a covered row not yet swept, 0 when none is. The version also keeps an older
  // Tripline, which would read covered rows as hot beside their chunks, off the file. IF NOT EXISTS,
  // OR IGNORE: the step can run again on a database it already changed.
  `
  CREATE TABLE IF NOT EXISTS hot_sweep (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    until_rowid INTEGER NOT NULL
  );
  INSERT OR IGNORE INTO hot_sweep (id, until_rowid) VALUES (1, 0);
  `,
];
