/**
 * The store engines a contract suite runs against: the embedded SQLite engine (a file in memory) and
 * the PostgreSQL engine on a real temporary server this test file starts (postgresCluster.ts), one
 * fresh database per store. Call `storeEngines()` at the top of a test file (it registers the
 * server's start and stop) and `describe.each(engines)`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { openPostgresStore } from '../../collector/store/postgres/postgresStore.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import type { Store } from '../../collector/store/store.js';
import { type PostgresCluster, startPostgresCluster } from './postgresCluster.js';

export interface StoreEngine {
  name: 'sqlite' | 'postgres';
  /** A new, empty, migrated store (closed by the test, or left to the process's end). */
  open(): Store;
  /**
   * A new, empty database that `open` opens as often as asked: again after a close (a restart), or
   * twice at once on PostgreSQL (two collectors sharing it). SQLite's is a file in a temporary directory.
   */
  database(): { open(): Store };
}

export function storeEngines(): StoreEngine[] {
  let cluster: PostgresCluster | undefined;
  let databases = 0;
  beforeAll(async () => {
    cluster = await startPostgresCluster();
  }, 120_000);
  const directories: string[] = [];
  afterAll(() => {
    cluster?.stop();
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  });
  const postgresDatabase = () => {
    if (cluster === undefined) throw new Error('the PostgreSQL server did not start');
    const database = `store_${process.pid}_${++databases}`;
    cluster.createDatabase(database);
    const url = cluster.url(database);
    const { password } = cluster;
    return { open: () => openPostgresStore({ url, password }) };
  };
  return [
    {
      name: 'sqlite',
      open: () => openSqliteStore({ file: ':memory:' }),
      database: () => {
        const directory = mkdtempSync(join(tmpdir(), 'tripline-store-'));
        directories.push(directory);
        const file = join(directory, 'tripline.db');
        return { open: () => openSqliteStore({ file }) };
      },
    },
    { name: 'postgres', open: () => postgresDatabase().open(), database: postgresDatabase },
  ];
}
