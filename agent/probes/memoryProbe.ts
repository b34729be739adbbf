/** Physical memory from `/proc/meminfo`: total, available, and the used ratio derived from them. */
import type { ProcReader } from '../procfs/procReader.js';
import { parseProcMeminfo, requireMeminfoField, type Meminfo } from '../procfs/procMeminfo.js';
import { observation, type Probe } from './probe.js';

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
export function createMemoryProbe({ proc }: { proc: ProcReader }): Probe {
  return {
    name: 'memory',
    collect(now) {
      const meminfo = parseProcMeminfo(proc.read('meminfo'));
      const total = requireMeminfoField(meminfo, 'MemTotal');
      const available = availableMemoryBytes(meminfo);
      return {
        observations: [
          observation('memory_total_bytes', total, {}, now),
          observation('memory_available_bytes', available, {}, now),
          observation('memory_used_bytes', Math.max(0, total - available), {}, now),
          observation('memory_used_ratio', total > 0 ? 1 - available / total : 0, {}, now),
        ],
      };
    },
  };
}
