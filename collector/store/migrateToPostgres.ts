/**
 * `tripline migrate`: copies a collector's SQLite file into a PostgreSQL database, table by table, so
 * a team outgrowing one collector moves its incidents, tickets, ledger, outbox, silences, maintenance
 * windows, agents, tokens, audit log, service states, history chunks and rollups to the shared store.
 *
 * Resumable: rows are copied in batches in key order, each batch in one PostgreSQL transaction with
 * the table's progress (the last key copied) in `tripline_migrate_progress`, and inserted with
 * ON CONFLICT DO NOTHING; a run that stops (killed, connection lost) continues at the next batch when
 * started again and never writes a row twice. Ids are kept (the ledger's incident ids are the desks'
 * references), and each identity sequence is moved past the largest id at the end.
 *
 * The SQLite file is read in one read transaction, a consistent snapshot even while a collector
 * writes it; stop the collector first all the same, or what it writes after the snapshot stays
 * behind. A target that holds Tripline data not written by a migration is refused.
 *
 * It ends with a verification: each table's row count in the file and in PostgreSQL.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import type { ErrorCodeOf } from '../../contract/errorCatalogue.js';
import { createSecretRedactor } from '../../contract/secretRedactor.js';
import { describeServer } from './postgres/postgresBridge.js';
import { PARTITIONED_TABLES, type PartitionedTable } from './postgres/postgresPartitions.js';
import { openPostgresStore } from './postgres/postgresStore.js';
import { HOST_COLUMNS, HOST_PROGRESS_AS_REPAIRED } from './sqlite/hostTouches.js';
import { assertSchemaNotNewer, CURRENT_SCHEMA_VERSION, schemaVersionOf } from './sqlite/schemaVersion.js';
import { UNCOVERED_HOT_ROW } from './sqlite/sqliteHistory.js';
import { openSqliteStore } from './sqlite/sqliteStore.js';

/** One table's copy: the SQLite rows in key order, under PostgreSQL's column names. */
interface TableCopy {
  table: string;
  /** The key columns of the source, in order: the batches' order and the resume point. */
  key: readonly string[];
  /** The columns written, each read from the source as this expression (the column itself by default). */
  columns: readonly string[];
  read?: Readonly<Record<string, string>>;
  /** Only the source's rows that meet this condition (over the unaliased table). */
  where?: string;
  /** Partitioned in PostgreSQL by this column: the partitions of the rows' ranges are made first. */
  partitioned?: PartitionedTable;
}

/**
 * The tables, parents before children (foreign keys). Not copied: `leases` (who runs which job now:
 * the new collectors take them) and `rule_states`' writers (a migrated state has none).
 * Incidents are copied without their parent first, the parents set in a second pass (a parent may
 * have a larger id than its child).
 */
