/** CPU usage, iowait and steal ratios from the deltas of `/proc/stat` between two runs. */
import type { ProcReader } from '../procfs/procReader.js';
import { parseProcStat, type CpuTimes } from '../procfs/procStat.js';
import { NO_LABELS, observation, type Probe } from './probe.js';

/** Shares of CPU time spent over an interval, each in [0, 1]. */
export interface CpuRatios {
  usage: number;
  iowait: number;
  steal: number;
}

/**
 * Ratios between two samples, or undefined when no time passed. Each field's delta is clamped at 0
 * because the kernel's iowait counter is known to step backwards.
 */
export function cpuRatios(before: CpuTimes, after: CpuTimes): CpuRatios | undefined {
  // Field by field, not over Object.keys: no key array and no keyed (megamorphic) loads per cycle.
  const idle = Math.max(0, after.idle - before.idle);
  const iowait = Math.max(0, after.iowait - before.iowait);
  const steal = Math.max(0, after.steal - before.steal);
  const total =
    Math.max(0, after.user - before.user) +
    Math.max(0, after.nice - before.nice) +
    Math.max(0, after.system - before.system) +
    idle +
    iowait +
    Math.max(0, after.irq - before.irq) +
    Math.max(0, after.softirq - before.softirq) +
    steal;
  if (total <= 0) return undefined;
  return {
    usage: (total - idle - iowait) / total,
    iowait: iowait / total,
    steal: steal / total,
  };
}

/** The first run only records a baseline; ratios start with the second run. */
export function createCpuProbe({ proc }: { proc: ProcReader }): Probe {
  let previous: CpuTimes | undefined;
  return {
    name: 'cpu',
    collect(now) {
      const current = parseProcStat(proc.read('stat'));
      const ratios = previous === undefined ? undefined : cpuRatios(previous, current);
      previous = current;
      if (ratios === undefined) return { observations: [] };
      return {
        observations: [
          observation('cpu_usage_ratio', ratios.usage, NO_LABELS, now),
          observation('cpu_iowait_ratio', ratios.iowait, NO_LABELS, now),
          observation('cpu_steal_ratio', ratios.steal, NO_LABELS, now),
        ],
      };
    },
  };
}
