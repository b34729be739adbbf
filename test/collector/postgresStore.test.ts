/**
 * What only the PostgreSQL engine does (the contract both engines keep is storeContract.test.ts):
 * connection failures say which server without the password, collectors starting together apply the
 * schema once, a newer schema is refused, and retention drops whole time partitions.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStoreError } from '../../collector/store/postgres/postgresBridge.js';
import { CURRENT_POSTGRES_SCHEMA_VERSION } from '../../collector/store/postgres/postgresMigrations.js';
import { PARTITIONED_TABLES } from '../../collector/store/postgres/postgresPartitions.js';
import { openPostgresStore } from '../../collector/store/postgres/postgresStore.js';
import { type PostgresCluster, startPostgresCluster } from '../support/postgresCluster.js';
import { REPO_ROOT } from '../support/processes.js';

let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await startPostgresCluster();
}, 120_000);
afterAll(() => cluster?.stop());

function openFails(open: () => unknown): PostgresStoreError {
  try {
    open();
  } catch (error) {
    if (error instanceof PostgresStoreError) return error;
    throw error;
  }
  throw new Error('it opened');
}

describe('the PostgreSQL store', () => {
  it('says which server it cannot reach, never the password', () => {
    cluster.createDatabase('wrong_password');
    const wrong = 'Wp7+Qz2/Lk9Xc4Vb1=';
    const refused = openFails(() => openPostgresStore({ url: cluster.url('wrong_password'), password: wrong }));
    expect(refused.code).toBe('TRIPLINE_STORE_UNAVAILABLE');
    expect(refused.message).toContain(`postgres://tripline@127.0.0.1:${cluster.port}/wrong_password`);
    expect(refused.message).toMatch(/password authentication failed/);
    const everything = `${refused.message} ${refused.stack} ${JSON.stringify(refused)}`;
    for (let i = 0; i + 8 <= wrong.length; i++) expect(everything).not.toContain(wrong.slice(i, i + 8));
    // A password written into the URL is not repeated either.
    const inUrl = openFails(() => openPostgresStore({ url: `postgres://tripline:${encodeURIComponent(wrong)}@127.0.0.1:${cluster.port}/wrong_password` }));
    expect(inUrl.message).not.toContain(encodeURIComponent(wrong).slice(0, 8));
    expect(inUrl.message).toContain('postgres://tripline@127.0.0.1');
    const closed = openFails(() => openPostgresStore({ url: 'postgres://tripline@127.0.0.1:1/nothing', password: wrong }));
    expect(closed.code).toBe('TRIPLINE_STORE_UNAVAILABLE');
  });

  it('applies the schema once when several collectors start at the same moment', async () => {
    cluster.createDatabase('racing');
    const script = `import { openPostgresStore } from './collector/store/postgres/postgresStore.ts';
      const store = openPostgresStore({ url: process.env.URL, password: process.env.PASSWORD }); store.listHosts(); store.close();`;
    const exits = await Promise.all(
      Array.from({ length: 4 }, () =>
        new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
            cwd: REPO_ROOT,
            env: { ...process.env, URL: cluster.url('racing'), PASSWORD: cluster.password },
            stdio: ['ignore', 'ignore', 'inherit'],
          });
          child.on('exit', resolve);
        }),
      ),
    );
    expect(exits).toEqual([0, 0, 0, 0]);
    // every step once, none twice
    const steps = Array.from({ length: CURRENT_POSTGRES_SCHEMA_VERSION }, (_, i) => String(i + 1)).join('\n');
    expect(cluster.psql('racing', 'SELECT version FROM tripline_schema ORDER BY version').trim()).toBe(steps);
  }, 120_000);

  it('connects again after the server drops its connection (a restart or a failover), and never runs half a transaction outside it', () => {
    cluster.createDatabase('reconnect');
    const store = openPostgresStore({ url: cluster.url('reconnect'), password: cluster.password });
    const dropConnections = () => cluster.psql('reconnect', "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = 'reconnect' AND application_name = 'tripline'");
    store.setStatusNotice({ text: 'before', setBy: 'ops', setAtMs: 1 });
    dropConnections();
    // The next call may still meet the dead connection once (TRIPLINE_STORE_UNAVAILABLE); the one after reconnects.
    const read = () => {
      try {
        return store.statusNotice()?.text;
      } catch (error) {
        expect((error as PostgresStoreError).code).toBe('TRIPLINE_STORE_UNAVAILABLE');
        return store.statusNotice()?.text;
      }
    };
    expect(read()).toBe('before');
    // Dropped inside a transaction: the transaction fails as a whole and writes nothing.
    expect(() =>
      store.transaction(() => {
        store.setStatusNotice({ text: 'half', setBy: 'ops', setAtMs: 2 });
        store.listHosts();
        dropConnections();
        store.appendAudit({ atMs: 3, actor: 'ops', action: 'x', target: '-', detail: '{}' });
        store.listHosts();
      }),
    ).toThrow();
    expect(read()).toBe('before');
    expect(store.listAudit(10)).toEqual([]);
    store.close();
  });

  it('refuses a database written by a newer Tripline', () => {
    cluster.createDatabase('newer');
    openPostgresStore({ url: cluster.url('newer'), password: cluster.password }).close();
    cluster.psql('newer', 'INSERT INTO tripline_schema VALUES (99, 0)');
    const refused = openFails(() => openPostgresStore({ url: cluster.url('newer'), password: cluster.password }));
    expect(refused.code).toBe('TRIPLINE_SCHEMA_TOO_NEW');
    expect(refused.message).toMatch(/schema version 99/);
  });

  it('keeps compacted history in day partitions and drops whole partitions at retention', () => {
    cluster.createDatabase('partitions');
    const store = openPostgresStore({ url: cluster.url('partitions'), password: cluster.password });
    const DAY = 86_400_000;
    const day0 = Math.floor(Date.now() / DAY) * DAY - 3 * DAY;
    store.transaction((tx) => {
      for (let d = 0; d < 3; d++) {
        for (let i = 0; i < 4; i++) {
          const at = day0 + d * DAY + i * 600_000;
          tx.insertReport({
            agentId: 'a1', hostname: 'web-01', labels: {}, version: 't', intervalSeconds: 600, sequence: d * 10 + i, receivedAtMs: at + 100, checks: [],
            samples: [{ metric: 'm', labels: { host: 'web-01' }, value: d, atMs: at }],
          });
        }
      }
    });
    while (store.compactHistory(day0 + 3 * DAY) !== undefined);
    expect(store.history.partitions.list('series_chunks')).toEqual([day0, day0 + DAY, day0 + 2 * DAY]);
    expect(cluster.psql('partitions', 'SELECT count(*) FROM series_chunks_default').trim()).toBe('0');
    // Raw retention of two days: the first day's partition goes whole (its one chunk counted), the others stay.
    expect(store.pruneBefore(day0 + DAY)).toBe(1);
    expect(store.history.partitions.list('series_chunks')).toEqual([day0 + DAY, day0 + 2 * DAY]);
    expect(store.history.partitions.list('compacted_reports')).toEqual([day0 + DAY, day0 + 2 * DAY]);
    expect(store.querySeries('m', { host: 'web-01' }, 0, day0 + 3 * DAY).map((s) => s.value)).toEqual([1, 1, 1, 1, 2, 2, 2, 2]);
    expect(store.pruneRollupsBefore(day0 + DAY)).toBeGreaterThan(0);
    expect(store.history.partitions.list('rollups_5m')).toEqual([day0 + DAY, day0 + 2 * DAY]);
    expect(Object.keys(PARTITIONED_TABLES)).toHaveLength(4);
    store.close();
  });
});