const TABLES: readonly TableCopy[] = [
  // A file whose collector died holds host rows a few seconds behind its reports (hostTouches.ts): read as the next open would repair them.
  { table: 'hosts', key: ['host_id'], columns: HOST_COLUMNS, read: HOST_PROGRESS_AS_REPAIRED },
  { table: 'series', key: ['series_id'], columns: ['series_id', 'host_id', 'metric', 'labels'] },
  // Rows stored before the latest-sample time existed count as not reaching past their base, as in SQLite.
  { table: 'report_chunks', key: ['host_id', 'sequence'], columns: ['host_id', 'sequence', 'base_at_ms', 'last_at_ms', 'received_at_ms', 'samples', 'checks', 'texts'], read: { last_at_ms: 'coalesce(last_at_ms, base_at_ms)' },
    // Hot rows compacted and not yet swept are in the chunks (sqliteHistory.ts), which are copied: copied hot too, they would be read twice.
    where: UNCOVERED_HOT_ROW },
  { table: 'series_chunks', key: ['chunk_id'], columns: ['series_id', 'block_start_ms', 'part', 'first_at_ms', 'last_at_ms', 'sample_count', 'data', 'texts'], partitioned: 'series_chunks' },
  { table: 'compacted_reports', key: ['host_id', 'first_sequence'], columns: ['host_id', 'first_sequence', 'last_sequence', 'block_start_ms'], partitioned: 'compacted_reports' },
  { table: 'rollups_5m', key: ['series_id', 'bucket_start_ms'], columns: ['series_id', 'bucket_start_ms', 'sample_count', 'sum', 'min', 'max'], partitioned: 'rollups_5m' },
  { table: 'rollups_1h', key: ['series_id', 'bucket_start_ms'], columns: ['series_id', 'bucket_start_ms', 'sample_count', 'sum', 'min', 'max'], partitioned: 'rollups_1h' },
  { table: 'rule_states', key: ['fingerprint'], columns: ['fingerprint', 'rule_name', 'state', 'host'] },
  { table: 'agents', key: ['agent_id'], columns: ['agent_id', 'hostname', 'credential_sha256', 'enrolled_at_ms', 'revoked_at_ms'] },
  { table: 'api_tokens', key: ['name'], columns: ['name', 'role', 'token_sha256', 'created_at_ms', 'created_by', 'revoked_at_ms'] },
  { table: 'console_sessions', key: ['id_sha256'], columns: ['id_sha256', 'role', 'name', 'created_at_ms', 'expires_at_ms'] },
  { table: 'audit_log', key: ['id'], columns: ['id', 'at_ms', 'actor', 'action', 'target', 'detail'] },
  {
    table: 'incidents',
    key: ['id'],
    columns: ['id', 'key', 'fingerprint', 'rule_name', 'rule_version', 'host', 'severity', 'summary', 'description', 'labels', 'status', 'opened_at_ms', 'resolved_at_ms', 'updated_at_ms', 'why', 'occurrences', 'parent_incident_id', 'ticketed', 'hold', 'flapping', 'settling_since_ms', 'rearm_at_ms'],
    read: { parent_incident_id: 'NULL' },
  },
  { table: 'incident_events', key: ['id'], columns: ['id', 'incident_id', 'at_ms', 'kind', 'text', 'data'] },
  { table: 'incident_priorities', key: ['incident_id'], columns: ['incident_id', 'services', 'impact', 'urgency', 'priority', 'initial_priority', 'reason', 'sla_breach'] },
  { table: 'flap_history', key: ['fingerprint'], columns: ['fingerprint', 'transitions'] },
  { table: 'outbox', key: ['id'], columns: ['id', 'incident_id', 'desk', 'operation', 'state', 'attempts', 'next_attempt_at_ms', 'last_error', 'created_at_ms', 'delivered_at_ms', 'note', 'lease_until_ms', 'link_incident_id', 'claimed_by'] },
  { table: 'tickets', key: ['incident_id', 'desk'], columns: ['incident_id', 'desk', 'external_id', 'url', 'state', 'created_at_ms', 'updated_at_ms', 'desk_status', 'checked_at_ms'] },
  { table: 'service_incident_links', key: ['service', 'incident_id'], columns: ['service_incident_id', 'incident_id', 'service', 'linked_at_ms'] },
  { table: 'service_state_changes', key: ['id'], columns: ['id', 'service', 'state', 'at_ms', 'reason'] },
  { table: 'silences', key: ['id'], columns: ['id', 'matchers', 'comment', 'created_by', 'starts_at_ms', 'expires_at_ms', 'created_at_ms'] },
  { table: 'maintenance_windows', key: ['id'], columns: ['id', 'cron', 'duration_seconds', 'host', 'host_group', 'comment', 'created_at_ms'] },
  { table: 'status_notice', key: ['id'], columns: ['id', 'text', 'set_by', 'set_at_ms'] },
];

/** The last step, after every table: the incidents' parents, in batches by id. */
const PARENTS_STEP = 'incidents.parent_incident_id';

/** PostgreSQL takes at most 65,535 parameters a statement. */
const MAX_PARAMETERS = 60_000;

export interface MigrateOptions {
  from: string;
  to: string;
  /** The PostgreSQL password (env TRIPLINE_POSTGRES_PASSWORD), never in the URL, a log or a message. */
  password?: string;
  /** Rows per batch (per transaction). */
  batchRows?: number;
  /** Called after each batch, for progress lines. */
  progress?: (table: string, copied: number) => void;
  /** Stops after this many batches in all (tests of resuming). */
  maxBatches?: number;
}

export interface TableCount {
  table: string;
  sqlite: number;
  postgres: number;
}

export interface MigrateResult {
  /** Rows inserted by this run (a resumed run counts only its own). */
  copied: number;
  /** False when `maxBatches` stopped the run before the end. */
  complete: boolean;
  counts: TableCount[];
}

/** Why a migration cannot start or go on; the message names what and where, never the password. */
export class MigrateError extends Error {
  readonly code: ErrorCodeOf<'MigrateError'> = 'TRIPLINE_MIGRATE_FAILED';
}

