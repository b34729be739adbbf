/**
 * A lease on a once-only job (the missed-report watcher, desk sync, history maintenance...): the
 * collector named `holder` may run the job until `expiresAtMs` and renews well before then. With
 * several collectors on one store, whoever holds a job's lease runs it; when the holder dies its
 * lease runs out and another collector takes it (collector/leadership.ts).
 */
export interface LeaseRecord {
  /** The job's name, e.g. `history`. */
  name: string;
  /** Who holds it: `hostname:pid:nonce` of a collector process. */
  holder: string;
  /** When the holder took it (kept while it renews). */
  acquiredAtMs: number;
  expiresAtMs: number;
}

/** One attempt to take or renew a lease (Store.tryAcquireLease). */
export interface LeaseRequest {
  name: string;
  holder: string;
  ttlMs: number;
  nowMs: number;
  /**
   * A holder known to be dead (a process of this host that no longer runs): the lease is taken from
   * it before it runs out, so a collector restarted after a crash does not wait out its own old lease.
   */
  takeOverFrom?: string;
}
