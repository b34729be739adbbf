/**
 * Per block device IOPS, throughput, average latency and utilisation from `/proc/diskstats`, the
 * figures `iostat -x` prints (r/s, w/s, rkB/s, wkB/s, r_await, w_await, %util). Partitions, loop,
 * ram and floppy devices are left out by default, as node_exporter does.
 */
import type { Observation } from '../../contract/report.js';
import { parseProcDiskstats, type DiskCounters } from '../procfs/procDiskstats.js';
import type { ProcReader } from '../procfs/procReader.js';
import { observation, type Probe } from './probe.js';

/** node_exporter's default `--collector.diskstats.device-exclude`. */
export const DEFAULT_DISK_EXCLUDE = '^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$';

/** Device names whose verdict is remembered; loop devices come and go, so the memory is bounded. */
const MAX_REMEMBERED_DEVICES = 4096;

/** Dependencies of the disk I/O probe. */
export interface DiskIoProbeDeps {
  proc: ProcReader;
  /** Devices whose name matches are not reported. */
  exclude: RegExp;
  monotonicMs?: () => number;
}

/** Per-interval figures of one device from two samples. */
export function diskRates(before: DiskCounters, after: DiskCounters, seconds: number) {
  // Each delta written out, not through a keyed helper: no closure and no keyed loads per device and cycle.
  const reads = Math.max(0, after.readsCompleted - before.readsCompleted);
  const writes = Math.max(0, after.writesCompleted - before.writesCompleted);
  return {
    readsPerSecond: reads / seconds,
    writesPerSecond: writes / seconds,
    readBytesPerSecond: Math.max(0, after.readBytes - before.readBytes) / seconds,
    writtenBytesPerSecond: Math.max(0, after.writtenBytes - before.writtenBytes) / seconds,
    readLatencySeconds: reads > 0 ? Math.max(0, after.readTimeMs - before.readTimeMs) / 1000 / reads : 0,
    writeLatencySeconds: writes > 0 ? Math.max(0, after.writeTimeMs - before.writeTimeMs) / 1000 / writes : 0,
    utilisationRatio: Math.min(1, Math.max(0, after.ioTimeMs - before.ioTimeMs) / 1000 / seconds),
  };
}

export function createDiskIoProbe({ proc, exclude, monotonicMs = () => performance.now() }: DiskIoProbeDeps): Probe {
  let previous: { atMs: number; disks: Map<string, DiskCounters> } | undefined;
  /** Whether each device name seen is reported: the pattern is matched once per name, not per cycle. */
  const included = new Map<string, boolean>();
  const include = (device: string): boolean => {
    let verdict = included.get(device);
    if (verdict === undefined) {
      if (included.size >= MAX_REMEMBERED_DEVICES) included.clear();
      verdict = !exclude.test(device);
      included.set(device, verdict);
    }
    return verdict;
  };
  /**
   * Each reported device's labels, made once and frozen: observations of a series share one labels
   * object from cycle to cycle, whose JSON the report builder keeps (reportBuilder.ts).
   */
  let labelsByDevice = new Map<string, { readonly device: string }>();
  return {
    name: 'diskio',
    collect(now) {
      const disks = parseProcDiskstats(proc.read('diskstats'), include);
      const atMs = monotonicMs();
      const observations: Observation[] = [];
      const byDevice = new Map<string, DiskCounters>();
      // Devices that went away are forgotten (as many labels as devices means none went away).
      if (labelsByDevice.size > disks.length) labelsByDevice = new Map();
      for (let i = 0; i < disks.length; i++) {
        const disk = disks[i]!;
        byDevice.set(disk.device, disk);
        let labels = labelsByDevice.get(disk.device);
        if (labels === undefined) labelsByDevice.set(disk.device, (labels = Object.freeze({ device: disk.device })));
        observations.push(
          observation('disk_read_bytes_total', disk.readBytes, labels, now),
          observation('disk_written_bytes_total', disk.writtenBytes, labels, now),
          observation('disk_io_time_seconds_total', disk.ioTimeMs / 1000, labels, now),
        );
        const before = previous?.disks.get(disk.device);
        if (before === undefined || previous === undefined || atMs <= previous.atMs) continue;
        const r = diskRates(before, disk, (atMs - previous.atMs) / 1000);
        observations.push(
          observation('disk_reads_per_second', r.readsPerSecond, labels, now),
          observation('disk_writes_per_second', r.writesPerSecond, labels, now),
          observation('disk_read_bytes_per_second', r.readBytesPerSecond, labels, now),
          observation('disk_written_bytes_per_second', r.writtenBytesPerSecond, labels, now),
          observation('disk_read_latency_seconds', r.readLatencySeconds, labels, now),
          observation('disk_write_latency_seconds', r.writeLatencySeconds, labels, now),
          observation('disk_utilisation_ratio', r.utilisationRatio, labels, now),
        );
      }
      previous = { atMs, disks: byDevice };
      return { observations };
    },
  };
}
