/**
 * Turns an agent's silence into a series that rules can judge: every tick, for each known host,
 * `agent_missed_reports` = seconds since its last report / its report interval, once that reaches 1
 * (a report is missing). The default rule pack fires "agent silent" when this passes 3. Reports
 * themselves feed the value 0, which holds until the next report is due.
 */
import type { Logger } from 'pino';
import type { COLLECTOR_SERIES } from '../../contract/collectorSeries.js';
import type { SeriesSample } from '../../rules/index.js';
import type { Clock } from '../clock.js';
import { createPeriodicLoop, type LoopTimer } from '../periodicLoop.js';
import type { Store } from '../store/store.js';
import type { AlertPipeline } from './alertPipeline.js';

export const AGENT_MISSED_REPORTS_METRIC: keyof typeof COLLECTOR_SERIES = 'agent_missed_reports';

export interface MissedReportWatcher {
  /** Evaluates every host's missed reports once. */
  tick(): void;
  start(): void;
  stop(): Promise<void>;
}

export interface MissedReportWatcherOptions {
  store: Store;
  pipeline: AlertPipeline;
  clock: Clock;
  log: Logger;
  intervalMs: number;
  timer?: LoopTimer;
}

export function createMissedReportWatcher(options: MissedReportWatcherOptions): MissedReportWatcher {
  const tick = (): void => {
    const nowMs = options.clock.nowMs();
    const samples: SeriesSample[] = [];
    // Only hosts whose next report is overdue: one whose report is not yet due is at 0, which its last
    // report fed, so a healthy fleet costs neither evaluation nor reading every host (10,000 hosts
    // read every tick held the event loop 0.1-0.9 s under load). A decommissioned host (or one whose
    // agent was reset) is not expected to report: its silence is no problem, and the store leaves it out.
    for (const host of options.store.overdueHosts(nowMs)) {
      const missed = (nowMs - host.lastReportAtMs) / 1000 / host.intervalSeconds;
      if (missed >= 1) samples.push({ metric: AGENT_MISSED_REPORTS_METRIC, labels: { ...host.labels, host: host.hostname }, value: missed, atMs: nowMs });
    }
    if (samples.length === 0) return;
    const { commit } = options.store.transaction((tx) => options.pipeline.process(tx, samples, nowMs));
    commit();
  };
  const loop = createPeriodicLoop({ run: tick, delayMs: options.intervalMs, log: options.log, failureMessage: 'missed-report evaluation failed', ...(options.timer ? { timer: options.timer } : {}) });
  return { tick, start: () => loop.start(), stop: () => loop.stop() };
}
