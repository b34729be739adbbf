/**
 * The embedded SQLite engine of the Store interface (better-sqlite3, WAL, synchronous=NORMAL).
 * One durable commit per transaction; the ingestor batches many reports into one transaction.
 */
import Database from 'better-sqlite3';
import { HostDueTimes } from './hostDueTimes.js';
import { hostTouch, HostTouches, merged, REPAIR_HOST_PROGRESS, type HostTouch } from './hostTouches.js';
import { createReportShapes } from './reportShapes.js';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { canonicalLabels } from '../../../contract/labels.js';
import { parseRuleStateText, ruleStateText, type RuleState } from '../../../rules/index.js';
import { encodeReportChunk, encodeTexts } from '../sampleChunk.js';
import { createLatestSamples } from '../latestSamples.js';
import { createMetricSeriesCache } from '../metricSeriesCache.js';
import type { CompactionResult, RollupBucket, RollupResolution, SeriesPoint, SeriesRecord } from '../../domain/history.js';
import type { OutboxOperation, OutboxRow, OutboxState } from '../../domain/delivery.js';
import type { ApiTokenRecord, AuditEntry } from '../../domain/apiToken.js';
import type { ConsoleSessionRecord } from '../../domain/consoleSession.js';
import type { StatusNotice } from '../../domain/statusNotice.js';
import type { EnrolledAgent } from '../../domain/enrolledAgent.js';
import type { FlapTransition } from '../../domain/flapTransition.js';
import type { HostRecord } from '../../domain/host.js';
import type { LeaseRecord, LeaseRequest } from '../../domain/lease.js';
import type { IncidentEvent, IncidentRecord, IncidentStatus } from '../../domain/incident.js';
import type { ServiceIncidentLink, ServiceStateChange } from '../../domain/serviceIncident.js';
import type { IncidentPriorityRecord } from '../../domain/incidentPriority.js';
import type { MaintenanceRecord } from '../../domain/maintenanceWindow.js';
import type { SilenceRecord } from '../../domain/silence.js';
import type { TicketRecord } from '../../domain/ticket.js';
import type { IncidentFilter, OutboxFilter, OverduePage, ReportRecord, Store, StoreTransaction, StoredSample } from '../store.js';
import { MIGRATIONS } from './schema.js';
import { assertSchemaNotNewer } from './schemaVersion.js';
import type { CompactedBlock, HotBlock, SeriesColumns } from '../historyBlocks.js';
import { samplesOfBlocks, type SampleBlocks, type StoredSeries } from '../sampleBlocks.js';
import { createSqliteHistory, type SqliteHistory } from './sqliteHistory.js';
import { JOURNAL_SIZE_LIMIT_BYTES, LOG_BOUND_FRAMES, startWalCheckpointer, type WalCheckpointer } from './walCheckpointer.js';
import { createSqliteStatements, type SqliteStatements } from './sqliteStatements.js';
import {
  agentFromRow, apiTokenFromRow, hostFromRow, incidentParams, incidentPriorityParams, mapAudit, mapConsoleSession, mapIncident, mapIncidentEvent,
  mapIncidentPriority, mapLease, mapMaintenance, mapOutbox, mapSeries, mapServiceLink, mapServiceStateChange, mapSilence, mapStatusNotice, mapTicket, mergedShape,
  type Row, seriesIdsByHost, withIncidentDefaults, withText,
} from '../storeRows.js';

export interface SqliteStoreOptions {
  /** Path of the database file; ':memory:' for throwaway tests. */
  file: string;
  /** Open without writing (CLI reads while a collector runs). */
  readOnly?: boolean;
  /**
   * Checkpoint the write-ahead log on a thread of its own instead of in the commits (walCheckpointer.ts):
   * for the collector, whose event loop commits. A file opened for writing only; `onFailure` is told
   * if the thread fails, and the connection then checkpoints in its commits again.
   */
  checkpointThread?: CheckpointThreadOptions;
}

export interface CheckpointThreadOptions {
  onFailure(error: Error): void;
  /**
   * Start the thread once the store has stored reports of this many hosts since it opened (0: at
   * once): the thread costs 10-15 MB of resident memory, which a small fleet's steadier
   * acknowledgements do not need (`collector.checkpointThreadHosts`).
   */
  fromHosts?: number;
  /** The connection's own automatic checkpoint beside the thread, in pages (walCheckpointer.ts, LOG_BOUND_FRAMES). */
  logBoundFrames?: number;
}

/**
 * SQLite's page cache per connection, in KiB (`PRAGMA cache_size = -N`). better-sqlite3 builds SQLite
 * with 16,000 (SQLITE_DEFAULT_CACHE_SIZE), which a collector fills within its first minutes: its
 * database outgrows it at a few thousand agents, and the pages ingest writes at random (rule states,
 * series) miss a 16 MB cache as they miss a 4 MB one, while the upper levels of the b-trees, which
 * every statement walks, fit in either. Read back, a page comes from the kernel's page cache. So
 * the 12 MB more are RSS that buy nothing: at 10,000 agents, 1.1 kB an agent
 * (docs/performance-history.md, "Where the collector's memory goes", session 33).
 */
export const PAGE_CACHE_KIB = 4_000;

/** Opens (and migrates) the database at `options.file`. */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  if (options.file !== ':memory:' && !options.readOnly) mkdirSync(dirname(options.file), { recursive: true });
  const db = new Database(options.file, { readonly: options.readOnly ?? false, fileMustExist: options.readOnly ?? false });
  try {
    assertSchemaNotNewer(db, options.file);
  } catch (error) {
    db.close();
    throw error;
  }
  // First: a command opening the file for writing while the collector writes waits for its turn (the repair below
  // takes the write lock). better-sqlite3's own default is the same 5 s; set here so it does not hang on the driver's.
  db.pragma('busy_timeout = 5000');
  if (!options.readOnly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    // Touches held when the last process died (hostTouches.ts), from the reports it stored.
    db.exec(REPAIR_HOST_PROGRESS);
  }
  db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  const checkpointThread = options.checkpointThread && !options.readOnly && options.file !== ':memory:' ? { file: options.file, ...options.checkpointThread } : undefined;
  return new SqliteStore(db, createSqliteStatements(db), createSqliteHistory(db), options.readOnly ?? false, checkpointThread);
}

/** SQLite's default: a commit that takes the log past this many pages checkpoints it. */
const AUTOCHECKPOINT_PAGES = 1_000;

