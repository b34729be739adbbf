/** Parser of the aggregate `cpu` line of `/proc/stat` (proc(5)). */
import { ProcParseError } from './procParseError.js';

/** Cumulative CPU time of all CPUs since boot, in USER_HZ ticks. */
export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
}

const FIELDS = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

/**
 * Reads the first `cpu ` line. Older kernels omit trailing fields; they count as 0. `guest` and
 * `guest_nice` are already included in `user` and `nice`, so they are not read.
 */
export function parseProcStat(text: string): CpuTimes {
  // The aggregate line comes first; only that line is split.
  const start = text.startsWith('cpu ') ? 0 : text.indexOf('\ncpu ') + 1;
  if (start === 0 && !text.startsWith('cpu ')) throw new ProcParseError('stat', 'no aggregate "cpu" line');
  const end = text.indexOf('\n', start);
  const line = end < 0 ? text.slice(start) : text.slice(start, end);
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  if (values.length < 4 || values.some((v) => !Number.isFinite(v))) {
    throw new ProcParseError('stat', 'the "cpu" line does not hold at least 4 numbers');
  }
  const times = {} as CpuTimes;
  FIELDS.forEach((field, index) => {
    times[field] = values[index] ?? 0;
  });
  return times;
}

/** Sum of the fields that make up wall-clock CPU time. */
export function totalCpuTime(times: CpuTimes): number {
  return FIELDS.reduce((sum, field) => sum + times[field], 0);
}
