/**
 * Opens the store the config names: the embedded SQLite file under `dataDir` (the default), or the
 * shared PostgreSQL of `store.postgres` with its password from the environment
 * (TRIPLINE_POSTGRES_PASSWORD), which is never put in the config, a log line or an error.
 */
import { existsSync } from 'node:fs';
import type { Config } from '../../config/configSchema.js';
import { describeServer } from './postgres/postgresBridge.js';
import { openPostgresStore } from './postgres/postgresStore.js';
import { databasePath } from './sqlite/databasePath.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite/sqliteStore.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  /** Open for reading only (SQLite: a read-only connection; PostgreSQL: no migrations). */
  readOnly?: boolean;
  env?: NodeJS.ProcessEnv;
  /** SQLite: checkpoint the write-ahead log on a thread of its own (the collector; see walCheckpointer.ts). */
  checkpointThread?: SqliteStoreOptions['checkpointThread'];
}

export function openConfiguredStore(config: Pick<Config, 'dataDir' | 'store'>, options: OpenStoreOptions = {}): Store {
  const postgres = config.store.postgres;
  if (postgres === undefined) return openSqliteStore({ file: databasePath(config.dataDir), readOnly: options.readOnly ?? false, checkpointThread: options.checkpointThread });
  const env = options.env ?? process.env;
  const password = env.TRIPLINE_POSTGRES_PASSWORD;
  return openPostgresStore({ url: postgres.url, ...(password ? { password } : {}), migrate: !(options.readOnly ?? false) });
}

/** Where the store is, for logs and messages: the SQLite file, or the PostgreSQL server and database (never a password). */
export function describeStore(config: Pick<Config, 'dataDir' | 'store'>): string {
  const postgres = config.store.postgres;
  return postgres === undefined ? databasePath(config.dataDir) : describeServer(postgres.url);
}

/** Whether the store exists yet (a PostgreSQL server is taken to: connecting says otherwise). */
export function storeExists(config: Pick<Config, 'dataDir' | 'store'>): boolean {
  return config.store.postgres !== undefined || existsSync(databasePath(config.dataDir));
}
