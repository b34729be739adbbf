/**
 * When each host's next report is due (its last report + its interval), by host id: what lets the
 * SQLite store's overdueHosts read only the rows of the hosts due instead of every host row. Host
 * ids are SQLite rowids, dense from 1, so the times sit in one Float64Array indexed by id (NaN: no
 * host), which a pass scans in well under a millisecond for 50,000 hosts (a Map's iteration took
 * 2-15 ms on the loaded VM).
 */

/** Host ids up to this are kept; a store with a larger one reads every row (kept: false). */
const MAX_HOST_ID = 1 << 24;

export class HostDueTimes {
  private times = new Float64Array(1024).fill(Number.NaN);
  /** False once a host id beyond MAX_HOST_ID was seen: the times are then incomplete. */
  kept = true;

  set(hostId: number, dueAtMs: number): void {
    if (!Number.isInteger(hostId) || hostId < 0 || hostId > MAX_HOST_ID) {
      this.kept = false;
      return;
    }
    if (hostId >= this.times.length) {
      const grown = new Float64Array(Math.min(MAX_HOST_ID + 1, Math.max(hostId + 1, this.times.length * 2))).fill(Number.NaN);
      grown.set(this.times);
      this.times = grown;
    }
    this.times[hostId] = dueAtMs;
  }

  /** The ids of the hosts due by `atMs`, or undefined when more than `max` are. */
  dueBy(atMs: number, max: number): number[] | undefined {
    const due: number[] = [];
    const times = this.times;
    for (let hostId = 0; hostId < times.length; hostId++) {
      // NaN (no host) is never <= atMs.
      if (times[hostId]! <= atMs) {
        if (due.length === max) return undefined;
        due.push(hostId);
      }
    }
    return due;
  }
}
