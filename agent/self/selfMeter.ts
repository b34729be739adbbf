/**
 * The agent's own health, carried by every report so that the collector's rules can watch the
 * watcher: reports it had to drop, the worst event-loop delay since the last report
 * (loopDelaySampler.ts), the CPU time it has used and its resident memory.
 */
import type { Observation } from '../../contract/report.js';
import { NO_LABELS, observation } from '../probes/probe.js';
import type { DroppedReports } from '../transport/reportSender.js';
import type { LoopDelaySampler } from './loopDelaySampler.js';

/** What the agent's health is read from. */
export interface SelfMeterOptions {
  loopDelay: LoopDelaySampler;
  /** Reports dropped so far, by reason. */
  dropped: () => DroppedReports;
  /** The process's CPU time; node's `process.cpuUsage` by default. */
  cpuUsage?: () => NodeJS.CpuUsage;
  /** The process's resident size; node's `process.memoryUsage.rss` by default. */
  rssBytes?: () => number;
}

export interface SelfMeter {
  /**
   * The agent's health at `now`. Takes the worst loop delay since the last call; a report built
   * before the agent runs (`running` false) carries 0 for it, as start-up is not the agent's work.
   */
  observe(now: Date, running: boolean): Observation[];
}

/** The labels of the two dropped-report series, made once. */
const SPOOL_FULL = Object.freeze({ reason: 'spool_full' });
const REJECTED = Object.freeze({ reason: 'rejected' });

export function createSelfMeter({ loopDelay, dropped, cpuUsage = () => process.cpuUsage(), rssBytes = () => process.memoryUsage.rss() }: SelfMeterOptions): SelfMeter {
  return {
    observe(now, running) {
      const { spoolFull, rejected } = dropped();
      const cpu = cpuUsage();
      const delayMaxSeconds = loopDelay.takeMaxSeconds();
      return [
        observation('agent_reports_dropped_total', spoolFull, SPOOL_FULL, now),
        observation('agent_reports_dropped_total', rejected, REJECTED, now),
        observation('agent_event_loop_delay_max_seconds', running ? delayMaxSeconds : 0, NO_LABELS, now),
        observation('agent_cpu_seconds_total', (cpu.user + cpu.system) / 1e6, NO_LABELS, now),
        observation('agent_resident_memory_bytes', rssBytes(), NO_LABELS, now),
      ];
    },
  };
}
