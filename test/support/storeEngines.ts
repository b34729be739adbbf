/**
 * The store engines a contract suite runs against: the embedded SQLite engine (a file in memory) and
 * the PostgreSQL engine on a real temporary server this test file starts (postgresCluster.ts), one
 * fresh database per store. Call `storeEngines()` at the top of a test file (it registers the
 * server's start and stop) and `describe.each(engines)`.
 */
import { afterAll, beforeAll } from 'vitest';
import { openPostgresStore } from '../../collector/store/postgres/postgresStore.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { Store } from '../../collector/store/store.js';
import { type PostgresCluster, startPostgresCluster } from './postgresCluster.js';

export interface StoreEngine {
  name: 'sqlite' | 'postgres';
  /** A new, empty, migrated store (closed by the test, or left to the process's end). */
  open(): Store;
}

export function storeEngines(): StoreEngine[] {
  let cluster: PostgresCluster | undefined;
  let databases = 0;
  beforeAll(async () => {
    cluster = await startPostgresCluster();
  }, 120_000);
  afterAll(() => cluster?.stop());
  return [
    { name: 'sqlite', open: () => openSqliteStore({ file: ':memory:' }) },
    {
      name: 'postgres',
      open: () => {
        if (cluster === undefined) throw new Error('the PostgreSQL server did not start');
        const database = `store_${process.pid}_${++databases}`;
        cluster.createDatabase(database);
        return openPostgresStore({ url: cluster.url(database), password: cluster.password });
      },
    },
  ];
}
