/** Load averages from `/proc/loadavg`, and load1 per online CPU for host-size-independent rules. */
import { cpus } from 'node:os';
import type { ProcReader } from '../procfs/procReader.js';
import { parseProcLoadavg } from '../procfs/procLoadavg.js';
import { NO_LABELS, observation, type Probe } from './probe.js';

/** Dependencies of the load probe. */
export interface LoadProbeDeps {
  proc: ProcReader;
  /** Online CPUs of the host (the load average counts the whole host, not a cgroup). */
  cpuCount?: () => number;
}

const CPU_COUNT_TTL_MS = 300_000;

/** os.cpus() reads /proc/cpuinfo and every CPU's frequency (about 0.5 ms); CPUs rarely change, so keep it 5 minutes. */
function cachedCpuCount(): () => number {
  let count = 0;
  let atMs = -Infinity;
  return () => {
    const now = performance.now();
    if (now - atMs > CPU_COUNT_TTL_MS) {
      count = cpus().length;
      atMs = now;
    }
    return count;
  };
}

/** Creates the load probe. */
export function createLoadProbe({ proc, cpuCount = cachedCpuCount() }: LoadProbeDeps): Probe {
  return {
    name: 'load',
    collect(now) {
      const load = parseProcLoadavg(proc.read('loadavg'));
      const cores = Math.max(1, cpuCount());
      return {
        observations: [
          observation('load1', load.load1, NO_LABELS, now),
          observation('load5', load.load5, NO_LABELS, now),
          observation('load15', load.load15, NO_LABELS, now),
          observation('load1_per_core', load.load1 / cores, NO_LABELS, now),
        ],
      };
    },
  };
}
