/**
 * Parser of `/proc/diskstats` (Documentation/admin-guide/iostats.rst). Sectors there are always
 * 512 bytes, whatever the device's real sector size.
 */
import { ProcParseError } from './procParseError.js';

/** Cumulative I/O counters of one block device since boot. */
export interface DiskCounters {
  device: string;
  readsCompleted: number;
  readBytes: number;
  /** Milliseconds spent by all reads. */
  readTimeMs: number;
  writesCompleted: number;
  writtenBytes: number;
  writeTimeMs: number;
  /** Milliseconds during which the device had I/O in flight (basis of %util). */
  ioTimeMs: number;
}

const SECTOR_BYTES = 512;

/**
 * Parses every line with at least the 14 classic fields; others (malformed) are an error. Lines of
 * devices `include` refuses (partitions, loop devices) are skipped before their counters are read.
 */
export function parseProcDiskstats(text: string, include: (device: string) => boolean = () => true): DiskCounters[] {
  const disks: DiskCounters[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const device = /^\s*\d+\s+\d+\s+(\S+)/.exec(line)?.[1];
    if (device !== undefined && !include(device)) continue;
    const fields = line.trim().split(/\s+/);
    if (fields.length < 14) throw new ProcParseError('diskstats', `a line has ${fields.length} fields, expected at least 14`);
    const n = fields.map(Number);
    if (!n.slice(3, 14).every(Number.isFinite)) throw new ProcParseError('diskstats', `non-numeric counters for ${fields[2]}`);
    disks.push({
      device: fields[2]!,
      readsCompleted: n[3]!,
      readBytes: n[5]! * SECTOR_BYTES,
      readTimeMs: n[6]!,
      writesCompleted: n[7]!,
      writtenBytes: n[9]! * SECTOR_BYTES,
      writeTimeMs: n[10]!,
      ioTimeMs: n[12]!,
    });
  }
  return disks;
}
