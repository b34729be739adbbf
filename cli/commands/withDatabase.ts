/**
 * Opens the collector's database for an operator command. The CLI works on the SQLite file
 * directly (WAL lets it write next to a running collector); desk operations it enqueues are
 * delivered by the collector's outbox worker.
 */
import { existsSync } from 'node:fs';
import { pino } from 'pino';
import { databasePath } from '../../collector/collector.js';
import { systemClock } from '../../collector/clock.js';
import { createIncidentCore } from '../../collector/incidents/incidentCore.js';
import type { IncidentService } from '../../collector/incidents/incidentService.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { Store } from '../../collector/store/store.js';
import type { Config } from '../../config/configSchema.js';
import { loadConfig } from '../../config/loadConfig.js';

export class CliError extends Error {}

/** Runs `fn` on the collector's database named by the config; CliError when there is none yet. */
export function withDatabase<T>(configFile: string | undefined, readOnly: boolean, fn: (store: Store, config: Config) => T): T {
  const { config } = loadConfig(configFile);
  const file = databasePath(config.dataDir);
  if (!existsSync(file)) throw new CliError(`no database at ${file}: has the collector run with this data directory?`);
  const store = openSqliteStore({ file, readOnly });
  try {
    return fn(store, config);
  } finally {
    store.close();
  }
}

/** Runs `fn` with the database and an incident service wired as the collector wires it. */
export function withOperatorStore<T>(configFile: string | undefined, readOnly: boolean, fn: (store: Store, incidents: IncidentService) => T): T {
  return withDatabase(configFile, readOnly, (store, config) => {
    const { service } = createIncidentCore({ store, config, clock: systemClock, log: pino({ level: 'silent' }) });
    return fn(store, service);
  });
}
