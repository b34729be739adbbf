/**
 * Software RAID health from `/proc/mdstat`: one `md_degraded` and one `md_rebuilding` series per
 * array (a rebuild or resync, not the scheduled check), and a check `md:<device>` that is critical
 * while the array is degraded. A host without md (no file or no
 * array) reports nothing; a missing file is looked for again every 5 minutes.
 */
import type { CheckResult, Observation } from '../../contract/report.js';
import { parseProcMdstat, type MdSyncAction } from '../procfs/procMdstat.js';
import type { ProcReader } from '../procfs/procReader.js';
import { isoTimestamp, observation, type Probe } from './probe.js';

/** Sync actions that mean the array's copies are not yet in step; a scheduled check or repair does not. */
const REBUILDING: ReadonlySet<MdSyncAction> = new Set(['recovery', 'resync', 'reshape']);

/** How long a missing `/proc/mdstat` is believed: it appears only when the md driver loads. */
const ABSENT_TTL_MS = 300_000;

/** Dependencies of the md RAID probe. */
export interface MdRaidProbeDeps {
  proc: ProcReader;
  absentTtlMs?: number;
  monotonicMs?: () => number;
}

export function createMdRaidProbe({ proc, absentTtlMs = ABSENT_TTL_MS, monotonicMs = () => performance.now() }: MdRaidProbeDeps): Probe {
  /** When the file was last found missing; most hosts have no md and would fail a read every cycle. */
  let absentAtMs = -Infinity;
  return {
    name: 'mdraid',
    collect(now) {
      const atMs = monotonicMs();
      if (atMs - absentAtMs < absentTtlMs) return { observations: [] };
      let text: string;
      try {
        text = proc.read('mdstat');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        absentAtMs = atMs;
        return { observations: [] };
      }
      const observations: Observation[] = [];
      const checks: CheckResult[] = [];
      for (const array of parseProcMdstat(text)) {
        const labels = { device: array.device, level: array.level };
        observations.push(
          observation('md_disks_required', array.disksRequired, labels, now),
          observation('md_disks_active', array.disksActive, labels, now),
          observation('md_degraded', array.degraded ? 1 : 0, labels, now),
          observation('md_rebuilding', array.syncAction !== undefined && REBUILDING.has(array.syncAction) ? 1 : 0, labels, now),
        );
        checks.push({
          name: `md:${array.device}`,
          status: array.degraded ? 'critical' : 'ok',
          output: `${array.device} ${array.level || array.state}: ${array.disksActive}/${array.disksRequired} disks active${array.degraded ? ', DEGRADED' : ''}${array.syncAction === undefined ? '' : `, ${array.syncAction} in progress`}`,
          at: isoTimestamp(now),
          durationSeconds: 0,
        });
      }
      return { observations, checks };
    },
  };
}
