/**
 * The alert pipeline's states whose latest sample is newer in memory than in the store, each with
 * the time of its first unwritten change, held by host: one entry per host (the time of the host's
 * first unwritten change, and its unwritten states' fingerprints in a small array) instead of one
 * map entry per state. A host's window and prediction states all change with each of its reports,
 * so they come due together; as one map entry each they took 0.6-0.9 kB of heap an agent
 * (bench/ingestHeap.ts at 3,000 agents), about a tenth of the collector's live heap. A state without a
 * `host` label (a sweep record, an aggregate group) is a group of its own. A state that joins a host
 * whose group is older is written with it: earlier than its own time would have it, never later.
 *
 * Each state waits as long as its rule allows (`waitMs`: a long window's point may wait longer than a
 * threshold's last value, see alertPipeline.ts), so the groups are kept in lanes, one per wait: a
 * host has a group in each lane it has unwritten states in, and a lane's groups come due in the
 * order they began. The lanes are few (one per distinct wait of the rule set).
 */

interface Group {
  /** The first unwritten change of any state still in the group. */
  readonly sinceMs: number;
  /**
   * Replaced by a copy one longer to add (concat), not pushed to: a pushed array keeps room for 16
   * more, 128 bytes a group, and with a group per host and interval that was 0.6 kB of heap an
   * agent (bench/ingestHeap.ts, heap snapshots compared by type).
   */
  fingerprints: string[];
}

/** The groups of one wait: by host, and states without a host by fingerprint, each in the order they began. */
interface Lane {
  readonly waitMs: number;
  readonly byHost: Map<string, Group>;
  readonly hostless: Map<string, Group>;
}

export class UnwrittenStates {
  /** By wait. Within a lane a group is never moved or re-timed, so each map stays in the order its groups began (oldest first). */
  private readonly lanes = new Map<number, Lane>();

  /** Adds the state unless it is unwritten already (its first unwritten change stays the earlier one); it comes due `waitMs` after its group began. */
  add(fingerprint: string, host: string | undefined, sinceMs: number, waitMs: number): void {
    let lane = this.lanes.get(waitMs);
    if (lane === undefined) this.lanes.set(waitMs, (lane = { waitMs, byHost: new Map(), hostless: new Map() }));
    const groups = host === undefined ? lane.hostless : lane.byHost;
    const key = host ?? fingerprint;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { sinceMs, fingerprints: [fingerprint] });
    else if (!group.fingerprints.includes(fingerprint)) group.fingerprints = group.fingerprints.concat(fingerprint);
  }

  /** Takes the state out (written, forgotten or replaced by the store's copy) of the lane of `waitMs`; nothing if it is not in. */
  delete(fingerprint: string, host: string | undefined, waitMs: number): void {
    const lane = this.lanes.get(waitMs);
    if (lane === undefined) return;
    const groups = host === undefined ? lane.hostless : lane.byHost;
    const key = host ?? fingerprint;
    const group = groups.get(key);
    const at = group?.fingerprints.indexOf(fingerprint) ?? -1;
    if (at === -1) return;
    group!.fingerprints.splice(at, 1);
    if (group!.fingerprints.length === 0) groups.delete(key);
  }

  /**
   * The states whose group has waited its lane's time at `nowMs`, the groups that came due first
   * first (across lanes, hosts and states without a host), at most `limit` (a group may be taken in
   * part: the rest stays due).
   */
  due(nowMs: number, limit: number): string[] {
    const due: string[] = [];
    // The next group of each of the lanes' orders.
    const heads: Array<{ waitMs: number; groups: Iterator<Group>; next: IteratorResult<Group> }> = [];
    for (const lane of this.lanes.values()) {
      for (const groups of [lane.byHost, lane.hostless]) {
        const iterator = groups.values();
        heads.push({ waitMs: lane.waitMs, groups: iterator, next: iterator.next() });
      }
    }
    while (due.length < limit) {
      let first: (typeof heads)[number] | undefined;
      let firstDueMs = Number.POSITIVE_INFINITY;
      for (const head of heads) {
        if (head.next.done) continue;
        const dueMs = head.next.value.sinceMs + head.waitMs;
        if (dueMs < firstDueMs) {
          first = head;
          firstDueMs = dueMs;
        }
      }
      if (first === undefined || firstDueMs > nowMs) break;
      for (const fingerprint of first.next.value!.fingerprints) {
        if (due.length >= limit) break;
        due.push(fingerprint);
      }
      first.next = first.groups.next();
    }
    return due;
  }

  /** Every unwritten state's fingerprint (a clean stop writes them all). */
  all(): string[] {
    const every: string[] = [];
    for (const lane of this.lanes.values()) for (const groups of [lane.byHost, lane.hostless]) for (const group of groups.values()) every.push(...group.fingerprints);
    return every;
  }

  /**
   * Moves every state to the lane `waitOf` gives it now (the rules were replaced, and a rule's wait
   * may have changed with its window), keeping each its group's time: a state that meets an older
   * group of its host in its new lane is written with that one, earlier, never later. Lanes left empty go.
   */
  relane(waitOf: (fingerprint: string) => number): void {
    const entries: Array<{ fingerprint: string; host: string | undefined; sinceMs: number }> = [];
    for (const lane of this.lanes.values()) {
      for (const [host, group] of lane.byHost) for (const fingerprint of group.fingerprints) entries.push({ fingerprint, host, sinceMs: group.sinceMs });
      for (const group of lane.hostless.values()) for (const fingerprint of group.fingerprints) entries.push({ fingerprint, host: undefined, sinceMs: group.sinceMs });
    }
    this.lanes.clear();
    // Added oldest first, so that each new lane's groups are in the order they began.
    entries.sort((a, b) => a.sinceMs - b.sinceMs);
    for (const { fingerprint, host, sinceMs } of entries) this.add(fingerprint, host, sinceMs, waitOf(fingerprint));
  }
}
