/**
 * What one collector says about its place in a cluster, for `/readyz`, `/metrics` and
 * `GET /api/v1/cluster`: which once-only jobs it runs (the leases it holds), whether it reaches the
 * store, and how far the shared work lags (outbox depth and the wait of the longest-due delivery,
 * the time since each job running here last ended a pass, the age of the last history pass). Every collector answers for itself: an
 * operator reads each one's metrics, or asks any one for the whole lease table.
 */
import type { Clock } from './clock.js';
import type { LeaseRecord } from './domain/lease.js';
import type { Leadership } from './leadership.js';
import type { Store } from './store/store.js';

/** Due deliveries looked at for the outbox lag: the first this many by id. */
const LAG_SAMPLE_ROWS = 100;

export interface ClusterStatus {
  holder: string;
  storeReachable: boolean;
  leaseTtlSeconds: number;
  renewIntervalSeconds: number;
  /** The longest a once-only job waits for another collector after its holder dies (ttl + renew interval). */
  failoverSeconds: number;
  /** This collector's view of each job it binds. */
  jobs: Array<{ job: string; leader: boolean; holder: string | null; runAgeSeconds: number | null }>;
  /** The store's lease table: who holds what, for every collector. */
  leases: Array<{ name: string; holder: string; acquiredAt: string; expiresAt: string; expired: boolean }>;
  outbox: { pending: number; dead: number; oldestDueSeconds: number };
  /** Seconds since the last history pass ended here; null where it has not run here. */
  historyPassAgeSeconds: number | null;
}

export interface ClusterStatusSource {
  status(): ClusterStatus;
  /** Seconds the longest-due pending delivery (of the first due ones) has waited past its due time; 0 when none is due. */
  outboxOldestDueSeconds(): number;
  /** Marks the end of a history pass on this collector. */
  historyPassEnded(): void;
  historyPassAgeSeconds(): number | null;
}

export function createClusterStatus(options: { store: Store; leadership: Leadership; clock: Clock }): ClusterStatusSource {
  const { store, leadership, clock } = options;
  let lastHistoryPassMs: number | undefined;
  const outboxOldestDueSeconds = (): number => {
    const nowMs = clock.nowMs();
    return store.dueOutbox(nowMs, LAG_SAMPLE_ROWS).reduce((max, row) => Math.max(max, (nowMs - row.nextAttemptAtMs) / 1000), 0);
  };
  const historyPassAgeSeconds = (): number | null => (lastHistoryPassMs === undefined ? null : (clock.nowMs() - lastHistoryPassMs) / 1000);
  const leaseView = (lease: LeaseRecord, nowMs: number) => ({
    name: lease.name,
    holder: lease.holder,
    acquiredAt: new Date(lease.acquiredAtMs).toISOString(),
    expiresAt: new Date(lease.expiresAtMs).toISOString(),
    expired: lease.expiresAtMs <= nowMs,
  });
  return {
    status() {
      const nowMs = clock.nowMs();
      return {
        holder: leadership.holder,
        storeReachable: leadership.storeReachable(),
        leaseTtlSeconds: leadership.ttlMs / 1000,
        renewIntervalSeconds: leadership.renewMs / 1000,
        failoverSeconds: (leadership.ttlMs + leadership.renewMs) / 1000,
        jobs: leadership.status().map(({ job, leader, holder, runAgeSeconds }) => ({ job, leader, holder, runAgeSeconds })),
        leases: store.listLeases().map((lease) => leaseView(lease, nowMs)),
        outbox: { pending: store.countOutbox('pending'), dead: store.countOutbox('dead'), oldestDueSeconds: outboxOldestDueSeconds() },
        historyPassAgeSeconds: historyPassAgeSeconds(),
      };
    },
    outboxOldestDueSeconds,
    historyPassEnded: () => {
      lastHistoryPassMs = clock.nowMs();
    },
    historyPassAgeSeconds,
  };
}
