/**
 * Applies the PostgreSQL schema's numbered steps (postgresSchema.ts) at start. All of it runs in one
 * transaction holding an advisory lock, so collectors that start at once wait for each other and each
 * step runs once; a database written by a newer Tripline (more steps than this release knows) is
 * refused, as the embedded engine refuses one.
 */
import type { PostgresSession } from './postgresBridge.js';
import { PostgresStoreError } from './postgresBridge.js';
import { MIGRATIONS } from './postgresSchema.js';

/** The schema version this release writes. */
export const CURRENT_POSTGRES_SCHEMA_VERSION = MIGRATIONS.length;

/** The advisory lock key migrations hold (an arbitrary constant: "tripline" in ASCII, folded to 63 bits). */
export const MIGRATION_LOCK_KEY = 0x7472_6970_6c69_6e;

/** Brings the schema up to date; returns the version it found. */
export function migratePostgres(session: PostgresSession, server: string): number {
  return session.transaction(() => {
    session.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    session.exec('CREATE TABLE IF NOT EXISTS tripline_schema (version integer PRIMARY KEY, applied_at_ms bigint NOT NULL)');
    const found = Number(session.query<{ v: number | null }>('SELECT max(version) AS v FROM tripline_schema')[0]?.v ?? 0);
    if (found > CURRENT_POSTGRES_SCHEMA_VERSION) {
      throw new PostgresStoreError(
        'TRIPLINE_SCHEMA_TOO_NEW',
        `the PostgreSQL database at ${server} has schema version ${found}, written by a newer Tripline; this release understands up to ` +
          `version ${CURRENT_POSTGRES_SCHEMA_VERSION}. Upgrade Tripline, or restore a backup taken before the upgrade`,
      );
    }
    for (let step = found; step < MIGRATIONS.length; step++) {
      session.exec(MIGRATIONS[step]!);
      session.write('INSERT INTO tripline_schema (version, applied_at_ms) VALUES ($1, $2)', [step + 1, Date.now()]);
    }
    return found;
  });
}
