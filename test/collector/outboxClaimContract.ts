/**
 * The outbox-claim part of the store contract (Store.claimOutbox): two stores opened on one
 * database play two collectors that both deliver. Every engine runs it (leases.test.ts); the
 * PostgreSQL engine also shows that a claim in an open transaction is skipped, not waited for.
 */
import { describe, expect, it } from 'vitest';
import type { NewIncident } from '../../collector/domain/incident.js';
import type { Store } from '../../collector/store/store.js';
import type { OpenSharedStores } from './leaseContract.js';

const BASE = 1_700_000_000_000;

function incident(key: string): NewIncident {
  return {
    key, fingerprint: `fp-${key}`, ruleName: 'disk_full', ruleVersion: 'v1', host: 'web-01', severity: 'critical', summary: 's', description: 'd',
    labels: { host: 'web-01' }, status: 'open', openedAtMs: BASE, resolvedAtMs: null, updatedAtMs: BASE, why: { because: 'x' },
  };
}

/** Incidents with an `open` queued at desk `rt` each (and the operations given after it); returns their ids. */
function queueIncidents(store: Store, count: number, after: Array<'update' | 'resolve'> = []): number[] {
  return store.transaction((tx) =>
    Array.from({ length: count }, (_, i) => {
      const { id } = tx.insertIncident(incident(`k${i}`));
      for (const [step, operation] of (['open', ...after] as const).entries()) tx.enqueueOutbox({ incidentId: id, desk: 'rt', operation, createdAtMs: BASE + step });
      return id;
    }),
  );
}

const claim = (store: Store, holder: string, nowMs: number, limit = 100, ttlMs = 60_000) => store.transaction((tx) => tx.claimOutbox({ holder, nowMs, untilMs: nowMs + ttlMs, limit }));

export function describeOutboxClaimContract(engine: string, open: OpenSharedStores): void {
  describe(`outbox claims (${engine})`, () => {
    it('gives each due row to one claimer only', async () => {
      const { first, second, close } = await open();
      try {
        queueIncidents(first, 30);
        const a = claim(first, 'a', BASE + 10, 12);
        const b = claim(second, 'b', BASE + 10);
        expect(a).toHaveLength(12);
        expect(b).toHaveLength(18);
        expect(new Set([...a, ...b].map((r) => r.id)).size).toBe(30);
        expect(a.every((r) => r.claimedBy === 'a' && r.state === 'pending' && r.nextAttemptAtMs === BASE + 60_010)).toBe(true);
        // Claimed rows are due to nobody, the claimer included, until the claim runs out.
        expect(claim(first, 'a', BASE + 20)).toEqual([]);
        expect(claim(second, 'c', BASE + 20)).toEqual([]);
        expect(second.getOutbox(a[0]!.id)?.claimedBy).toBe('a');
      } finally {
        await close();
      }
    });

    it('keeps an incident in order across claimers: its update waits until its open is done', async () => {
      const { first, second, close } = await open();
      try {
        const [id] = queueIncidents(first, 1, ['update', 'resolve']);
        const [openRow, updateRow, resolveRow] = first.outboxForIncident(id!);
        expect(claim(first, 'a', BASE + 10).map((r) => r.operation)).toEqual(['open']);
        // b sees the update due by time, but the open before it is claimed (not done): nothing for b.
        expect(claim(second, 'b', BASE + 20)).toEqual([]);
        first.transaction((tx) => tx.markOutboxDelivered(openRow!.id, BASE + 30));
        expect(claim(second, 'b', BASE + 40).map((r) => r.id)).toEqual([updateRow!.id]);
        expect(claim(first, 'a', BASE + 50)).toEqual([]);
        // A failed attempt keeps the row first in line: the resolve behind it waits for its retry.
        second.transaction((tx) => tx.markOutboxAttempt(updateRow!.id, 1, BASE + 1_000, 'HTTP 503'));
        expect(claim(first, 'a', BASE + 999)).toEqual([]);
        expect(claim(first, 'a', BASE + 1_000).map((r) => r.id)).toEqual([updateRow!.id]);
        first.transaction((tx) => tx.markOutboxDelivered(updateRow!.id, BASE + 1_010));
        expect(claim(second, 'b', BASE + 1_020).map((r) => r.id)).toEqual([resolveRow!.id]);
      } finally {
        await close();
      }
    });

    it('lets another claimer take a row whose claim ran out, and only the holder extend or release a claim', async () => {
      const { first, second, close } = await open();
      try {
        queueIncidents(first, 1);
        const [row] = claim(first, 'a', BASE, 100, 5_000);
        // a commits its attempt (the claim renewed until BASE + 5_000): still a's
        expect(first.transaction((tx) => tx.leaseOutbox(row!.id, 1, BASE + 5_000, 'a'))).toBe(true);
        expect(claim(second, 'b', BASE + 4_999)).toEqual([]);
        // a died: at the expiry b takes the row, with the attempt a committed
        const [taken] = claim(second, 'b', BASE + 5_000);
        expect(taken).toMatchObject({ id: row!.id, claimedBy: 'b', attempts: 1 });
        // a, back late, can neither renew nor hand back b's claim
        expect(first.transaction((tx) => tx.leaseOutbox(row!.id, 2, BASE + 9_000, 'a'))).toBe(false);
        first.transaction((tx) => tx.releaseOutboxClaim(row!.id, 'a', BASE + 5_001));
        expect(claim(first, 'a', BASE + 5_002)).toEqual([]);
        expect(second.transaction((tx) => tx.leaseOutbox(row!.id, 2, BASE + 9_000, 'b'))).toBe(true);
        // b hands it back (rate limited): due at once for anyone
        second.transaction((tx) => tx.releaseOutboxClaim(row!.id, 'b', BASE + 5_010));
        expect(claim(first, 'a', BASE + 5_010).map((r) => [r.id, r.claimedBy, r.attempts])).toEqual([[row!.id, 'a', 2]]);
        // a delivered row is not renewed by anyone
        first.transaction((tx) => tx.markOutboxDelivered(row!.id, BASE + 5_020));
        expect(first.transaction((tx) => tx.leaseOutbox(row!.id, 3, BASE + 9_000, 'a'))).toBe(false);
        expect(first.getOutbox(row!.id)).toMatchObject({ state: 'delivered', claimedBy: 'a' });
      } finally {
        await close();
      }
    });

    if (engine === 'postgres') {
      it('skips the rows another collector is claiming in a transaction not yet committed, without waiting for it', async () => {
        const { first, second, close } = await open();
        try {
          queueIncidents(first, 10);
          const { a, b } = first.transaction((tx) => {
            const a = tx.claimOutbox({ holder: 'a', nowMs: BASE + 10, untilMs: BASE + 60_000, limit: 4 });
            // a's claim is not committed: b's statement sees those rows due, finds them locked and skips them
            const b = claim(second, 'b', BASE + 10);
            return { a, b };
          });
          expect(a).toHaveLength(4);
          expect(b).toHaveLength(6);
          expect(new Set([...a, ...b].map((r) => r.id)).size).toBe(10);
          expect(second.listOutbox({ state: 'pending' }).filter((r) => r.claimedBy === 'a')).toHaveLength(4);
        } finally {
          await close();
        }
      });
    }
  });
}
