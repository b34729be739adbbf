/**
 * Once-only work when several collectors share one store: each once-only job (below) runs on the
 * collector that holds its lease, a row in the store (Store.tryAcquireLease). Every `renewMs` each
 * collector tries to take or renew the lease of every job: the holder renews its own, the others
 * take a lease only once it ran out (or its holder is a dead process of this host). Holding a lease
 * starts the job; losing it stops the job.
 *
 * Failover: a holder that dies stops renewing; its leases run out at most `ttlMs` after its last
 * renewal, and another collector takes them at its next round, at most `renewMs` later. So a job
 * resumes within `ttlMs + renewMs` of its holder's death, plus the job's own first delay (its
 * interval for the watchers, none for the outbox and history). A clean stop releases the leases,
 * so the jobs move at the next round of another collector.
 *
 * A holder that cannot reach the store keeps its jobs until its last renewal's lease runs out (by
 * its own clock) and then stops them, so two collectors run a job at once only when their clocks
 * disagree by more than the renew margin: collectors of a cluster need synchronised clocks (NTP).
 *
 * Jobs that may run everywhere are not bound here: report ingest, the rules evaluated on ingest
 * (sweep and re-arm run inside the report transaction) and the HTTP API.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { LeaseRecord } from './domain/lease.js';
import { createPeriodicLoop, type LoopTimer } from './periodicLoop.js';
import type { Store } from './store/store.js';

/**
 * Jobs that must run on one collector at a time: each writes what the others would write again
 * (a second "agent silent" evaluation, a second desk sync call, a second compaction of a block) or
 * calls the outside world (pings, desks).
 */
export const ONCE_ONLY_JOBS = [
  // agent_missed_reports for every host: the silence rules
  'missed-reports',
  // pings of silent hosts (host down or agent down)
  'reachability',
  // SLA breach checks of open incidents
  'sla',
  // cross-host aggregates: each service's state from its hosts' incidents
  'services',
  // aggregate rules' groups judged over every collector's members (on a shared store: alerting/crossHostJudge.ts)
  'aggregates',
  // two-way desk sync and the reconciler
  'desk-sync',
  // desk deliveries on SQLite (one deliverer); on PostgreSQL every collector claims its own rows instead (Store.claimOutbox)
  'outbox',
  // compaction, retention pruning of raw history and rollups
  'history',
] as const;

export type OnceOnlyJob = (typeof ONCE_ONLY_JOBS)[number];

/** What leadership starts and stops: a periodic job. */
export interface JobControl {
  start(): void;
  stop(): Promise<void>;
  /** Seconds since the job's last pass ended (or since it started here), null while it does not run (PeriodicLoop.runAgeSeconds). */
  runAgeSeconds?(): number | null;
}

export interface JobLeadership {
  job: OnceOnlyJob;
  leader: boolean;
  /** Who holds the job's lease as last read (this collector or another), if anyone. */
  holder: string | null;
  /** When this collector's hold runs out unless renewed; null when it does not hold it. */
  validUntilMs: number | null;
  /** Where the job runs here: seconds since its last pass ended (its lag); null elsewhere. */
  runAgeSeconds: number | null;
}

export interface Leadership {
  /** This collector's holder id: `hostname:pid:nonce`. */
  readonly holder: string;
  readonly ttlMs: number;
  readonly renewMs: number;
  /** Runs `job` on this collector only while it holds the job's lease. Bind before `start`. */
  bind(job: OnceOnlyJob, control: JobControl): void;
  /** True while this collector holds the job's lease (renewed within its TTL by its own clock). */
  isLeader(job: OnceOnlyJob): boolean;
  /** One round: takes or renews each bound job's lease and starts or stops the job to match. */
  renew(): Promise<void>;
  /** A first round now, then one every `renewMs`. */
  start(): Promise<void>;
  /** Stops the rounds and every job, then releases this collector's leases. */
  stop(): Promise<void>;
  status(): JobLeadership[];
  /** Whether the last round reached the store. */
  storeReachable(): boolean;
}

export interface LeadershipOptions {
  store: Pick<Store, 'tryAcquireLease' | 'releaseLease' | 'listLeases'>;
  clock: Clock;
  log: Logger;
  ttlMs: number;
  renewMs: number;
  /** By default `hostname:pid:nonce` of this process. */
  holder?: string;
  /** Whether a lease's holder is a process known to be dead; by default: one of this host whose pid no longer runs. */
  isDeadHolder?: (holder: string) => boolean;
  timer?: LoopTimer;
}

