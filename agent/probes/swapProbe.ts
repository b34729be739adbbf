/** Swap space from `/proc/meminfo`; a host without swap reports zeros, not an absent series. */
import type { ProcReader } from '../procfs/procReader.js';
import { meminfoOfCycle, requireMeminfoField, type Meminfo } from '../procfs/procMeminfo.js';
import { NO_LABELS, observation, type Probe } from './probe.js';

/** Creates the swap probe. */
export function createSwapProbe({ proc, meminfo = meminfoOfCycle(proc) }: { proc: ProcReader; meminfo?: (now: Date) => Meminfo }): Probe {
  return {
    name: 'swap',
    collect(now) {
      const info = meminfo(now);
      const total = requireMeminfoField(info, 'SwapTotal');
      const used = Math.max(0, total - requireMeminfoField(info, 'SwapFree'));
      return {
        observations: [
          observation('swap_total_bytes', total, NO_LABELS, now),
          observation('swap_used_bytes', used, NO_LABELS, now),
          observation('swap_used_ratio', total > 0 ? used / total : 0, NO_LABELS, now),
        ],
      };
    },
  };
}
