/**
 * Turns an agent's silence into a series that rules can judge: every tick, for each known host,
 * `agent_missed_reports` = seconds since its last report / its report interval, once that reaches 1
 * (a report is missing). The default rule pack fires "agent silent" when this passes 3. Reports
 * themselves feed the value 0, which holds until the next report is due.
 *
 * Silence is counted from the later of the host's last report and the watcher's start: a host cannot
 * have reported to a collector that was not running. After an outage of the collector (or of all
 * of a cluster's collectors) every agent's last report is old, and the agents are still sending what
 * they spooled; judged from their last report, the whole fleet would be "silent" at the first pass
 * after the restart and open a ticket per host. A host that really died meanwhile is judged silent
 * once its intervals have passed since the start, as Zabbix counts nodata() from the server's start.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { COLLECTOR_SERIES } from '../../contract/collectorSeries.js';
import type { SeriesSample } from '../../rules/index.js';
import type { Clock } from '../clock.js';
import { createPeriodicLoop, type LoopTimer } from '../periodicLoop.js';
import type { OverduePage, Store } from '../store/store.js';
import type { AlertPipeline } from './alertPipeline.js';

export const AGENT_MISSED_REPORTS_METRIC: keyof typeof COLLECTOR_SERIES = 'agent_missed_reports';

/**
 * Overdue hosts judged per transaction. A fleet gone silent at once (a network split, a collector
 * back after an outage) is judged a slice at a time, and the periodic run gives the event loop back
 * between slices, so ingest batches interleave instead of waiting behind thousands of evaluations.
 */
export const MISSED_REPORT_SLICE_HOSTS = 500;

export interface MissedReportWatcher {
  /** Evaluates every host's missed reports once, all slices at once (tests, a run by hand). */
  tick(): void;
  /** The same pass as the periodic run makes it: a slice per transaction, yielding between slices. */
  run(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
  /** Seconds since its last pass ended (periodicLoop.ts): the lag of the job where it runs. */
  runAgeSeconds(): number | null;
}

export interface MissedReportWatcherOptions {
  store: Store;
  pipeline: AlertPipeline;
  clock: Clock;
  log: Logger;
  intervalMs: number;
  timer?: LoopTimer;
  /** Overdue hosts per transaction (MISSED_REPORT_SLICE_HOSTS). */
  sliceHosts?: number;
  /** Waits between slices of a periodic run; the next turn of the event loop by default. */
  yieldToIngest?: () => Promise<unknown>;
  /** When this collector started receiving reports: silence before it is not counted (the clock's time at creation by default). */
  startedAtMs?: number;
}

export function createMissedReportWatcher(options: MissedReportWatcherOptions): MissedReportWatcher {
  const limit = options.sliceHosts ?? MISSED_REPORT_SLICE_HOSTS;
  const pause = options.yieldToIngest ?? (() => nextTurn());
  const startedAtMs = options.startedAtMs ?? options.clock.nowMs();
  /**
   * Judges the next slice of overdue hosts after `after` in one transaction; returns where the next
   * slice starts, or undefined after the last. Each slice reads its hosts with the time it evaluates
   * at, so a host that reported while an earlier slice yielded is no longer overdue (never a stale
   * silence after a fresh report). Only overdue hosts are read: one whose report is not yet due is at
   * 0, which its last report fed, so a healthy fleet costs neither evaluation nor reading every host
   * (10,000 hosts read every tick held the event loop 0.1-0.9 s under load). A decommissioned host
   * (or one whose agent was reset) is not expected to report: the store leaves it out.
   */
  const slice = (after: OverduePage['after']): OverduePage['after'] => {
    const nowMs = options.clock.nowMs();
    const hosts = options.store.overdueHosts(nowMs, { ...(after ? { after } : {}), limit });
    const samples: SeriesSample[] = [];
    for (const host of hosts) {
      const missed = (nowMs - Math.max(host.lastReportAtMs, startedAtMs)) / 1000 / host.intervalSeconds;
      if (missed >= 1) samples.push({ metric: AGENT_MISSED_REPORTS_METRIC, labels: { ...host.labels, host: host.hostname }, value: missed, atMs: nowMs });
    }
    if (samples.length > 0) {
      const { commit } = options.store.transaction((tx) => options.pipeline.process(tx, samples, nowMs));
      commit();
    }
    const last = hosts.at(-1);
    return hosts.length < limit || last === undefined ? undefined : { hostname: last.hostname, agentId: last.agentId };
  };
  const tick = (): void => {
    for (let next = slice(undefined); next !== undefined; next = slice(next));
  };
  const run = async (): Promise<void> => {
    for (let next = slice(undefined); next !== undefined && !loop.stopping(); next = slice(next)) await pause();
  };
  const loop = createPeriodicLoop({ run, delayMs: options.intervalMs, log: options.log, failureMessage: 'missed-report evaluation failed', ...(options.timer ? { timer: options.timer } : {}) });
  return { tick, run, start: () => loop.start(), stop: () => loop.stop(), runAgeSeconds: () => loop.runAgeSeconds() };
}
