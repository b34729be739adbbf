/**
 * Space and inodes of mounted filesystems: mounts from `/proc/self/mounts`, sizes from statfs(2).
 *
 * statfs on a dead NFS server blocks a libuv thread until the server returns. A mount whose call
 * has not returned is therefore skipped (and reported with `filesystem_device_error` 1) until it
 * does, so stuck mounts never pile up threads or stall the probe, as node_exporter does.
 *
 * Filesystems whose statfs the kernel answers from memory (ext4, xfs, tmpfs... see LOCAL_FSTYPES)
 * are asked synchronously: a thread-pool round trip, a promise and a timer per cycle cost more than
 * the call. Only the others (nfs, cifs, fuse, ceph...) go through the thread pool with the timeout,
 * so a host with local disks only answers this probe synchronously.
 *
 * The mount table is read again once a minute (MOUNT_TABLE_MAX_AGE_MS), not every cycle: the kernel
 * writes the whole table out on each read, about 1.5 microseconds a line, and a Kubernetes node has
 * a thousand lines and more (docs/performance-history.md, session 44). In between, each cycle asks
 * every observed mount two cheap questions and reads the table again at once when an answer differs
 * from it: is the mount point still on the device it was (stat(2): an unmounted or mounted-over
 * point is not), and is its filesystem read-only exactly when the table said so (access(2) with W_OK
 * answers EROFS for a read-only filesystem before it checks permissions, so errors=remount-ro shows in
 * the cycle it happens, to an agent running as root or not). A filesystem mounted since is seen at the
 * next read, within a minute; so is a read-only bind remount (`mount -o remount,ro,bind`), which access
 * shows only to a process that may write there. A filesystem the table says is read-only is asked
 * the same, but an agent that may not write there cannot confirm it (EACCES), and reads the table
 * every cycle while it stays so; so does a host with a network or other mount that may hang, as
 * these questions could hang on it.
 */
import { accessSync, constants as fsConstants, statfsSync, statSync as statPathSync, type StatsFs } from 'node:fs';
import { statfs as statfsPromise } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Observation } from '../../contract/report.js';
import type { ProcReader } from '../procfs/procReader.js';
import { parseProcMounts, type MountEntry } from '../procfs/procMounts.js';
import { isWatchedFilesystem, type FilesystemFilter } from '../../contract/filesystemExclusions.js';
import { observation, type LabelsOf, type Probe, type ProbeResult } from './probe.js';

/** The statfs fields the probe uses. */
export type FilesystemStats = Pick<StatsFs, 'bsize' | 'blocks' | 'bfree' | 'bavail' | 'files' | 'ffree'>;

export type { FilesystemFilter } from '../../contract/filesystemExclusions.js';

/** Dependencies of the filesystem probe. */
export interface FilesystemProbeDeps {
  proc: ProcReader;
  filter: FilesystemFilter;
  log: Logger;
  /** How long one statfs may take before its mount counts as stuck. */
  statfsTimeoutSeconds: number;
  /** statfs(2) of a filesystem that may hang (network, fuse); on the thread pool, with the timeout. */
  statfs?: (path: string) => Promise<FilesystemStats>;
  /** statfs(2) of a filesystem in LOCAL_FSTYPES, which the kernel answers without waiting. */
  statfsSync?: (path: string) => FilesystemStats;
  /** The device a path is on (stat(2) st_dev); throws when it cannot be read. */
  deviceOf?: (path: string) => number;
  /**
   * Whether a path's filesystem is read-only now: true when access(2) with W_OK answers EROFS,
   * false when it may be written, undefined when it cannot tell (EACCES: the filesystem is writable
   * but the mount may still be read-only; any other error).
   */
  readOnlyNow?: (path: string) => boolean | undefined;
}

/** How long the mount table is believed while every observed mount answers as it said (see above). */
export const MOUNT_TABLE_MAX_AGE_MS = 60_000;

/** access(2) W_OK of `path`: see FilesystemProbeDeps.readOnlyNow. */
export function accessReadOnly(path: string): boolean | undefined {
  try {
    accessSync(path, fsConstants.W_OK);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EROFS' ? true : undefined;
  }
}

/**
 * Filesystem types whose statfs(2) is answered from in-memory counters, without I/O or a network
 * round trip. Anything else (nfs, cifs, fuse.*, ceph, glusterfs, unknown types) is treated as one
 * that can hang.
 */
