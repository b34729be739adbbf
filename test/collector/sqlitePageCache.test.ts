/**
 * The SQLite store's page cache: every connection it opens (the collector's, and a read-only one
 * beside it) holds at most PAGE_CACHE_KIB, not better-sqlite3's 16 MB default, which a collector's
 * database fills within minutes for no gain (sqliteStore.ts says why). The pragma is per connection
 * and not kept in the file, so it is read back on the store's own connection.
 */
import type Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStore, PAGE_CACHE_KIB } from '../../collector/store/sqlite/sqliteStore.js';
import type { Store } from '../../collector/store/store.js';

/** The connection a store holds (a private field: the pragma has no other reader). */
const connectionOf = (store: Store) => (store as unknown as { db: Database.Database }).db;

describe('SQLite page cache', () => {
  it('is PAGE_CACHE_KIB on a writable and on a read-only connection, below better-sqlite3 default of 16,000 KiB', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tripline-cache-')), 'tripline.db');
    const store = openSqliteStore({ file });
    const reader = openSqliteStore({ file, readOnly: true });
    try {
      // A negative cache_size is in KiB (a positive one would be pages).
      expect(connectionOf(store).pragma('cache_size', { simple: true })).toBe(-PAGE_CACHE_KIB);
      expect(connectionOf(reader).pragma('cache_size', { simple: true })).toBe(-PAGE_CACHE_KIB);
      expect(PAGE_CACHE_KIB).toBeLessThan(16_000);
    } finally {
      reader.close();
      store.close();
    }
  });
});
