/**
 * What reports write to their hosts' rows (last sequence, last report time, labels, version,
 * interval, addresses), held in memory and written in host order a few seconds at a time.
 *
 * Why: in a fleet's real order every report lands on a random page of the hosts table, so a batch
 * of 28 reports dirtied about 28 pages of it, each written to the WAL and again by the checkpoint.
 * Without that write the collector wrote 11.6 kB a report instead of 17.8 and took 6 % more reports
 * a second at saturation (README, "CPU per report", session 42). Written together, 3,000 touches
 * fill the table's few hundred pages once.
 *
 * What stays exact:
 * - Every read of host rows through the store writes what is held first (SqliteStore.flushHostTouches),
 *   so this process never reads a stale row; inside a transaction it writes without forgetting (the
 *   transaction may roll back), outside it writes and forgets.
 * - A touch belongs to its report's transaction: staged while that runs, dropped with it or with its
 *   savepoint, held only once it commits.
 * - A crash loses at most the last FLUSH_AFTER_MS of touches, and opening the file for writing
 *   repairs them from the stored reports (REPAIR_HOST_PROGRESS): a host's last sequence and last
 *   report time follow its newest hot report. A report that changes what a host is (another name,
 *   an inventory) is written at once, not held.
 * - Another connection reading the file (a second collector sharing it, `tripline` commands) sees a
 *   row at most FLUSH_AFTER_MS old; while another connection commits to the file (a second
 *   collector), nothing is held (SqliteStore.holdsHostTouches).
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

/** Held touches are written once the oldest has been held this long... */
export const FLUSH_AFTER_MS = 5_000;
/** ...or once this many hosts have one: bounds the memory and the write's length (about 5 ms a thousand). */
export const MAX_HELD_HOSTS = 5_000;

/**
 * Opening a file for writing: each host's last sequence and last report time from its newest hot
 * report, where that is newer than the row (touches held when the process died). One seek a host
 * into report_chunks_by_host; the report's row is read only for hosts behind.
 */
export const REPAIR_HOST_PROGRESS = `UPDATE hosts SET last_sequence = newest.sequence,
    last_report_at_ms = max(hosts.last_report_at_ms, (SELECT r.received_at_ms FROM report_chunks r WHERE r.host_id = newest.host_id AND r.sequence = newest.sequence LIMIT 1))
  FROM (SELECT h.host_id, (SELECT max(r.sequence) FROM report_chunks r WHERE r.host_id = h.host_id) AS sequence FROM hosts h) AS newest
  WHERE newest.host_id = hosts.host_id AND newest.sequence > hosts.last_sequence`;

export class HostTouches {
  /** Committed and not yet written, the newest by host. */
  private held = new Map<number, HostTouch>();
  /** When the oldest held touch was held, on `now`'s clock. */
  private oldestHeldAt = Infinity;
  /** Touches of the open transaction, in order. */
  private readonly staged: HostTouch[] = [];

  /** A monotonic clock in milliseconds: the age of what is held does not follow the wall clock's jumps. */
  constructor(private readonly now: () => number = () => performance.now()) {}

  get size(): number {
    return this.held.size + this.staged.length;
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

  /** A host's held and staged touches, oldest first (an immediate write merges them). */
  ofHost(hostId: number): HostTouch[] {
    const held = this.held.get(hostId);
    const staged = this.staged.filter((t) => t.hostId === hostId);
    return held === undefined ? staged : [held, ...staged];
  }

  /** Whether the held touches are due to be written. */
  due(): boolean {
    return this.held.size >= MAX_HELD_HOSTS || (this.held.size > 0 && this.now() - this.oldestHeldAt >= FLUSH_AFTER_MS);
  }

  /** Every touch not yet written, in the order to write them: held by host id, then staged. */
  pending(): HostTouch[] {
    return [...[...this.held.values()].sort((a, b) => a.hostId - b.hostId), ...this.staged];
  }

  /** The held touches, by host id, forgotten here (the caller writes them). */
  take(): HostTouch[] {
    const taken = [...this.held.values()].sort((a, b) => a.hostId - b.hostId);
    this.held = new Map();
    this.oldestHeldAt = Infinity;
    return taken;
  }

  /** Holds again what take() gave and could not be written (oldest first: anything held since is newer). */
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
    // One row write stands for both: the highest sequence, and addresses a later report left out (NULL keeps the row's).
    touch.sequence = Math.max(touch.sequence, before.sequence);
    touch.addresses ??= before.addresses;
    touch.defaultGateway ??= before.defaultGateway;
    touch.inventory ??= before.inventory;
    this.held.set(touch.hostId, touch);
  }
}
