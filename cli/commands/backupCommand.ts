/**
 * `tripline backup FILE`: an online, consistent copy of the collector's database (see
 * collector/store/sqlite/backupDatabase.ts), safe while the collector runs. Restore: README,
 * "Backup and restore".
 */
import { resolve } from 'node:path';
import { databasePath } from '../../collector/store/sqlite/databasePath.js';
import { backupDatabase } from '../../collector/store/sqlite/backupDatabase.js';
import { loadConfig } from '../../config/loadConfig.js';
import { describeStore } from '../../collector/store/openStore.js';
import { CliError } from './withOperations.js';

/** Writes the backup and prints what it wrote; returns the exit code. */
export function backupCommand(file: string, options: { config?: string }): number {
  const { config } = loadConfig(options.config);
  if (config.store.postgres !== undefined) {
    throw new CliError(`the store is PostgreSQL (${describeStore(config)}): back it up with PostgreSQL's own tools (pg_dump, or pg_basebackup and WAL archiving); tripline backup copies the SQLite file`);
  }
  const source = databasePath(config.dataDir);
  const result = backupDatabase(source, resolve(file));
  process.stdout.write(`backed up ${source} to ${result.file} (${result.bytes} bytes, schema version ${result.schemaVersion}, integrity ok)\n`);
  return 0;
}
