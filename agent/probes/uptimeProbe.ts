/**
 * Uptime and reboot detection. The kernel's random `boot_id` changes on every boot; the probe keeps
 * the last one it saw in a file under the agent's data directory, so a reboot is detected even
 * though the agent itself restarted with the host. `reboot_detected` is 1 in the first report after
 * a reboot, and 0 otherwise (also on the very first start, when there is nothing to compare with).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { ProcReader } from '../procfs/procReader.js';
import { parseProcUptime } from '../procfs/procUptime.js';
import { NO_LABELS, observation, type Probe } from './probe.js';

/** Dependencies of the uptime probe. */
export interface UptimeProbeDeps {
  proc: ProcReader;
  /** File that keeps the last seen boot id (`<dataDir>/agent/boot_id`). */
  bootIdFile: string;
}

function readKnownBootId(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function createUptimeProbe({ proc, bootIdFile }: UptimeProbeDeps): Probe {
  let known: string | undefined;
  let loaded = false;
  /** The kernel's boot id stays the same for the life of this process: read once. */
  let bootId: string | undefined;
  return {
    name: 'uptime',
    collect(now) {
      const uptime = parseProcUptime(proc.read('uptime'));
      bootId ??= proc.readOnce('sys/kernel/random/boot_id').trim();
      if (!loaded) {
        known = readKnownBootId(bootIdFile);
        loaded = true;
      }
      const rebooted = known !== undefined && known !== bootId;
      if (known !== bootId) {
        // Once per boot, a few bytes: written in place, synchronously.
        writeFileSync(bootIdFile, `${bootId}\n`, { mode: 0o600 });
        known = bootId;
      }
      return {
        observations: [
          observation('uptime_seconds', uptime, NO_LABELS, now),
          observation('boot_time_seconds', Math.round(now.getTime() / 1000 - uptime), NO_LABELS, now),
          observation('reboot_detected', rebooted ? 1 : 0, NO_LABELS, now),
        ],
      };
    },
  };
}
