/**
 * The lease part of the store contract: every store engine runs it (SQLite in leases.test.ts; the
 * PostgreSQL engine with its own opener). Two stores opened on one database play two collectors.
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../collector/store/store.js';

/** Opens two stores on one fresh database (two collectors sharing it); `close` removes it. */
export type OpenSharedStores = () => Promise<{ first: Store; second: Store; close(): Promise<void> | void }>;

export function describeLeaseContract(engine: string, open: OpenSharedStores): void {
  const TTL = 10_000;
  const lease = (holder: string, nowMs: number, extra: { takeOverFrom?: string; name?: string } = {}) => ({ name: extra.name ?? 'history', holder, ttlMs: TTL, nowMs, ...(extra.takeOverFrom ? { takeOverFrom: extra.takeOverFrom } : {}) });

  describe(`leases (${engine})`, () => {
    it('gives a free lease to the first that asks and refuses it to the other until it runs out', async () => {
      const { first, second, close } = await open();
      try {
        expect(first.tryAcquireLease(lease('a', 1_000))).toBe(true);
        // held by a, not run out: b is refused, through either connection
        expect(second.tryAcquireLease(lease('b', 1_000 + TTL - 1))).toBe(false);
        expect(first.tryAcquireLease(lease('b', 1_000 + TTL - 1))).toBe(false);
        // the holder renews; the expiry moves on, the acquisition time stays
        expect(first.tryAcquireLease(lease('a', 5_000))).toBe(true);
        expect(second.listLeases()).toEqual([{ name: 'history', holder: 'a', acquiredAtMs: 1_000, expiresAtMs: 5_000 + TTL }]);
        // the renewal counts: not run out at the first expiry
        expect(second.tryAcquireLease(lease('b', 1_000 + TTL))).toBe(false);
        // run out: b takes it, a can no longer renew it
        expect(second.tryAcquireLease(lease('b', 5_000 + TTL))).toBe(true);
        expect(first.tryAcquireLease(lease('a', 5_000 + TTL + 1))).toBe(false);
        expect(first.listLeases()).toEqual([{ name: 'history', holder: 'b', acquiredAtMs: 5_000 + TTL, expiresAtMs: 5_000 + 2 * TTL }]);
      } finally {
        await close();
      }
    });

    it('keeps leases of different names apart', async () => {
      const { first, second, close } = await open();
      try {
        expect(first.tryAcquireLease(lease('a', 0, { name: 'outbox' }))).toBe(true);
        expect(second.tryAcquireLease(lease('b', 0, { name: 'history' }))).toBe(true);
        expect(second.tryAcquireLease(lease('b', 1, { name: 'outbox' }))).toBe(false);
        expect(first.listLeases().map((l) => `${l.name}:${l.holder}`)).toEqual(['history:b', 'outbox:a']);
      } finally {
        await close();
      }
    });

    it('releases a lease only for its holder, and a released lease is free at once', async () => {
      const { first, second, close } = await open();
      try {
        first.tryAcquireLease(lease('a', 0));
        // not b's to release
        expect(second.releaseLease('history', 'b')).toBe(false);
        expect(second.tryAcquireLease(lease('b', 1))).toBe(false);
        expect(first.releaseLease('history', 'a')).toBe(true);
        expect(second.tryAcquireLease(lease('b', 2))).toBe(true);
        // a release of a lease a no longer holds does nothing
        expect(first.releaseLease('history', 'a')).toBe(false);
        expect(first.tryAcquireLease(lease('a', 3))).toBe(false);
      } finally {
        await close();
      }
    });

    it('takes a lease from a holder named as dead before it runs out, and from no other', async () => {
      const { first, second, close } = await open();
      try {
        first.tryAcquireLease(lease('a', 0));
        // naming someone else as dead does not take a's lease
        expect(second.tryAcquireLease(lease('b', 1, { takeOverFrom: 'c' }))).toBe(false);
        expect(second.tryAcquireLease(lease('b', 1, { takeOverFrom: 'a' }))).toBe(true);
        expect(first.listLeases()[0]).toMatchObject({ holder: 'b', acquiredAtMs: 1 });
      } finally {
        await close();
      }
    });

    it('gives a lease asked for by many, through both connections, before it runs out, to the first only', async () => {
      const { first, second, close } = await open();
      try {
        const winners = Array.from({ length: 20 }, (_, i) => ((i % 2 === 0 ? first : second).tryAcquireLease(lease(`h${i}`, 100)) ? `h${i}` : undefined)).filter(Boolean);
        expect(winners).toEqual(['h0']);
      } finally {
        await close();
      }
    });
  });
}
