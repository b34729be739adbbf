/**
 * What reports write to their hosts' rows (last sequence, last report time, labels, version,
 * interval, addresses), held in memory and written in host order a few seconds at a time.
 *
 * Why: in a fleet's real order every report lands on a random page of the hosts table, so a batch
 * of 28 reports dirtied about 28 pages of it, each written to the WAL and again by the checkpoint:
 * about a third of the bytes the collector wrote a report (docs/performance-history.md, "CPU per report", session 42).
 * Written together in host order, the touches of 5 s fill the table's pages once.
 *
 * How: a touch is staged with its report's transaction, held once that commits (one a host, the
 * newest), and once the oldest held is FLUSH_AFTER_MS old (or MAX_HELD_HOSTS hosts have one) the
 * held ones are drained: written in host order, a slice after each following transaction
 * (SqliteStore.writeHostTouchesIfDue), while new ones are held for the next drain.
 *
 * What stays exact:
 * - The store's reads of host rows (listHosts, findHost) show what is held (`newest`), and its
 *   statements that filter or join on the rows (overdue hosts, a host's last report) write the
 *   touches of the hosts they read first (SqliteStore.flushHostTouches): inside a transaction
 *   without forgetting them (it may roll back; the same touch written twice leaves the same row).
 * - A touch belongs to its report's transaction: dropped with it or with its savepoint.
 * - A crash loses at most the touches of the last few seconds, and opening the file for writing
 *   repairs them from the stored reports (REPAIR_HOST_PROGRESS): a host's last sequence and last
 *   report time follow its newest hot report. A report that changes what a host is (another name,
 *   an inventory) is written at once.
 * - Another connection reading the file (`tripline` commands, a backup) sees rows a few seconds old;
 *   while another connection commits to the file (a second collector sharing it), touches are
 *   written at once (SqliteStore.lookForOthersCommits).
 */

/** A report's write to its host's row: the parameters of touchSameHost. */
export interface HostTouch {
  hostId: number;
  agentId: string;
  hostname: string;
  labels: string;
  version: string;
  intervalSeconds: number;
  sequence: number;
  atMs: number;
  addresses: string | null;
  defaultGateway: string | null;
  inventory: string | null;
}

/**
 * The touch of `row`'s columns to host `hostId`. Written out, not as `{ ...row, hostId }`, which
 * would give each held touch a hidden class and descriptors of its own, about 400 bytes
 * (labelsWithHost in ../../ingest/reportToRecord.ts says why).
 */
export function hostTouch(hostId: number, row: Omit<HostTouch, 'hostId'>): HostTouch {
  return {
    hostId,
    agentId: row.agentId,
    hostname: row.hostname,
    labels: row.labels,
    version: row.version,
    intervalSeconds: row.intervalSeconds,
    sequence: row.sequence,
    atMs: row.atMs,
    addresses: row.addresses,
    defaultGateway: row.defaultGateway,
    inventory: row.inventory,
  };
}

/** Held touches are written once the oldest has been held this long... */
export const FLUSH_AFTER_MS = 5_000;
/** ...or once this many hosts have one: bounds the memory (a touch is a few hundred bytes). */
export const MAX_HELD_HOSTS = 5_000;

/** A host's newest hot report's sequence (NULL when it has none), `hostId` an SQL expression. */
const newestHotSequence = (hostId: string) => `(SELECT max(r.sequence) FROM report_chunks r WHERE r.host_id = ${hostId})`;

/**
 * What the repair below leaves in a host row's two progress columns, as expressions over `hosts`
 * (unaliased in the FROM clause): its newest hot report's sequence and receive time where that is
 * newer than the row. `tripline migrate`, which reads its source read-only, reads the rows through them,
 * and a read-only store its host rows (HOSTS_AS_REPAIRED).
 */
export const HOST_PROGRESS_AS_REPAIRED = {
  last_sequence: `max(hosts.last_sequence, coalesce(${newestHotSequence('hosts.host_id')}, hosts.last_sequence))`,
  last_report_at_ms: `CASE WHEN ${newestHotSequence('hosts.host_id')} > hosts.last_sequence
    THEN max(hosts.last_report_at_ms, (SELECT r.received_at_ms FROM report_chunks r WHERE r.host_id = hosts.host_id AND r.sequence = ${newestHotSequence('hosts.host_id')} LIMIT 1))
    ELSE hosts.last_report_at_ms END`,
} as const;

/**
 * Every column of the hosts table, in its order (schema.ts and its migrations; test/collector/
 * hostTouches.test.ts holds the two to the same columns): what HOSTS_AS_REPAIRED and `tripline
 * migrate` read.
 */
export const HOST_COLUMNS = [
  'host_id', 'agent_id', 'hostname', 'labels', 'version', 'interval_seconds', 'last_sequence', 'first_seen_at_ms', 'last_report_at_ms',
  'addresses', 'default_gateway', 'inventory', 'decommissioned_at_ms',
] as const;

/**
 * The hosts table with its two progress columns as the repair below would leave them, for a
 * connection that cannot repair: a read-only one (`tripline` commands reading the file while a
 * collector runs, holding touches, or after one died).
 */
export const HOSTS_AS_REPAIRED = `(SELECT ${HOST_COLUMNS.map((column) =>
  column === 'last_sequence' || column === 'last_report_at_ms' ? `${HOST_PROGRESS_AS_REPAIRED[column]} AS ${column}` : column,
).join(', ')} FROM hosts)`;

/**
 * Opening a file for writing: each host's last sequence and last report time from its newest hot
 * report, where that is newer than the row (touches held when the process died). One seek a host
 * into report_chunks_by_host; the report's row is read only for hosts behind.
 */