export const LOCAL_FSTYPES: ReadonlySet<string> = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'f2fs', 'jfs', 'reiserfs', 'vfat', 'exfat', 'tmpfs', 'ramfs', 'devtmpfs', 'overlay', 'squashfs', 'iso9660', 'zfs']);

/**
 * Mounts to observe, in mount-table order (see contract/filesystemExclusions.ts for the filter). A
 * mount point mounted over several times is observed once: only the last (visible) mount answers statfs.
 */
export function selectMounts(entries: readonly MountEntry[], filter: FilesystemFilter): MountEntry[] {
  const byMount = new Map<string, MountEntry>();
  for (const entry of entries) {
    if (!isWatchedFilesystem(filter, entry.fstype, entry.mount)) continue;
    byMount.delete(entry.mount);
    byMount.set(entry.mount, entry);
  }
  return [...byMount.values()];
}

/** Observations of one filesystem's statfs answer, pushed onto `into` when given (and returned). */
export function filesystemObservations(stats: FilesystemStats, labels: LabelsOf<'filesystem_size_bytes'>, now: Date, into: Observation[] = []): Observation[] {
  const used = (stats.blocks - stats.bfree) * stats.bsize;
  const avail = stats.bavail * stats.bsize;
  const observations = into;
  observations.push(
    observation('filesystem_size_bytes', stats.blocks * stats.bsize, labels, now),
    observation('filesystem_used_bytes', used, labels, now),
    observation('filesystem_avail_bytes', avail, labels, now),
    observation('filesystem_used_ratio', used + avail > 0 ? used / (used + avail) : 0, labels, now),
    observation('filesystem_device_error', 0, labels, now),
  );
  if (stats.files > 0) {
    const inodesUsed = stats.files - stats.ffree;
    observations.push(
      observation('filesystem_inodes', stats.files, labels, now),
      observation('filesystem_inodes_used', inodesUsed, labels, now),
      observation('filesystem_inodes_used_ratio', inodesUsed / stats.files, labels, now),
    );
  }
  return observations;
}

type StatOutcome = { stats: FilesystemStats } | { error: string };

/** A mount to observe, with what is derived from its mount-table line once, not every cycle. */
interface SelectedMount {
  entry: MountEntry;
  /** Frozen: the report builder keeps each series' JSON by its labels object (reportBuilder.ts). */
  labels: LabelsOf<'filesystem_size_bytes'>;
  /** Mount options show a remount read-only (errors=remount-ro) at once, whatever statfs does. */
  readonly: boolean;
  /** Asked synchronously (see LOCAL_FSTYPES). */
  local: boolean;
  /** The mount point's device when the table was read (deviceOf); undefined when it could not be read. */
  device: number | undefined;
}