/** Hands the log's checkpoints to a thread (walCheckpointer.ts); `db` takes them back if the thread fails. */
function checkpointOnThread(db: Database.Database, { file, onFailure, logBoundFrames = LOG_BOUND_FRAMES }: CheckpointThreadOptions & { file: string }): WalCheckpointer {
  db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`);
  db.pragma(`wal_autocheckpoint = ${logBoundFrames}`);
  return startWalCheckpointer({
    file,
    onFailure: (error) => {
      if (db.open) db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
      onFailure(error);
    },
  });
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let step = current; step < MIGRATIONS.length; step++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[step]!);
      db.pragma(`user_version = ${step + 1}`);
    })();
  }
}


/**
 * Up to how many due hosts overdueHosts reads by id; beyond, it reads the rows in name order until
 * its page is full (bench/overdueHosts.ts: with 50,000 hosts, 3,333 due by id took twice as long).
 */
const MAX_DUE_LOOKUPS = 1_000;

/** Agent ids whose identity answers are kept (SqliteStore.claimed): a fleet's agents and more; past it they are read afresh. */
const MAX_CLAIMS_KEPT = 200_000;
/**
 * Held host touches written after each transaction once due (hostTouches.ts): a slice of 500 rows
 * took 2-10 ms on the 2-core machine, where the 3,300 touches of 10,000 agents' 5 s written in one
 * transaction held ingest 23-37 ms.
 */
const TOUCHES_PER_SLICE = 500;
/** How long host touches are written at once after another connection's commit is seen (hostTouches.ts). */
const SHARED_FILE_HOLD_OFF_MS = 60_000;
const NO_AGENTS: readonly EnrolledAgent[] = Object.freeze([]);

class SqliteStore implements Store {
  /** Per host, the series ids of its last reports by position, found by shape (see reportShapes.ts). */
  private readonly shapes = createReportShapes();
  private readonly hostIds = new Map<string, number>();
  private readonly tx: StoreTransaction;
  /**
   * A writable store is the only one writing reports to its file (one collector), so it keeps the
   * newest sample of the series read so far and the fleet's series of recently read metrics in
   * memory (latestSamples.ts, metricSeriesCache.ts); a read-only one reads the file every time.
   */
  private readonly latest = createLatestSamples();
  private readonly seriesOfMetric = createMetricSeriesCache();
  /** The host name each host id last had, as far as this store saw (a rename drops seriesOfMetric). */
  private readonly hostnames = new Map<number, string>();
  /**
   * When each host's next report is due (last report + interval), by host id, as this connection
   * wrote or read it (hostDueTimes.ts): overdueHosts reads only the rows of the hosts due by then
   * instead of walking every host row (bench/overdueHosts.ts, 50,000 healthy hosts: 20-115 ms of the
   * event loop every pass of the missed-report watcher on the loaded VM, now under a millisecond).
   * Never later than the file's: each report moves its host's entry with the statement that moves
   * the row, and all are dropped (read again at the next pass) after a rolled-back transaction or
   * savepoint, another connection's commit, or a host recommissioned or retired. Decommissioned hosts
   * are left out when they are read; one that reports anyway is filtered by the query.
   */
  private dueAtMs: HostDueTimes | undefined;
  /** What reports write to their hosts' rows, held and written a few seconds at a time (hostTouches.ts). */
  private readonly touches = new HostTouches();
  /** Until when (performance.now()) touches are written at once: another connection was seen committing to the file. */
  private touchesSharedUntil = -Infinity;
  /** The file's data_version when held touches last looked for another connection's commits (lookForOthersCommits). */
  private touchesDataVersion: number | undefined;
  /** Checkpoints the log beside the event loop, once started (SqliteStoreOptions.checkpointThread). */
  private checkpointer: WalCheckpointer | undefined;
  /** How many transactions are open (nested ones are savepoints). */
  private depth = 0;
  /**
   * The file's `PRAGMA data_version` when the kept values were last known complete: it changes
   * only when another connection commits (another collector sharing the file, on this host), and
   * then what is kept is dropped and read again from the file.
   */
  private seenDataVersion: number | undefined;
  /**
   * The identity check's answers (agentsClaimed, one per report sent with a shared token) by agent
   * id, with the host name each was read for, kept while nothing can have changed them: dropped when
   * this connection writes the agents table (enrol, revoke, retire) and when the file's
   * `PRAGMA data_version` moves (another connection committed: a second collector on the file, or
   * the CLI's `tripline agents revoke`), which is read at the first call in each turn of the event
   * loop: the reports whose requests were read in one turn are answered as of its start, as if
   * they had all arrived just before another connection's commit in it. Read at every call, the
   * pragma was 2-2.5 % of the collector's busy time at saturation (bench/ingest.ts, a profile).
   */
  private readonly claimed = new Map<string, { hostname: string; agents: readonly EnrolledAgent[] }>();
  private claimedDataVersion: number | undefined;
  /** Whether `PRAGMA data_version` was read for agentsClaimed in this turn of the event loop. */
  private claimedVersionRead = false;
  private readonly nextTurnReadsVersion = (): void => {
    this.claimedVersionRead = false;
  };
  /**
   * Runs `fn` in a transaction, or in a savepoint when one is open (better-sqlite3 decides at each
   * call). Made once: db.transaction() builds four wrapper functions and defines their properties
   * each time it is called, which per report's savepoint and per batch was 2-3 % of ingest's CPU.
   */
  private readonly atomically: <T>(fn: () => T) => T;

  constructor(
    private readonly db: Database.Database,
    private readonly sql: SqliteStatements,
    private readonly history: SqliteHistory,
    private readonly readOnly: boolean,
    /** The checkpoint thread the store was opened with, until it is started (then undefined). */
    private checkpointThread?: CheckpointThreadOptions & { file: string },
  ) {
    this.atomically = db.transaction((fn: () => unknown) => fn()) as <T>(fn: () => T) => T;
    this.tx = this.createTransactionApi();
    if (!readOnly) this.touchesDataVersion = sql.dataVersion.get() as number;
    if (checkpointThread !== undefined && (checkpointThread.fromHosts ?? 0) <= 0) this.startCheckpointThread();
  }

  transaction<T>(fn: (tx: StoreTransaction) => T): T {
    const mark = this.latest.mark();
    const touchMark = this.touches.mark();
    this.depth++;
    let result: T;
    try {
      result = this.atomically(() => fn(this.tx));
    } catch (error) {
      this.latest.undoTo(mark);
      this.touches.undoTo(touchMark);
      this.forgetMintedIds();
      throw error;
    } finally {
      if (--this.depth === 0) {
        this.latest.commit();
        this.touches.commit();
      }
    }
    if (this.depth === 0) {
      this.writeHostTouchesIfDue();
      if (this.checkpointThread !== undefined && this.hostIds.size >= (this.checkpointThread.fromHosts ?? 0)) this.startCheckpointThread();
    }
    return result;
  }

  /** Hands the log's checkpoints to their thread (walCheckpointer.ts): once, between transactions. */
  private startCheckpointThread(): void {
    const options = this.checkpointThread!;
    this.checkpointThread = undefined;
    this.checkpointer = checkpointOnThread(this.db, options);
  }

  /**
   * After each outermost transaction: the next slice of a drain under way, or the start of one when
   * the held touches are due; all of them at once when another connection shares the file.
   */
  private writeHostTouchesIfDue(): void {
    if (this.touches.size === 0) return;
    this.lookForOthersCommits();
    if (this.othersCommitToFile()) this.writeTouches(this.touches.takeAll());
    else if (this.touches.drainingNow || this.touches.due()) this.writeTouches(this.touches.drain(TOUCHES_PER_SLICE));
  }

  /**
   * Before a read of host rows by SQL: what reports wrote to the rows of `hostIds` (all hosts when
   * undefined) and is held goes to the file first. Inside a transaction it is written and still held
   * (the transaction may roll back; writing the same touch twice leaves the same row), outside it
   * is written and forgotten.
   */
  private flushHostTouches(hostIds?: Iterable<number>): void {
    if (this.touches.size === 0) return;
    if (this.depth > 0) {
      const wanted = hostIds === undefined ? undefined : new Set(hostIds);
      for (const touch of this.touches.pending()) if (wanted === undefined || wanted.has(touch.hostId)) this.writeTouch(touch);
      return;
    }
    this.writeTouches(hostIds === undefined ? this.touches.takeAll() : this.touches.takeHosts(hostIds));
  }

  /** Host rows as read, with what is held for them (the same columns a write of the touches would set). */
  private withHeldTouches(hosts: HostRecord[]): HostRecord[] {
    if (this.touches.size === 0) return hosts;
    return hosts.map((host) => {
      const touch = this.touches.newestOf(host.hostId);
      if (touch === undefined || touch.hostname !== host.hostname || touch.agentId !== host.agentId) return host;
      return {
        ...host,
        labels: JSON.parse(touch.labels) as Record<string, string>,
        version: touch.version,
        intervalSeconds: touch.intervalSeconds,
        lastSequence: Math.max(host.lastSequence, touch.sequence),
        lastReportAtMs: touch.atMs,
        addresses: touch.addresses === null ? host.addresses : (JSON.parse(touch.addresses) as string[]),
        defaultGateway: touch.defaultGateway ?? host.defaultGateway,
      };
    });
  }

  /** Touches in one transaction, by host id as given: the table's pages are each written once. */
  private writeTouches(taken: readonly HostTouch[]): void {
    if (taken.length === 0) return;
    try {
      this.atomically(() => {
        for (const touch of taken) this.writeTouch(touch);
      });
    } catch {
      // Not written (the file busy or full): held again, to be written with the next ones. A report's
      // own transaction has committed by now, and a read goes on with rows a few seconds old.
      this.touches.restore(taken);
    }
  }

  /** A held touch: only to a row that still has its name (a rename is written at once and is newer). */
  private writeTouch(touch: HostTouch): void {
    this.sql.touchSameHost.run(touch);
  }

  /** Whether another connection was seen committing to the file in the last SHARED_FILE_HOLD_OFF_MS. */
  private othersCommitToFile(): boolean {
    return performance.now() < this.touchesSharedUntil;
  }

  /**
   * After each transaction that leaves touches held: has another connection committed to the file
   * since the last look (a second collector sharing it, a `tripline` command that writes)? Then the
   * held touches are written now and the next ones at once for a while, so that what the other reads
   * of the hosts is as fresh as before (one pragma a transaction: a few microseconds).
   */
  private lookForOthersCommits(): void {
    const version = this.sql.dataVersion.get() as number;
    if (version !== this.touchesDataVersion) this.touchesSharedUntil = performance.now() + SHARED_FILE_HOLD_OFF_MS;
    this.touchesDataVersion = version;
  }

  /** Ids minted inside a rolled-back transaction or savepoint no longer exist. */
  private forgetMintedIds(): void {
    this.shapes.clear();
    this.hostIds.clear();
    this.history.forgetCaches();
    this.seriesOfMetric.clear();
    this.hostnames.clear();
    this.dueAtMs = undefined;
    this.claimed.clear();
  }

  private createTransactionApi(): StoreTransaction {
    const sql = this.sql;
    return {
      savepoint: (fn) => {
        const mark = this.latest.mark();
        const touchMark = this.touches.mark();
        try {
          // better-sqlite3 runs a transaction function called inside another as a SAVEPOINT.
          return this.atomically(fn);
        } catch (error) {
          this.latest.undoTo(mark);
          this.touches.undoTo(touchMark);
          this.forgetMintedIds();
          throw error;
        }
      },
      insertReport: (report) => this.insertReport(report),
      saveRuleStates: (states, writtenBy, atMs) => {
        for (const state of states) {
          const text = ruleStateText(state);
          const host = state.labels.host ?? null;
          if (sql.updateRuleState.run(text, writtenBy ?? null, atMs ?? null, state.fingerprint, state.ruleName, host).changes === 0) {
            sql.upsertRuleState.run(state.fingerprint, state.ruleName, text, host, writtenBy ?? null, atMs ?? null);
          }
        }
      },
      claimHostRuleStates: (hostnames, reader, atMs) => {
        const rows = (sql.hostRuleStates.all({ hosts: JSON.stringify(hostnames), reader }) as Array<{ fingerprint: string; state: string | null }>).map(stateRow);
        sql.claimHostRuleStates.run({ hosts: JSON.stringify(hostnames), reader, atMs });
        return rows;
      },
      ruleStatesSince: (ruleNames, reader, since) => ({
        states: (sql.rulesRuleStates.all({ names: JSON.stringify(ruleNames), reader, all: since === undefined ? 1 : 0 }) as Array<{ fingerprint: string; state: string | null }>).map(stateRow),
        mark: '0',
      }),
      deleteRuleStates: (fingerprints) => {
        for (const fingerprint of fingerprints) sql.deleteRuleState.run(fingerprint);
      },
      writeOwnRuleStates: (save, remove, writer, { atMs, adoptBeforeMs }) => {
        const done = (fingerprint: string, wrote: boolean) => {
          if (wrote) return undefined;
          const adopted = sql.adoptRuleState.get({ fingerprint, writer, atMs, adoptBeforeMs }) as { state: string } | undefined;
          const row = adopted ?? (sql.ruleState.get(fingerprint) as { state: string } | undefined);
          return stateRow({ fingerprint, state: row?.state ?? null });
        };
        return [
          ...save.map((state) => done(state.fingerprint, sql.saveOwnRuleState.run(state.ruleName, ruleStateText(state), atMs, state.fingerprint, writer).changes === 1)),
          ...remove.map((fingerprint) => done(fingerprint, sql.deleteOwnRuleState.run(fingerprint, writer).changes === 1)),
        ].filter((row) => row !== undefined);
      },
      deleteStaleRuleStates: (states) =>
        states.filter((state) => sql.deleteStaleRuleState.run(state.fingerprint, state.lastSampleAtMs).changes === 0 && sql.ruleState.get(state.fingerprint) !== undefined).map((state) => state.fingerprint),
      findActiveIncident: (fingerprint) => mapIncident(sql.activeIncidentByFingerprint.get(fingerprint) as Row | undefined),
      insertIncident: (draft) => {
        const incident = withIncidentDefaults(draft);
        const info = sql.insertIncident.run(incidentParams(incident));
        return { ...incident, id: Number(info.lastInsertRowid) };
      },
      updateIncident: (id, change) => {
        const current = this.getIncident(id);
        if (!current) throw new Error(`incident ${id} does not exist`);
        const { id: _id, ...next } = { ...current, ...change };
        sql.updateIncident.run({ ...incidentParams(next), id });
      },
      getIncident: (id) => this.getIncident(id),
      saveIncidentPriority: (record) => {
        sql.upsertIncidentPriority.run(incidentPriorityParams(record));
      },
      activeIncidents: () => (sql.allActiveIncidents.all() as Row[]).map((r) => mapIncident(r)!),
      rearmDueIncidents: (nowMs) => (sql.rearmDueIncidents.all(nowMs) as Row[]).map((r) => mapIncident(r)!),
      findLatestIncident: (fingerprint) => mapIncident(sql.latestIncidentByFingerprint.get(fingerprint) as Row | undefined),
      loadFlapHistory: (fingerprint) => {
        const row = sql.flapHistory.get(fingerprint) as { transitions: string } | undefined;
        return row ? (JSON.parse(row.transitions) as FlapTransition[]) : [];
      },
      saveFlapHistory: (fingerprint, transitions) => {
        sql.upsertFlapHistory.run(fingerprint, JSON.stringify(transitions));
      },
      insertSilence: (silence) => {
        const info = sql.insertSilence.run({ ...silence, matchers: JSON.stringify(silence.matchers) });
        return { ...silence, id: Number(info.lastInsertRowid) };
      },
      expireSilence: (id, atMs) => sql.expireSilence.run({ id, atMs }).changes === 1,
      insertMaintenance: (window) => {
        const info = sql.insertMaintenance.run(window);
        return { ...window, id: Number(info.lastInsertRowid) };
      },
      deleteMaintenance: (id) => sql.deleteMaintenance.run(id).changes === 1,
      addIncidentEvent: (event) => {
        sql.insertIncidentEvent.run({ ...event, data: JSON.stringify(event.data) });
      },
      enqueueOutbox: (row) => {
        sql.hurryHeldUpdates.run({ incidentId: row.incidentId, desk: row.desk, nowMs: row.createdAtMs });
        if (row.operation === 'update' && sql.pendingUntriedUpdate.get(row.incidentId, row.desk, row.incidentId, row.desk)) return;
        sql.insertOutbox.run({ ...row, note: row.note ?? null, linkIncidentId: row.linkIncidentId ?? null, nextAttemptAtMs: row.createdAtMs });
      },
      linkServiceIncident: (link) => sql.insertServiceLink.run(link).changes === 1,
      recordServiceState: (change) => {
        sql.insertServiceStateChange.run(change);
      },
      claimOutbox: (claim) => (sql.claimOutbox.all(claim) as Row[]).map(mapOutbox).sort((a, b) => a.id - b.id),
      leaseOutbox: (id, attempts, untilMs, holder) => sql.leaseOutbox.run({ id, attempts, untilMs, holder: holder ?? null }).changes === 1,
      releaseOutboxClaim: (id, holder, nowMs) => {
        sql.releaseOutboxClaim.run({ id, holder, nowMs });
      },
      releaseOutboxLeases: (nowMs) => sql.releaseOutboxLeases.run({ nowMs }).changes,
      markOutboxSuperseded: (id, atMs) => {
        sql.markOutboxSuperseded.run({ id, atMs });
      },
      reviveOutbox: (id, nowMs) => {
        const row = this.getOutbox(id);
        if (!row || row.state !== 'dead') return [];
        return (sql.reviveOutbox.all({ id, nowMs, incidentId: row.incidentId, desk: row.desk }) as Array<{ id: number }>).map((r) => Number(r.id));
      },
      markTicketChecked: (incidentId, desk, deskStatus, atMs) => {
        sql.markTicketChecked.run({ incidentId, desk, deskStatus, atMs });
      },
      deleteTicket: (incidentId, desk) => {
        sql.deleteTicket.run(incidentId, desk);
      },
      desksForIncident: (incidentId) => this.desksForIncident(incidentId),
      markOutboxAttempt: (id, attempts, nextAttemptAtMs, lastError) => {
        sql.markOutboxAttempt.run({ id, attempts, nextAttemptAtMs, lastError });
      },
      markOutboxDelivered: (id, atMs) => {
        sql.markOutboxDelivered.run({ id, atMs });
      },
      markOutboxDead: (id, lastError) => {
        sql.markOutboxDead.run({ id, lastError });
      },
      saveTicket: (ticket) => {
        sql.upsertTicket.run(ticket);
      },
      retireHost: (hostname, atMs, enrolment) => {
        this.claimed.clear();
        const hosts = sql.decommissionHost.run(atMs, hostname).changes;
        // A retired host is never due again: read the due times afresh rather than look its row up at every pass.
        if (hosts > 0) this.dueAtMs = undefined;
        const agents = enrolment === 'revoke' ? sql.revokeAgentsOfHost.run(atMs, hostname).changes : sql.deleteAgentsOfHost.run(hostname).changes;
        return { hosts, agents };
      },
    };
  }

  private insertReport(report: ReportRecord): boolean {
    const hostId = this.upsertHost(report);
    if (this.history.wasCompacted(hostId, report.sequence) || this.sql.hotReportStored.get(hostId, report.sequence) !== undefined) return false;
    // The chunk's base time is its earliest observation, so range queries find spooled reports by when they were observed.
    // Its latest sample time bounds how far past the base a range read must look (see sqliteHistory.ts).
    const baseAtMs = report.samples.reduce((min, s) => Math.min(min, s.atMs), report.receivedAtMs);
    const lastAtMs = report.samples.reduce((max, s) => Math.max(max, s.atMs), baseAtMs);
    const ids = this.seriesIdsOf(hostId, report);
    const encoded = encodeReportChunk(baseAtMs, report.samples, ids);
    this.sql.insertChunk.run(hostId, report.sequence, baseAtMs, lastAtMs, report.receivedAtMs, encoded, JSON.stringify(report.checks), encodeTexts(report.samples));
    report.samples.forEach((s, i) => this.latest.offer(ids[i]!, s.atMs, s.value, s.text));
    return true;
  }

  private upsertHost(report: ReportRecord): number {
    const row = {
      agentId: report.agentId,
      hostname: report.hostname,
      labels: JSON.stringify(report.labels),
      version: report.version,
      intervalSeconds: report.intervalSeconds,
      sequence: report.sequence,
      atMs: report.receivedAtMs,
      addresses: report.addresses === undefined ? null : JSON.stringify(report.addresses),
      defaultGateway: report.defaultGateway ?? null,
      inventory: report.inventory === undefined ? null : JSON.stringify(report.inventory),
    };
    const cached = this.hostIds.get(report.agentId);
    if (cached !== undefined) {
      const touch = hostTouch(cached, row);
      // Held (hostTouches.ts) unless the report changes what the host is, or another connection reads the file as it is written.
      if (this.hostnames.get(cached) !== report.hostname || row.inventory !== null || this.othersCommitToFile()) this.writeTouchNow(touch);
      else this.touches.stage(touch);
      this.noteHostname(cached, report.hostname);
      this.dueAtMs?.set(cached, row.atMs + row.intervalSeconds * 1000);
      return cached;
    }
    const hostId = (this.sql.upsertHost.get(row) as { host_id: number }).host_id;
    // A touch of the host still held (a rolled-back transaction forgot the host's id) is older: this one supersedes it.
    if (this.touches.ofHost(hostId).length > 0) this.touches.stage(hostTouch(hostId, row));
    this.hostIds.set(report.agentId, hostId);
    this.noteHostname(hostId, report.hostname);
    this.dueAtMs?.set(hostId, row.atMs + row.intervalSeconds * 1000);
    return hostId;
  }

  /**
   * A touch written now, with what its host's held touches would have written (a higher sequence,
   * addresses). Staged as well when the host has any, so that it supersedes them when they are written.
   */
  private writeTouchNow(touch: HostTouch): void {
    const earlier = this.touches.ofHost(touch.hostId);
    for (const before of earlier.reverse()) merged(touch, before);
    if (this.sql.touchSameHost.run(touch).changes === 0) this.sql.touchHost.run(touch);
    if (earlier.length > 0) this.touches.stage(touch);
  }

  /** A host renamed: the kept series records carry its old name. */
  private noteHostname(hostId: number, hostname: string): void {
    const known = this.hostnames.get(hostId);
    if (known === hostname) return;
    if (known !== undefined) this.seriesOfMetric.clear();
    this.hostnames.set(hostId, hostname);
  }

  private seriesIdsOf(hostId: number, report: ReportRecord): ArrayLike<number> {
    const { samples } = report;
    const shape = report.shape ?? mergedShape(samples);
    const known = this.shapes.idsOf(hostId, shape);
    if (known !== undefined && known.length === samples.length) return known;
    const ids = samples.map((s) => this.seriesId(hostId, s.metric, s.labels));
    this.shapes.remember(hostId, shape, ids);
    return ids;
  }

  private seriesId(hostId: number, metric: string, labels: Record<string, string>): number {
    const labelsJson = canonicalLabels(labels);
    const existing = this.sql.findSeries.get(hostId, metric, labelsJson) as { series_id: number } | undefined;
    if (existing !== undefined) return existing.series_id;
    this.seriesOfMetric.forget(metric);
    return Number(this.sql.insertSeries.run(hostId, metric, labelsJson).lastInsertRowid);
  }

  pruneBefore(cutoffMs: number, limit = 10_000): number {
    const removed = this.history.pruneRaw(cutoffMs, limit);
    this.latest.forgetBefore(cutoffMs);
    return removed;
  }

  pruneRollupsBefore(cutoffMs: number, limit = 10_000): number {
    return this.history.pruneRollups(cutoffMs, limit);
  }

  checkpointLog(): void {
    // The checkpoint thread copies the pages within CHECKPOINT_EVERY_MS, beside the event loop.
    if (this.readOnly || this.checkpointer?.running()) return;
    // PASSIVE: copies what no reader still needs and returns, never waiting for a lock.
    this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  compactHistory(beforeMs: number): CompactionResult | undefined {
    return this.history.compactOldest(beforeMs);
  }

  readHotBlock(beforeMs: number): HotBlock | undefined {
    return this.history.readHotBlock(beforeMs);
  }

  writeCompactedBlock(hot: HotBlock, block: CompactedBlock): CompactionResult | undefined {
    return this.history.writeCompactedBlock(hot, block);
  }

  sweepCompacted(stepRows: number): number | undefined {
    return this.history.sweepCovered(stepRows);
  }

  findSeries(query: { hostId?: number; hostname?: string; metric: string }): SeriesRecord[] {
    if (query.hostId === undefined && query.hostname === undefined && !this.readOnly) return this.fleetSeries(query.metric);
    const rows =
      query.hostId !== undefined
        ? this.sql.seriesOfHostId.all(query.hostId, query.metric)
        : query.hostname !== undefined
          ? this.sql.seriesOfHostnameMetric.all(query.hostname, query.metric)
          : this.sql.seriesOfMetric.all(query.metric);
    return (rows as Row[]).map(mapSeries);
  }

  /** Drops what is kept in memory when another connection has committed to the file since the last look; says whether one had. */
  private forgetOthersWrites(): boolean {
    const version = this.sql.dataVersion.get() as number;
    const changed = this.seenDataVersion !== undefined && version !== this.seenDataVersion;
    if (changed) {
      this.latest.clear();
      this.seriesOfMetric.clear();
      this.hostnames.clear();
      this.dueAtMs = undefined;
    }
    this.seenDataVersion = version;
    return changed;
  }

  /** Every host's series of a metric, kept in memory between reads (metricSeriesCache.ts). */
  private fleetSeries(metric: string): SeriesRecord[] {
    if (this.depth === 0) this.forgetOthersWrites();
    const kept = this.seriesOfMetric.get(metric);
    if (kept !== undefined) return [...kept];
    const rows = (this.sql.seriesOfMetric.all(metric) as Row[]).map(mapSeries);
    // A series made inside an open transaction may yet roll back: kept only when none is open.
    if (this.depth > 0) return rows;
    for (const r of rows) this.hostnames.set(r.hostId, r.hostname);
    return [...this.seriesOfMetric.set(metric, rows)];
  }

  seriesPoints(series: Pick<SeriesRecord, 'seriesId' | 'hostId'>, fromMs: number, toMs: number, options: { hotOnly?: boolean } = {}): SeriesPoint[] {
    return this.history.seriesPoints(series.seriesId, series.hostId, fromMs, toMs, options.hotOnly ?? false);
  }

  seriesColumns(series: Pick<SeriesRecord, 'seriesId' | 'hostId'>, fromMs: number, toMs: number, options: { hotOnly?: boolean } = {}): SeriesColumns {
    return this.history.seriesColumns(series.seriesId, series.hostId, fromMs, toMs, options.hotOnly ?? false);
  }

  visitHostPoints(hostId: number, seriesIds: ReadonlySet<number>, fromMs: number, toMs: number, visit: (seriesId: number, atMs: number, value: number) => void, options: { hotOnly?: boolean } = {}): void {
    this.history.visitHostPoints(hostId, seriesIds, fromMs, toMs, visit, options.hotOnly ?? false);
  }

  rollupSteps(seriesIds: readonly number[], resolution: RollupResolution, fromMs: number, toMs: number, stepMs: number): Map<number, RollupBucket[]> {
    return seriesIds.length === 0 ? new Map() : this.history.rollupSteps(seriesIds, resolution, fromMs, toMs, stepMs);
  }

  visitStepSamples(series: ReadonlyArray<Pick<SeriesRecord, 'seriesId' | 'hostId'>>, fromMs: number, toMs: number, stepMs: number, visit: (seriesId: number, atMs: number, value: number) => void): void {
    this.history.visitStepSamples(seriesIdsByHost(series), fromMs, toMs, stepMs, visit);
  }

  seriesOfHost(hostname: string): SeriesRecord[] {
    return (this.sql.seriesOfHostnameAll.all(hostname) as Row[]).map(mapSeries);
  }

  rollups(seriesId: number, resolution: RollupResolution, fromMs: number, toMs: number): RollupBucket[] {
    return this.history.rollups(seriesId, resolution, fromMs, toMs);
  }

  latestPoints(series: ReadonlyArray<Pick<SeriesRecord, 'seriesId' | 'hostId'>>): Map<number, SeriesPoint> {
    // Inside a transaction the file holds writes that may yet roll back: nothing is tracked from them.
    // The file's read of a host's last report follows its row's last sequence: held touches go first.
    if (this.readOnly || this.depth > 0) {
      const byHost = seriesIdsByHost(series);
      this.flushHostTouches(byHost.keys());
      return this.history.latest(byHost);
    }
    this.forgetOthersWrites();
    const found = new Map<number, SeriesPoint>();
    const untracked: Array<Pick<SeriesRecord, 'seriesId' | 'hostId'>> = [];
    for (const s of series) {
      const point = this.latest.get(s.seriesId);
      if (point === undefined) untracked.push(s);
      else if (point !== null) found.set(s.seriesId, point);
    }
    if (untracked.length === 0) return found;
    const byHost = seriesIdsByHost(untracked);
    this.flushHostTouches(byHost.keys());
    const stored = this.history.latest(byHost);
    for (const { seriesId } of untracked) {
      const point = stored.get(seriesId);
      this.latest.track(seriesId, point);
      if (point !== undefined) found.set(seriesId, point);
    }
    return found;
  }

  tryAcquireLease(request: LeaseRequest): boolean {
    const { name, holder, ttlMs, nowMs } = request;
    return this.sql.acquireLease.run({ name, holder, nowMs, expiresAtMs: nowMs + ttlMs, takeOverFrom: request.takeOverFrom ?? null }).changes === 1;
  }

  releaseLease(name: string, holder: string): boolean {
    return this.sql.releaseLease.run(name, holder).changes === 1;
  }

  listLeases(): LeaseRecord[] {
    return (this.sql.listLeases.all() as Row[]).map(mapLease);
  }

  close(): void {
    if (!this.db.open) return;
    this.flushHostTouches();
    // The thread's connection first: this one is then the file's last, whose close copies what is left and removes the log.
    this.checkpointer?.stop();
    this.db.close();
  }

  enrollAgent(agent: { agentId: string; hostname: string; credentialSha256: string; atMs: number }): boolean {
    this.claimed.clear();
    return this.db.transaction(() => {
      if (this.sql.insertAgent.run(agent.agentId, agent.hostname, agent.credentialSha256, agent.atMs).changes !== 1) return false;
      // An agent id that enrols again (after a reset) is expected to report again.
      if (this.sql.recommissionAgentHost.run(agent.agentId).changes > 0) this.dueAtMs = undefined;
      return true;
    })();
  }

  revokeAgent(agentId: string, atMs: number): boolean {
    this.claimed.clear();
    return this.sql.revokeAgent.run(atMs, agentId).changes === 1;
  }

  listAgents(): EnrolledAgent[] {
    return (this.sql.listAgents.all() as Row[]).map(agentFromRow);
  }

  findAgentByCredential(credentialSha256: string): EnrolledAgent | undefined {
    const row = this.sql.agentByCredential.get(credentialSha256) as Row | undefined;
    return row === undefined ? undefined : agentFromRow(row);
  }

  insertApiToken(token: Omit<ApiTokenRecord, 'revokedAtMs'> & { tokenSha256: string }): boolean {
    return this.sql.insertApiToken.run(token).changes === 1;
  }

  revokeApiToken(name: string, atMs: number): boolean {
    return this.db.transaction(() => {
      if (this.sql.revokeApiToken.run(atMs, name).changes !== 1) return false;
      // Console sessions signed in with the token end with it (named tokens' names hold no ':', so
      // no configured token's session shares the name).
      this.sql.deleteConsoleSessionsOfToken.run(name);
      return true;
    })();
  }

  listApiTokens(): ApiTokenRecord[] {
    return (this.sql.listApiTokens.all() as Row[]).map(apiTokenFromRow);
  }

  findApiTokenByDigest(tokenSha256: string): ApiTokenRecord | undefined {
    const row = this.sql.apiTokenByDigest.get(tokenSha256) as Row | undefined;
    return row === undefined ? undefined : apiTokenFromRow(row);
  }

  insertConsoleSession(session: ConsoleSessionRecord, keep: number): void {
    this.db.transaction(() => {
      this.sql.insertConsoleSession.run(session);
      this.sql.deleteExpiredConsoleSessions.run(session.createdAtMs);
      this.sql.trimConsoleSessions.run(keep);
    })();
  }

  deleteConsoleSession(idSha256: string): boolean {
    return this.sql.deleteConsoleSession.run(idSha256).changes === 1;
  }

  findConsoleSession(idSha256: string): ConsoleSessionRecord | undefined {
    const r = this.sql.consoleSessionByDigest.get(idSha256) as Row | undefined;
    return r === undefined ? undefined : mapConsoleSession(r);
  }

  setStatusNotice(notice: StatusNotice | null): void {
    if (notice === null) this.sql.clearStatusNotice.run();
    else this.sql.setStatusNotice.run(notice);
  }

  statusNotice(): StatusNotice | undefined {
    const r = this.sql.statusNotice.get() as Row | undefined;
    return r === undefined ? undefined : mapStatusNotice(r);
  }

  appendAudit(entry: Omit<AuditEntry, 'id'>): void {
    this.sql.insertAudit.run(entry);
  }

  listAudit(limit: number): AuditEntry[] {
    return (this.sql.listAudit.all(limit) as Row[]).map(mapAudit);
  }

  findAgent(agentId: string): EnrolledAgent | undefined {
    const row = this.sql.agentById.get(agentId) as Row | undefined;
    return row === undefined ? undefined : agentFromRow(row);
  }

  activeAgentsOnHost(hostname: string): EnrolledAgent[] {
    return (this.sql.activeAgentsByHostname.all(hostname) as Row[]).map(agentFromRow);
  }

  agentsClaimed(agentId: string, hostname: string): readonly EnrolledAgent[] {
    // Inside a transaction the rows may yet roll back: read, not kept.
    if (this.depth > 0) return this.readAgentsClaimed(agentId, hostname);
    if (!this.claimedVersionRead) {
      const version = this.sql.dataVersion.get() as number;
      if (version !== this.claimedDataVersion) {
        this.claimed.clear();
        this.claimedDataVersion = version;
      }
      this.claimedVersionRead = true;
      setImmediate(this.nextTurnReadsVersion).unref();
    }
    const kept = this.claimed.get(agentId);
    if (kept !== undefined && kept.hostname === hostname) return kept.agents;
    const read = this.readAgentsClaimed(agentId, hostname);
    // Most answers are empty (no enrolled agent of the id or host): one shared empty list for them.
    const agents = read.length === 0 ? NO_AGENTS : Object.freeze(read.map((agent) => Object.freeze(agent)));
    if (this.claimed.size >= MAX_CLAIMS_KEPT) this.claimed.clear();
    this.claimed.set(agentId, { hostname, agents });
    return agents;
  }

  private readAgentsClaimed(agentId: string, hostname: string): EnrolledAgent[] {
    return (this.sql.agentsClaimed.all(agentId, hostname) as Row[]).map(agentFromRow);
  }

  listHosts(options: { inventory?: boolean } = {}): HostRecord[] {
    return this.withHeldTouches(((options.inventory ?? true ? this.sql.listHosts : this.sql.listHostsWithoutInventory).all() as Row[]).map(hostFromRow));
  }

  overdueHosts(atMs: number, page?: OverduePage): HostRecord[] {
    // The statements filter on the rows' last report times: what is held for the rows read goes first.
    const params = { atMs, afterHostname: page?.after?.hostname ?? null, afterAgentId: page?.after?.agentId ?? null, limit: page?.limit ?? -1 };
    // A read-only store does not see the reports another process writes, nor does one sharing its
    // file with a connection that has just committed: they read every row (reading every host's due
    // time again costs 2-4 times that pass: 0.2-0.6 s with 50,000 hosts on the loaded VM).
    if (this.readOnly || (this.depth === 0 && this.forgetOthersWrites())) {
      this.flushHostTouches();
      return (this.sql.overdueHosts.all(params) as Row[]).map(hostFromRow);
    }
    if (this.dueAtMs === undefined) {
      this.flushHostTouches();
      this.dueAtMs = new HostDueTimes();
      for (const [hostId, dueAtMs] of this.sql.hostsDueAt.raw().iterate() as Iterable<[number, number]>) this.dueAtMs.set(hostId, dueAtMs);
    }
    // Many due (a fleet gone silent): reading rows by name until the page is full costs less than each due one's row.
    const due = this.dueAtMs.kept ? this.dueAtMs.dueBy(atMs, MAX_DUE_LOOKUPS) : undefined;
    if (due === undefined) {
      this.flushHostTouches();
      return (this.sql.overdueHosts.all(params) as Row[]).map(hostFromRow);
    }
    if (due.length === 0) return [];
    this.flushHostTouches(due);
    return (this.sql.overdueHostsAmong.all({ ...params, hostIds: JSON.stringify(due) }) as Row[]).map(hostFromRow);
  }

  findHost(hostname: string): HostRecord | undefined {
    const row = this.sql.hostByName.get(hostname) as Row | undefined;
    return row === undefined ? undefined : this.withHeldTouches([hostFromRow(row)])[0];
  }

  loadRuleStates(): Map<string, RuleState> {
    const states = new Map<string, RuleState>();
    for (const row of this.sql.listRuleStates.all() as Array<{ fingerprint: string; state: string }>) {
      states.set(row.fingerprint, parseRuleStateText(row.state));
    }
    return states;
  }

  getIncident(id: number): IncidentRecord | undefined {
    return mapIncident(this.sql.incidentById.get(id) as Row | undefined);
  }

  listIncidents(filter: IncidentFilter = {}): IncidentRecord[] {
    const limit = filter.limit ?? 1000;
    if (filter.host !== undefined || filter.severity !== undefined || filter.ruleName !== undefined || filter.beforeId !== undefined) {
      const { status = null, host = null, severity = null, ruleName = null, beforeId = null } = filter;
      return (this.sql.filterIncidents.all({ status, host, severity, ruleName, beforeId, limit }) as Row[]).map((r) => mapIncident(r)!);
    }
    const rows =
      filter.status === undefined
        ? this.sql.listIncidents.all(limit)
        : filter.status === 'active'
          ? this.sql.listActiveIncidents.all(limit)
          : this.sql.listIncidentsByStatus.all(filter.status, limit);
    return (rows as Row[]).map((r) => mapIncident(r)!);
  }

  incidentPriority(incidentId: number): IncidentPriorityRecord | undefined {
    const r = this.sql.incidentPriority.get(incidentId) as Row | undefined;
    return r === undefined ? undefined : mapIncidentPriority(r);
  }

  incidentEvents(incidentId: number): IncidentEvent[] {
    return (this.sql.incidentEvents.all(incidentId) as Row[]).map(mapIncidentEvent);
  }

  dueOutbox(nowMs: number, limit: number): OutboxRow[] {
    return (this.sql.dueOutbox.all(nowMs, limit) as Row[]).map(mapOutbox);
  }

  outboxForIncident(incidentId: number): OutboxRow[] {
    return (this.sql.outboxForIncident.all(incidentId) as Row[]).map(mapOutbox);
  }

  getOutbox(id: number): OutboxRow | undefined {
    const row = this.sql.outboxById.get(id) as Row | undefined;
    return row ? mapOutbox(row) : undefined;
  }

  listOutbox(filter: OutboxFilter = {}): OutboxRow[] {
    return (this.sql.listOutbox.all({ state: filter.state ?? null, desk: filter.desk ?? null, limit: filter.limit ?? 1000 }) as Row[]).map(mapOutbox);
  }

  desksForIncident(incidentId: number): string[] {
    return (this.sql.desksForIncident.all(incidentId) as Array<{ desk: string }>).map((r) => r.desk);
  }

  lastDeliveredAtMs(incidentId: number, desk: string, operations: readonly OutboxOperation[]): number | undefined {
    const at = (this.sql.lastDelivered.get(incidentId, desk, JSON.stringify(operations)) as { at: number | null }).at;
    return at === null ? undefined : Number(at);
  }

  ticketsToCheck(sinceMs: number, limit: number): TicketRecord[] {
    return (this.sql.ticketsToCheck.all(sinceMs, limit) as Row[]).map(mapTicket);
  }

  countOutbox(state: OutboxState): number {
    return Number((this.sql.countOutbox.get(state) as { n: number }).n);
  }

  countIncidents(status: IncidentStatus): number {
    return Number((this.sql.countIncidents.get(status) as { n: number }).n);
  }

  getTicket(incidentId: number, desk: string): TicketRecord | undefined {
    const r = this.sql.ticket.get(incidentId, desk) as Row | undefined;
    return r ? mapTicket(r) : undefined;
  }

  serviceIncidentLinks(query: { service: string } | { serviceIncidentId: number } | { incidentId: number }): ServiceIncidentLink[] {
    const rows =
      'serviceIncidentId' in query
        ? this.sql.serviceLinksOfParent.all(query.serviceIncidentId)
        : 'incidentId' in query
          ? this.sql.serviceLinkOfChild.all(query.incidentId)
          : this.sql.serviceLinksOf.all(query.service);
    return (rows as Row[]).map(mapServiceLink);
  }

  latestServiceStates(): ServiceStateChange[] {
    return (this.sql.latestServiceStates.all() as Row[]).map(mapServiceStateChange);
  }

  serviceStateChanges(service: string, fromMs: number, toMs: number): ServiceStateChange[] {
    return (this.sql.serviceStateChanges.all({ service, fromMs, toMs }) as Row[]).map(mapServiceStateChange);
  }

  childIncidents(parentId: number): IncidentRecord[] {
    return (this.sql.childIncidents.all(parentId) as Row[]).map((r) => mapIncident(r)!);
  }

  listSilences(nowMs?: number): SilenceRecord[] {
    return (this.sql.listSilences.all(nowMs ?? Number.MIN_SAFE_INTEGER) as Row[]).map(mapSilence);
  }

  getSilence(id: number): SilenceRecord | undefined {
    const row = this.sql.silenceById.get(id) as Row | undefined;
    return row ? mapSilence(row) : undefined;
  }

  listMaintenance(): MaintenanceRecord[] {
    return (this.sql.listMaintenance.all() as Row[]).map(mapMaintenance);
  }

  iterateSamples(fromMs: number, toMs: number): Iterable<StoredSample> {
    return samplesOfBlocks(this.iterateSampleBlocks(fromMs, toMs));
  }

  iterateSampleBlocks(fromMs: number, toMs: number): SampleBlocks {
    const series = new Map<number, StoredSeries>();
    for (const r of this.sql.allSeries.all() as Array<{ series_id: number; metric: string; labels: string; hostname: string }>) {
      series.set(r.series_id, { metric: r.metric, labels: { ...(JSON.parse(r.labels) as Record<string, string>), host: r.hostname } });
    }
    return { series, blocks: this.history.sampleBlocks(fromMs, toMs) };
  }

  *hostSamples(hostname: string, fromMs: number, toMs: number): Iterable<StoredSample> {
    const series = new Map<number, { metric: string; labels: Record<string, string> }>();
    const members: Array<{ hostId: number; seriesId: number }> = [];
    for (const r of this.sql.seriesOfHostname.all(hostname) as Array<{ series_id: number; host_id: number; metric: string; labels: string }>) {
      series.set(r.series_id, { metric: r.metric, labels: { ...(JSON.parse(r.labels) as Record<string, string>), host: hostname } });
      members.push({ hostId: r.host_id, seriesId: r.series_id });
    }
    for (const [hostId, ids] of seriesIdsByHost(members)) {
      for (const s of this.history.hostPoints(hostId, ids, fromMs, toMs)) {
        const known = series.get(s.seriesId)!;
        yield withText({ metric: known.metric, labels: known.labels, value: s.value, atMs: s.atMs }, s.text);
      }
    }
  }

  querySeries(metric: string, labels: Record<string, string>, fromMs: number, toMs: number): StoredSample[] {
    const host = labels.host;
    if (host === undefined) return [];
    const series = this.sql.findSeriesByHostname.all(host, metric, canonicalLabels(labels)) as Array<{ series_id: number; host_id: number }>;
    const samples: StoredSample[] = [];
    for (const { series_id: seriesId, host_id: hostId } of series) {
      for (const p of this.history.seriesPoints(seriesId, hostId, fromMs, toMs)) samples.push(withText({ metric, labels, value: p.value, atMs: p.atMs }, p.text));
    }
    return samples.sort((a, b) => a.atMs - b.atMs);
  }
}

/** A rule-state row as the store's reads return it: the state where the row carries one. */
function stateRow(row: { fingerprint: string; state: string | null }): { fingerprint: string; state: RuleState | undefined } {
  return { fingerprint: row.fingerprint, state: row.state === null ? undefined : parseRuleStateText(row.state) };
}
