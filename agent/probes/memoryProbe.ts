/** Physical memory from `/proc/meminfo`: total, available, and the used ratio derived from them. */
import type { ProcReader } from '../procfs/procReader.js';
import { meminfoOfCycle, requireMeminfoField, type Meminfo } from '../procfs/procMeminfo.js';
import { NO_LABELS, observation, type Probe } from './probe.js';

/**
 * MemAvailable is the kernel's own estimate (since 3.14); older kernels get the classic
 * free + buffers + cached approximation.
 */
export function availableMemoryBytes(meminfo: Meminfo): number {
  const available = meminfo.get('MemAvailable');
  if (available !== undefined) return available;
  return requireMeminfoField(meminfo, 'MemFree') + (meminfo.get('Buffers') ?? 0) + (meminfo.get('Cached') ?? 0);
}

/** Creates the memory probe. */
export function createMemoryProbe({ proc, meminfo = meminfoOfCycle(proc) }: { proc: ProcReader; meminfo?: (now: Date) => Meminfo }): Probe {
  return {
    name: 'memory',
    collect(now) {
      const info = meminfo(now);
      const total = requireMeminfoField(info, 'MemTotal');
      const available = availableMemoryBytes(info);
      return {
        observations: [
          observation('memory_total_bytes', total, NO_LABELS, now),
          observation('memory_available_bytes', available, NO_LABELS, now),
          observation('memory_used_bytes', Math.max(0, total - available), NO_LABELS, now),
          observation('memory_used_ratio', total > 0 ? 1 - available / total : 0, NO_LABELS, now),
        ],
      };
    },
  };
}
