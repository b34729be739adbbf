/** Swap space from `/proc/meminfo`; a host without swap reports zeros, not an absent series. */
import type { ProcReader } from '../procfs/procReader.js';
import { parseProcMeminfo, requireMeminfoField } from '../procfs/procMeminfo.js';
import { observation, type Probe } from './probe.js';

/** Creates the swap probe. */
export function createSwapProbe({ proc }: { proc: ProcReader }): Probe {
  return {
    name: 'swap',
    collect(now) {
      const meminfo = parseProcMeminfo(proc.read('meminfo'));
      const total = requireMeminfoField(meminfo, 'SwapTotal');
      const used = Math.max(0, total - requireMeminfoField(meminfo, 'SwapFree'));
      return {
        observations: [
          observation('swap_total_bytes', total, {}, now),
          observation('swap_used_bytes', used, {}, now),
          observation('swap_used_ratio', total > 0 ? used / total : 0, {}, now),
        ],
      };
    },
  };
}
