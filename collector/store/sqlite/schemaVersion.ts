/**
 * The database's schema version (`PRAGMA user_version`: the number of MIGRATIONS applied), checked
 * whenever the database is opened: a Tripline that finds a database written by a newer release
 * (more migrations than it knows) refuses to touch it, instead of writing rows the newer schema
 * does not expect or misreading columns it never heard of.
 */
import type Database from 'better-sqlite3';
import type { ErrorCodeOf } from '../../../contract/errorCatalogue.js';
import { MIGRATIONS } from './schema.js';

/** The schema version this release writes. */
export const CURRENT_SCHEMA_VERSION = MIGRATIONS.length;

/** Thrown when the database was written by a newer Tripline; the message says what to do. */
export class SchemaTooNewError extends Error {
  readonly code: ErrorCodeOf<'SchemaTooNewError'> = 'TRIPLINE_SCHEMA_TOO_NEW';

  constructor(
    readonly file: string,
    readonly found: number,
  ) {
    super(
      `the database ${file} has schema version ${found}, written by a newer Tripline; this release understands up to ` +
        `version ${CURRENT_SCHEMA_VERSION}. Upgrade Tripline, or restore a backup taken before the upgrade (README, "Backup and restore")`,
    );
    this.name = 'SchemaTooNewError';
  }
}

/** The schema version of an open database. */
export function schemaVersionOf(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Throws SchemaTooNewError when `db` (opened from `file`) is newer than this release. */
export function assertSchemaNotNewer(db: Database.Database, file: string): void {
  const found = schemaVersionOf(db);
  if (found > CURRENT_SCHEMA_VERSION) throw new SchemaTooNewError(file, found);
}
