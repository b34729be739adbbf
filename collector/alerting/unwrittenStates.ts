/**
 * The alert pipeline's states whose latest sample is newer in memory than in the store, each with
 * the time of its first unwritten change, held by host: one entry per host (the time of the host's
 * first unwritten change, and its unwritten states' fingerprints in a small array) instead of one
 * map entry per state. A host's window and prediction states all change with each of its reports,
 * so they come due together; as one map entry each they took 0.6-0.9 kB of heap an agent
 * (bench/ingestHeap.ts at 3,000 agents), about a tenth of the collector's live heap. A state without a
 * `host` label (a sweep record, an aggregate group) is a group of its own. A state that joins a host
 * whose group is older is written with it: earlier than its own time would have it, never later.
 */

interface Group {
  /** The first unwritten change of any state still in the group. */
  readonly sinceMs: number;
  readonly fingerprints: string[];
}

export class UnwrittenStates {
  /** By host, in the order their groups began (oldest first: a group is never moved or re-timed). */
  private readonly byHost = new Map<string, Group>();
  /** States without a host, by fingerprint, in the same order. */
  private readonly hostless = new Map<string, Group>();

  /** Adds the state unless it is unwritten already (its first unwritten change stays the earlier one). */
  add(fingerprint: string, host: string | undefined, sinceMs: number): void {
    const groups = host === undefined ? this.hostless : this.byHost;
    const key = host ?? fingerprint;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { sinceMs, fingerprints: [fingerprint] });
    else if (!group.fingerprints.includes(fingerprint)) group.fingerprints.push(fingerprint);
  }

  /** Takes the state out (written, forgotten or replaced by the store's copy); nothing if it is not in. */
  delete(fingerprint: string, host: string | undefined): void {
    const groups = host === undefined ? this.hostless : this.byHost;
    const key = host ?? fingerprint;
    const group = groups.get(key);
    const at = group?.fingerprints.indexOf(fingerprint) ?? -1;
    if (at === -1) return;
    group!.fingerprints.splice(at, 1);
    if (group!.fingerprints.length === 0) groups.delete(key);
  }

  /**
   * The states whose group's first unwritten change is at or before `dueBeforeMs`, oldest groups
   * first, at most `limit` (a group may be taken in part: the rest stays due).
   */
  due(dueBeforeMs: number, limit: number): string[] {
    const due: string[] = [];
    const hosts = this.byHost.values();
    const alone = this.hostless.values();
    let host = hosts.next();
    let single = alone.next();
    while (due.length < limit) {
      // The older of the two orders' next groups.
      const fromHosts = !host.done && (single.done || host.value.sinceMs <= single.value.sinceMs);
      const group = fromHosts ? host.value : single.done ? undefined : single.value;
      if (group === undefined || group.sinceMs > dueBeforeMs) break;
      for (const fingerprint of group.fingerprints) {
        if (due.length >= limit) break;
        due.push(fingerprint);
      }
      if (fromHosts) host = hosts.next();
      else single = alone.next();
    }
    return due;
  }

  /** Every unwritten state's fingerprint (a clean stop writes them all). */
  all(): string[] {
    const every: string[] = [];
    for (const groups of [this.byHost, this.hostless]) for (const group of groups.values()) every.push(...group.fingerprints);
    return every;
  }
}