/** A holder id of this process: unique even when a pid is reused (the nonce). */
export function processHolder(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** True when `holder` names another process of this host that no longer runs. */
export function isDeadLocalProcess(holder: string): boolean {
  const parts = holder.split(':');
  if (parts.length < 3) return false;
  const pid = Number(parts[parts.length - 2]);
  const host = parts.slice(0, -2).join(':');
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

interface BoundJob {
  job: OnceOnlyJob;
  control: JobControl;
  running: boolean;
  validUntilMs: number | null;
  holder: string | null;
}

export function createLeadership(options: LeadershipOptions): Leadership {
  const { store, clock, log, ttlMs, renewMs } = options;
  const holder = options.holder ?? processHolder();
  const isDead = options.isDeadHolder ?? isDeadLocalProcess;
  const jobs: BoundJob[] = [];
  let reachable = true;
  let stopped = false;

  const holdsNow = (bound: BoundJob): boolean => bound.validUntilMs !== null && clock.nowMs() < bound.validUntilMs;

  /** Tries the store for one job's lease; undefined when the store could not be asked. */
  const tryLease = (bound: BoundJob, current: LeaseRecord | undefined, nowMs: number): boolean | undefined => {
    const takeOverFrom = current && current.holder !== holder && current.expiresAtMs > nowMs && isDead(current.holder) ? current.holder : undefined;
    try {
      return store.tryAcquireLease({ name: bound.job, holder, ttlMs, nowMs, ...(takeOverFrom ? { takeOverFrom } : {}) });
    } catch (error) {
      log.warn({ err: error, job: bound.job }, 'lease could not be renewed');
      return undefined;
    }
  };

  const readLeases = (): Map<string, LeaseRecord> | undefined => {
    try {
      return new Map(store.listLeases().map((lease) => [lease.name, lease] as const));
    } catch (error) {
      log.warn({ err: error }, 'leases could not be read');
      return undefined;
    }
  };

  const round = async (): Promise<void> => {
    if (stopped) return;
    const leases = readLeases();
    reachable = leases !== undefined;
    /** Free leases taken this round (at start: every job), told in one line; takeovers each get their own. */
    const started: string[] = [];
    for (const bound of jobs) {
      const nowMs = clock.nowMs();
      const taken = leases === undefined ? undefined : tryLease(bound, leases.get(bound.job), nowMs);
      if (taken === undefined) reachable = false;
      if (taken === true) {
        bound.validUntilMs = nowMs + ttlMs;
        bound.holder = holder;
      } else if (taken === false) {
        bound.validUntilMs = null;
        bound.holder = leases?.get(bound.job)?.holder ?? null;
      }
      // An unreachable store: keep the job until the last renewal's lease runs out.
      const lead = holdsNow(bound) && !stopped;
      if (lead && !bound.running) {
        bound.running = true;
        const previous = leases?.get(bound.job);
        if (previous !== undefined && previous.holder !== holder) {
          log.info({ job: bound.job, holder, from: previous.holder }, 'lease taken over: job starts here');
        } else {
          log.debug({ job: bound.job, holder }, 'lease taken: job starts here');
          started.push(bound.job);
        }
        bound.control.start();
      } else if (!lead && bound.running) {
        bound.running = false;
        log.warn({ job: bound.job, holder: bound.holder }, 'lease lost: job stops here');
        await bound.control.stop();
      }
    }
    if (started.length > 0) log.info({ jobs: started, holder }, `leases taken: ${started.join(', ')} start here`);
  };

  const loop = createPeriodicLoop({ run: round, delayMs: renewMs, log, failureMessage: 'lease round failed', ...(options.timer ? { timer: options.timer } : {}) });

  return {
    holder,
    ttlMs,
    renewMs,
    bind(job, control) {
      if (jobs.some((bound) => bound.job === job)) throw new Error(`job ${job} is bound twice`);
      jobs.push({ job, control, running: false, validUntilMs: null, holder: null });
    },
    isLeader(job) {
      const bound = jobs.find((b) => b.job === job);
      return bound !== undefined && bound.running && holdsNow(bound);
    },
    renew: round,
    async start() {
      stopped = false;
      await round();
      loop.start();
    },
    async stop() {
      stopped = true;
      await loop.stop();
      for (const bound of [...jobs].reverse()) {
        if (bound.running) await bound.control.stop();
        bound.running = false;
        if (bound.validUntilMs === null) continue;
        bound.validUntilMs = null;
        try {
          store.releaseLease(bound.job, holder);
        } catch (error) {
          log.warn({ err: error, job: bound.job }, 'lease could not be released: it runs out by itself');
        }
      }
    },
    status: () =>
      jobs.map((bound) => {
        const leader = bound.running && holdsNow(bound);
        return { job: bound.job, leader, holder: bound.holder, validUntilMs: holdsNow(bound) ? bound.validUntilMs : null, runAgeSeconds: leader ? (bound.control.runAgeSeconds?.() ?? null) : null };
      }),
    storeReachable: () => reachable,
  };
}
