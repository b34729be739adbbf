/**
 * Leases on SQLite: the store contract's lease part on two connections to one database file (two
 * collectors sharing a file on one host), and the file's lease table surviving a reopen.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';
import { describeLeaseContract } from './leaseContract.js';

function sharedFile() {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-leases-'));
  const file = join(dir, 'tripline.db');
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

describeLeaseContract('sqlite', async () => {
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
});

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
