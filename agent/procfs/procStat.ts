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

/**
 * Reads the first `cpu ` line. Older kernels omit trailing fields; they count as 0. `guest` and
 * `guest_nice` are already included in `user` and `nice`, so they are not read (but must be numbers).
 * Indexed, without map/forEach or a field-name table: the agent runs this interpreted every cycle.
 */
export function parseProcStat(text: string): CpuTimes {
  // The aggregate line comes first; only that line is split.
  const start = text.startsWith('cpu ') ? 0 : text.indexOf('\ncpu ') + 1;
  if (start === 0 && !text.startsWith('cpu ')) throw new ProcParseError('stat', 'no aggregate "cpu" line');
  const end = text.indexOf('\n', start);
  const line = end < 0 ? text.slice(start) : text.slice(start, end);
  // parts[0] is "cpu".
  const parts = line.trim().split(/\s+/);
  let valid = parts.length >= 5;
  for (let i = 1; valid && i < parts.length; i++) valid = Number.isFinite(Number(parts[i]));
  if (!valid) throw new ProcParseError('stat', 'the "cpu" line does not hold at least 4 numbers');
  return {
    user: Number(parts[1]),
    nice: Number(parts[2]),
    system: Number(parts[3]),
    idle: Number(parts[4]),
    iowait: field(parts, 5),
    irq: field(parts, 6),
    softirq: field(parts, 7),
    steal: field(parts, 8),
  };
}

/** A field an older kernel may not have: 0 when absent. */
function field(parts: readonly string[], index: number): number {
  return index < parts.length ? Number(parts[index]) : 0;
}

/** Sum of the fields that make up wall-clock CPU time. */
export function totalCpuTime(times: CpuTimes): number {
  return times.user + times.nice + times.system + times.idle + times.iowait + times.irq + times.softirq + times.steal;
}