export const REPAIR_HOST_PROGRESS = `UPDATE hosts SET last_sequence = ${HOST_PROGRESS_AS_REPAIRED.last_sequence},
    last_report_at_ms = ${HOST_PROGRESS_AS_REPAIRED.last_report_at_ms}
  WHERE ${newestHotSequence('hosts.host_id')} > hosts.last_sequence`;

export class HostTouches {
  /** Committed and not yet written, the newest by host. */
  private held = new Map<number, HostTouch>();
  /** When the oldest held touch was held, on `now`'s clock. */
  private oldestHeldAt = Infinity;
  /** Taken from `held` to be written a slice at a time, in host id order (the map's); older than what is held. */
  private draining = new Map<number, HostTouch>();
  /** Touches of the open transaction, in order. */
  private readonly staged: HostTouch[] = [];

  /** A monotonic clock in milliseconds: the age of what is held does not follow the wall clock's jumps. */
  constructor(private readonly now: () => number = () => performance.now()) {}

  get size(): number {
    return this.draining.size + this.held.size + this.staged.length;
  }

  stage(touch: HostTouch): void {
    this.staged.push(touch);
  }

  /** For a savepoint: undoTo(mark()) drops what was staged since. */
  mark(): number {
    return this.staged.length;
  }

  undoTo(mark: number): void {
    this.staged.length = mark;
  }

  /** The outermost transaction committed: its touches are held. */
  commit(): void {
    for (const touch of this.staged) this.hold(touch);
    this.staged.length = 0;
  }

  /** A host's touches not yet written, oldest first. */
  ofHost(hostId: number): HostTouch[] {
    const found: HostTouch[] = [];
    const draining = this.draining.get(hostId);
    if (draining !== undefined) found.push(draining);
    const held = this.held.get(hostId);
    if (held !== undefined) found.push(held);
    for (const t of this.staged) if (t.hostId === hostId) found.push(t);
    return found;
  }

  /** Whether the held touches are due to be written. */
  due(): boolean {
    return this.held.size >= MAX_HELD_HOSTS || (this.held.size > 0 && this.now() - this.oldestHeldAt >= FLUSH_AFTER_MS);
  }

  /** Whether a drain is under way: drain()'s next slices come from it, not from what is held. */
  get drainingNow(): boolean {
    return this.draining.size > 0;
  }

  /** Every touch not yet written, in the order to write them: draining by host id, held by host id, then staged. */
  pending(): HostTouch[] {
    return [...this.draining.values(), ...[...this.held.values()].sort(byHost), ...this.staged];
  }

  /** A host's touches not yet written as one write of them all would leave its row (undefined: none). */
  newestOf(hostId: number): HostTouch | undefined {
    let newest: HostTouch | undefined;
    for (const touch of this.ofHost(hostId)) newest = newest === undefined ? touch : merged({ ...touch }, newest);
    return newest;
  }

  /**
   * The next `count` touches to write of a drain, starting one from what is held when none is under
   * way; forgotten here (restore() puts them back when they could not be written).
   */
  drain(count: number): HostTouch[] {
    if (this.draining.size === 0) {
      this.draining = new Map([...this.held].sort(([a], [b]) => a - b));
      this.held = new Map();
      this.oldestHeldAt = Infinity;
    }
    const slice: HostTouch[] = [];
    for (const [hostId, touch] of this.draining) {
      if (slice.length === count) break;
      this.draining.delete(hostId);
      slice.push(touch);
    }
    return slice;
  }

  /** Every committed touch (draining, then held), forgotten here; the caller writes them. */
  takeAll(): HostTouch[] {
    const taken = [...this.draining.values(), ...[...this.held.values()].sort(byHost)];
    this.draining = new Map();
    this.held = new Map();
    this.oldestHeldAt = Infinity;
    return taken;
  }

  /** The committed touches of these hosts (draining, then held), forgotten here; the caller writes them. */
  takeHosts(hostIds: Iterable<number>): HostTouch[] {
    const taken: HostTouch[] = [];
    for (const hostId of hostIds) {
      const draining = this.draining.get(hostId);
      if (draining !== undefined) {
        taken.push(draining);
        this.draining.delete(hostId);
      }
      const held = this.held.get(hostId);
      if (held !== undefined) {
        taken.push(held);
        this.held.delete(hostId);
      }
    }
    if (this.held.size === 0) this.oldestHeldAt = Infinity;
    return taken;
  }

  /** Holds again what drain(), takeAll() or takeHosts() gave and could not be written: older than anything held since. */
  restore(taken: readonly HostTouch[]): void {
    const newer = this.held;
    this.held = new Map();
    for (const touch of taken) this.hold(touch);
    for (const touch of newer.values()) this.hold(touch);
  }

  private hold(touch: HostTouch): void {
    const before = this.held.get(touch.hostId);
    if (before === undefined) {
      if (this.held.size === 0) this.oldestHeldAt = this.now();
      this.held.set(touch.hostId, touch);
      return;
    }
    this.held.set(touch.hostId, merged(touch, before));
  }
}

const byHost = (a: HostTouch, b: HostTouch) => a.hostId - b.hostId;

/**
 * One write standing for two of a host (`touch` the later): the later's columns, the higher sequence,
 * and the addresses the later left out (NULL keeps the row's). Mutates and returns `touch`.
 */
export function merged(touch: HostTouch, before: HostTouch): HostTouch {
  touch.sequence = Math.max(touch.sequence, before.sequence);
  touch.addresses ??= before.addresses;
  touch.defaultGateway ??= before.defaultGateway;
  touch.inventory ??= before.inventory;
  return touch;
}