/** Creates the filesystem probe. */
export function createFilesystemProbe(deps: FilesystemProbeDeps): Probe {
  const statfs = deps.statfs ?? ((path: string) => statfsPromise(path));
  const statSync = deps.statfsSync ?? ((path: string) => statfsSync(path));
  const deviceOf = deps.deviceOf ?? ((path: string) => statPathSync(path).dev);
  const readOnlyNow = deps.readOnlyNow ?? accessReadOnly;
  const stuck = new Set<string>();
  let lastMountsText: string | undefined;
  let selected: SelectedMount[] = [];
  /** When the table was last read (the cycle's time), and whether its mounts can be asked between reads. */
  let readAtMs = -Infinity;
  let askable = false;
  /**
   * Whether the mount points' devices were taken before a read that found the table unchanged. A
   * table that changed is read once more, next cycle, its points' devices taken first: a mount
   * between the read and the devices' stat (which would leave the new device under the old line,
   * believed for a minute) then changes the text of the second read, and one after it the device.
   */
  let confirmed = false;

  function deviceOrUndefined(path: string): number | undefined {
    try {
      return deviceOf(path);
    } catch {
      return undefined;
    }
  }

  /** Whether every observed mount still answers as the table said (see the file's comment). */
  function asRead(): boolean {
    for (let i = 0; i < selected.length; i++) {
      const { entry, readonly, device } = selected[i]!;
      if (device === undefined || deviceOrUndefined(entry.mount) !== device) return false;
      // EROFS says read-only for sure; a writable or undecided answer (EACCES comes only after the
      // read-only check, so for an agent that may not write there the filesystem is writable) agrees
      // with a writable table, but cannot confirm a read-only one.
      const readOnly = readOnlyNow(entry.mount);
      if (readonly ? readOnly !== true : readOnly === true) return false;
    }
    return true;
  }

  /** `timedOut` is shared by the mounts of one run: one timer per run, not one per mount. */
  function statWithTimeout(mount: string, timedOut: Promise<StatOutcome>): Promise<StatOutcome> {
    if (stuck.has(mount)) return Promise.resolve({ error: 'an earlier statfs has not returned' });
    stuck.add(mount);
    const call = statfs(mount).then(
      (stats): StatOutcome => {
        stuck.delete(mount);
        return { stats };
      },
      (error: NodeJS.ErrnoException): StatOutcome => {
        stuck.delete(mount);
        return { error: error.code ?? error.message };
      },
    );
    return Promise.race([call, timedOut]);
  }

  return {
    name: 'filesystems',
    collect(now) {
      // The mount table is read when it is a minute old or a mount answers otherwise than it said
      // (see the file's comment), and parsed again only when its text has changed.
      const nowMs = now.getTime();
      if (!askable || !confirmed || !(nowMs >= readAtMs && nowMs - readAtMs < MOUNT_TABLE_MAX_AGE_MS) || !asRead()) {
        const devices = askable ? selected.map((mount) => deviceOrUndefined(mount.entry.mount)) : undefined;
        const mountsText = deps.proc.read('self/mounts');
        if (mountsText !== lastMountsText) {
          selected = selectMounts(parseProcMounts(mountsText), deps.filter).map((entry) => {
            const local = LOCAL_FSTYPES.has(entry.fstype);
            return {
              entry,
              labels: Object.freeze({ mount: entry.mount, device: entry.device, fstype: entry.fstype }),
              readonly: entry.options.split(',').includes('ro'),
              local,
              device: local ? deviceOrUndefined(entry.mount) : undefined,
            };
          });
          lastMountsText = mountsText;
          // Mounts that may hang are not asked between reads: the table is read every cycle instead.
          askable = selected.every((mount) => mount.local);
          confirmed = false;
        } else if (devices !== undefined) {
          // The same table: the devices taken before this read are what is on each point.
          for (let i = 0; i < selected.length; i++) selected[i]!.device = devices[i];
          confirmed = true;
        }
        readAtMs = nowMs;
      }
      const mounts = selected;
      // Indexed loops, no callbacks: the interpreter-only agent runs this every cycle.
      const outcomes: (StatOutcome | undefined)[] = new Array<StatOutcome | undefined>(mounts.length);
      let remote: number[] | undefined;
      for (let i = 0; i < mounts.length; i++) {
        const mount = mounts[i]!;
        if (mount.local) outcomes[i] = statLocal(mount.entry.mount);
        else (remote ??= []).push(i);
      }
      if (remote === undefined) return observe(mounts, outcomes as StatOutcome[], now);
      return statRemote(remote.map((index) => mounts[index]!.entry.mount)).then((answers) => {
        remote.forEach((mountIndex, answerIndex) => (outcomes[mountIndex] = answers[answerIndex]));
        return observe(mounts, outcomes as StatOutcome[], now);
      });
    },
  };

  function statLocal(mount: string): StatOutcome {
    try {
      return { stats: statSync(mount) };
    } catch (error) {
      return { error: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
    }
  }

  /** The filesystems that may hang, concurrently, under one timer. */
  async function statRemote(paths: string[]): Promise<StatOutcome[]> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<StatOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ error: `statfs did not return within ${deps.statfsTimeoutSeconds}s` }), deps.statfsTimeoutSeconds * 1000);
    });
    try {
      return await Promise.all(paths.map((path) => statWithTimeout(path, timedOut)));
    } finally {
      clearTimeout(timer);
    }
  }

  function observe(mounts: readonly SelectedMount[], outcomes: readonly StatOutcome[], now: Date): ProbeResult {
    const observations: Observation[] = [];
    for (let i = 0; i < mounts.length; i++) {
      const { entry, labels, readonly } = mounts[i]!;
      const outcome = outcomes[i]!;
      if ('stats' in outcome) filesystemObservations(outcome.stats, labels, now, observations);
      else {
        deps.log.warn({ mount: entry.mount, reason: outcome.error }, 'filesystem statfs failed');
        observations.push(observation('filesystem_device_error', 1, labels, now));
      }
      observations.push(observation('filesystem_readonly', readonly ? 1 : 0, labels, now));
    }
    return { observations };
  }
}