export async function migrateToPostgres(options: MigrateOptions): Promise<MigrateResult> {
  const redact = createSecretRedactor(options.password ? [options.password] : []);
  const server = describeServer(options.to);
  const source = openSource(options.from);
  // Opening the store applies the PostgreSQL schema (its own migrations, under their advisory lock).
  try {
    openPostgresStore({ url: options.to, ...(options.password ? { password: options.password } : {}) }).close();
  } catch (error) {
    source.close();
    throw new MigrateError(`cannot open the PostgreSQL store at ${server}: ${redact((error as Error).message)}`);
  }
  const client = new pg.Client({ connectionString: withPassword(options.to, options.password), application_name: 'tripline-migrate' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await prepareTarget(client, server);
    let batches = 0;
    let copied = 0;
    const budget = () => options.maxBatches === undefined || batches < options.maxBatches;
    source.exec('BEGIN');
    for (const spec of TABLES) {
      if (!budget()) break;
      if (spec.partitioned) await makePartitions(client, source, spec);
      const done = await copyTable(client, source, spec, options.batchRows ?? 1000, () => budget() && ++batches > 0, (rows) => {
        copied += rows;
        options.progress?.(spec.table, rows);
      });
      if (!done) break;
    }
    const complete = budget() && (await copyParents(client, source, options.batchRows ?? 1000, () => budget() && ++batches > 0));
    if (complete) await finish(client);
    const counts = await countRows(client, source);
    source.exec('COMMIT');
    return { copied, complete, counts };
  } catch (error) {
    if (error instanceof MigrateError) throw error;
    throw new MigrateError(`migration to ${server} stopped: ${redact((error as Error).message)}; run it again to continue where it stopped`);
  } finally {
    source.close();
    await client.end().catch(() => undefined);
  }
}

/** Opens the file read-only, at this release's schema (an older file is upgraded first, as a collector start would). */
function openSource(file: string): Database.Database {
  const open = (): Database.Database => {
    try {
      return new Database(file, { readonly: true, fileMustExist: true });
    } catch (error) {
      throw new MigrateError(`cannot open the SQLite file ${file}: ${(error as Error).message}`);
    }
  };
  let db = open();
  try {
    assertSchemaNotNewer(db, file);
    const version = schemaVersionOf(db);
    if (version === 0) throw new MigrateError(`${file} is not a Tripline database (no schema version)`);
    if (version < CURRENT_SCHEMA_VERSION) {
      db.close();
      openSqliteStore({ file }).close();
      db = open();
    }
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** The URL with the password in it, for the driver only (a URL's missing password would win over a separate one). */
function withPassword(url: string, password: string | undefined): string {
  if (password === undefined) return url;
  const parsed = new URL(url);
  parsed.password = encodeURIComponent(password);
  return parsed.href;
}

/** Makes the progress table; refuses a target holding data no migration wrote. */
async function prepareTarget(client: pg.Client, server: string): Promise<void> {
  const exists = (await client.query("SELECT to_regclass('tripline_migrate_progress') IS NOT NULL AS exists")).rows[0].exists as boolean;
  if (!exists) {
    const used = (await client.query('SELECT (SELECT count(*) FROM hosts) + (SELECT count(*) FROM incidents) + (SELECT count(*) FROM agents) AS n')).rows[0].n as string;
    if (Number(used) > 0) throw new MigrateError(`the PostgreSQL store at ${server} already holds data (hosts, incidents or agents) that no migration wrote: migrate into an empty database`);
    await client.query('CREATE TABLE tripline_migrate_progress (step text PRIMARY KEY, last_key text NOT NULL, rows bigint NOT NULL, done boolean NOT NULL)');
  }
}

interface Progress {
  lastKey: unknown[] | undefined;
  rows: number;
  done: boolean;
}

async function readProgress(client: pg.Client, step: string): Promise<Progress> {
  const row = (await client.query('SELECT last_key, rows, done FROM tripline_migrate_progress WHERE step = $1', [step])).rows[0] as { last_key: string; rows: string; done: boolean } | undefined;
  return row === undefined ? { lastKey: undefined, rows: 0, done: false } : { lastKey: JSON.parse(row.last_key) as unknown[], rows: Number(row.rows), done: row.done };
}

async function saveProgress(client: pg.Client, step: string, progress: Progress): Promise<void> {
  await client.query(
    `INSERT INTO tripline_migrate_progress (step, last_key, rows, done) VALUES ($1, $2, $3, $4)
     ON CONFLICT (step) DO UPDATE SET last_key = excluded.last_key, rows = excluded.rows, done = excluded.done`,
    [step, JSON.stringify(progress.lastKey ?? null), progress.rows, progress.done],
  );
}

/** The next batch of a table after `lastKey`, in key order. */
function readBatch(source: Database.Database, spec: TableCopy, lastKey: unknown[] | undefined, limit: number): Array<Record<string, unknown>> {
  const select = [...new Set([...spec.columns, ...spec.key])].map((column) => `${spec.read?.[column] ?? column} AS ${column}`).join(', ');
  const keys = spec.key.join(', ');
  const conditions = [...(lastKey === undefined ? [] : [`(${keys}) > (${spec.key.map(() => '?').join(', ')})`]), ...(spec.where === undefined ? [] : [spec.where])];
  const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
  return source.prepare(`SELECT ${select} FROM ${spec.table} ${where} ORDER BY ${keys} LIMIT ?`).all(...(lastKey ?? []), limit) as Array<Record<string, unknown>>;
}

/** Copies what is left of one table; false when the batch budget ran out first. */
async function copyTable(client: pg.Client, source: Database.Database, spec: TableCopy, batchRows: number, mayRun: () => boolean, copied: (rows: number) => void): Promise<boolean> {
  const progress = await readProgress(client, spec.table);
  if (progress.done) return true;
  const limit = Math.max(1, Math.min(batchRows, Math.floor(MAX_PARAMETERS / spec.columns.length)));
  for (;;) {
    const rows = readBatch(source, spec, progress.lastKey, limit);
    if (rows.length > 0 && !mayRun()) return false;
    await client.query('BEGIN');
    try {
      let inserted = 0;
      if (rows.length > 0) {
        const values = rows.flatMap((row) => spec.columns.map((column) => row[column] ?? null));
        const tuples = rows.map((_, r) => `(${spec.columns.map((_, c) => `$${r * spec.columns.length + c + 1}`).join(', ')})`);
        inserted = (await client.query(`INSERT INTO ${spec.table} (${spec.columns.join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING`, values)).rowCount ?? 0;
        progress.lastKey = spec.key.map((column) => rows.at(-1)![column]);
        progress.rows += inserted;
      }
      progress.done = rows.length < limit;
      await saveProgress(client, spec.table, progress);
      await client.query('COMMIT');
      copied(inserted);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    if (progress.done) return true;
  }
}

/** Sets the incidents' parents once every incident is there; false when the batch budget ran out first. */
async function copyParents(client: pg.Client, source: Database.Database, batchRows: number, mayRun: () => boolean): Promise<boolean> {
  const progress = await readProgress(client, PARENTS_STEP);
  if (progress.done) return true;
  for (;;) {
    const after = (progress.lastKey?.[0] as number | undefined) ?? -1;
    const rows = source.prepare('SELECT id, parent_incident_id FROM incidents WHERE parent_incident_id IS NOT NULL AND id > ? ORDER BY id LIMIT ?').all(after, batchRows) as Array<{ id: number; parent_incident_id: number }>;
    if (rows.length > 0 && !mayRun()) return false;
    await client.query('BEGIN');
    try {
      if (rows.length > 0) {
        await client.query('UPDATE incidents i SET parent_incident_id = p.parent FROM unnest($1::bigint[], $2::bigint[]) AS p(id, parent) WHERE i.id = p.id', [rows.map((r) => r.id), rows.map((r) => r.parent_incident_id)]);
        progress.lastKey = [rows.at(-1)!.id];
        progress.rows += rows.length;
      }
      progress.done = rows.length < batchRows;
      await saveProgress(client, PARENTS_STEP, progress);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    if (progress.done) return true;
  }
}

/** The time partitions the source's rows fall in, made before they are copied (rows never sit in DEFAULT). */
async function makePartitions(client: pg.Client, source: Database.Database, spec: TableCopy): Promise<void> {
  const { column, widthMs } = PARTITIONED_TABLES[spec.partitioned!];
  const starts = (source.prepare(`SELECT DISTINCT (${column} / ${widthMs}) * ${widthMs} AS start FROM ${spec.table} WHERE ${column} >= 0`).all() as Array<{ start: number }>).map((r) => r.start);
  for (const start of starts) {
    await client.query(`CREATE TABLE IF NOT EXISTS ${spec.table}_p${start} PARTITION OF ${spec.table} FOR VALUES FROM (${start}) TO (${start + widthMs})`);
  }
}

/** After the last row: identity sequences past the largest ids, and what PostgreSQL keeps that SQLite derives. */
async function finish(client: pg.Client): Promise<void> {
  const identities = (await client.query("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES'")).rows as Array<{ table_name: string; column_name: string }>;
  for (const { table_name: table, column_name: column } of identities) {
    await client.query(`SELECT setval(pg_get_serial_sequence($1, $2), greatest((SELECT max(${column}) FROM ${table}), 1), (SELECT max(${column}) FROM ${table}) IS NOT NULL)`, [table, column]);
  }
  await client.query('UPDATE hosts h SET max_compacted_sequence = c.last FROM (SELECT host_id, max(last_sequence) AS last FROM compacted_reports GROUP BY host_id) c WHERE c.host_id = h.host_id');
}

async function countRows(client: pg.Client, source: Database.Database): Promise<TableCount[]> {
  const counts: TableCount[] = [];
  for (const { table, where } of TABLES) {
    const sqlite = (source.prepare(`SELECT count(*) AS n FROM ${table}${where === undefined ? '' : ` WHERE ${where}`}`).get() as { n: number }).n;
    const postgres = Number((await client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    counts.push({ table, sqlite, postgres });
  }
  return counts;
}
