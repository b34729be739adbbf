/**
 * Leases: the store contract's lease part on two connections to one database (two collectors
 * sharing it), and the outbox claims (outboxClaimContract.ts) on the same pairs: a SQLite file (collectors on one host) and a PostgreSQL database on a real temporary
 * server; and a SQLite file's lease table surviving a reopen.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../collector/store/postgres/postgresStore.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import { startPostgresCluster, type PostgresCluster } from '../support/postgresCluster.js';
import { describeLeaseContract, type OpenSharedStores } from './leaseContract.js';
import { describeOutboxClaimContract } from './outboxClaimContract.js';

function sharedFile() {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-leases-'));
  const file = join(dir, 'tripline.db');
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const openSqlitePair: OpenSharedStores = async () => {
  const { file, remove } = sharedFile();
  const first = openSqliteStore({ file });
  const second = openSqliteStore({ file });
  return {
    first,
    second,
    close() {
      first.close();
      second.close();
      remove();
    },
  };
};
describeLeaseContract('sqlite', openSqlitePair);
describeOutboxClaimContract('sqlite', openSqlitePair);

let cluster: PostgresCluster | undefined;
let databases = 0;
beforeAll(async () => {
  cluster = await startPostgresCluster();
}, 120_000);
afterAll(() => cluster?.stop());

const openPostgresPair: OpenSharedStores = async () => {
  if (cluster === undefined) throw new Error('the PostgreSQL server did not start');
  const database = `leases_${process.pid}_${++databases}`;
  cluster.createDatabase(database);
  const first = openPostgresStore({ url: cluster.url(database), password: cluster.password });
  const second = openPostgresStore({ url: cluster.url(database), password: cluster.password });
  return {
    first,
    second,
    close() {
      first.close();
      second.close();
    },
  };
};
describeLeaseContract('postgres', openPostgresPair);
describeOutboxClaimContract('postgres', openPostgresPair);

describe('leases in a SQLite file', () => {
  it('are still held after the database is closed and opened again', () => {
    const { file, remove } = sharedFile();
    try {
      const store = openSqliteStore({ file });
      store.tryAcquireLease({ name: 'outbox', holder: 'a', ttlMs: 1000, nowMs: 0 });
      store.close();
      const again = openSqliteStore({ file });
      expect(again.tryAcquireLease({ name: 'outbox', holder: 'b', ttlMs: 1000, nowMs: 999 })).toBe(false);
      expect(again.listLeases()).toEqual([{ name: 'outbox', holder: 'a', acquiredAtMs: 0, expiresAtMs: 1000 }]);
      again.close();
    } finally {
      remove();
    }
  });
});
