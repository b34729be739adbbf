/** Swap-in/out rates and OOM kills from `/proc/vmstat`, the counters `vmstat` and `sar -W` read. */
import { createDeltaTracker } from './deltaTracker.js';
import type { ProcReader } from '../procfs/procReader.js';
import { parseProcVmstat } from '../procfs/procVmstat.js';
import { NO_LABELS, observation, type Probe } from './probe.js';

/** Creates the vmstat probe; rates start with the second run. `oom_kill` exists since Linux 4.13. */
export function createVmstatProbe({ proc, monotonicMs = () => performance.now() }: { proc: ProcReader; monotonicMs?: () => number }): Probe {
  const tracker = createDeltaTracker();
  return {
    name: 'vmstat',
    collect(now) {
      const vmstat = parseProcVmstat(proc.read('vmstat'));
      const atMs = monotonicMs();
      const observations = [];
      const swapIn = vmstat.get('pswpin');
      const swapOut = vmstat.get('pswpout');
      const inRate = swapIn === undefined ? undefined : tracker.rate('pswpin', swapIn, atMs);
      const outRate = swapOut === undefined ? undefined : tracker.rate('pswpout', swapOut, atMs);
      if (inRate !== undefined) observations.push(observation('swap_in_pages_per_second', inRate, NO_LABELS, now));
      if (outRate !== undefined) observations.push(observation('swap_out_pages_per_second', outRate, NO_LABELS, now));
      const oomKills = vmstat.get('oom_kill');
      if (oomKills !== undefined) observations.push(observation('oom_kills_total', oomKills, NO_LABELS, now));
      return { observations };
    },
  };
}
