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
/** "major minor name" at the start of a line: the device's name, read without splitting the line. */
const DEVICE_NAME = /^\s*\S+\s+\S+\s+(\S+)/;

/**
 * Parses every line with at least the 14 classic fields; others (malformed) are an error. Lines of
 * devices `include` refuses (partitions, loop devices) are skipped before their counters are read.
 * Indexed loops and only the counters used converted: the agent runs this interpreted every cycle,
 * and most lines of a host are partitions and loop devices, whose lines are not even split (about
 * 20 strings each: 8 of the agent's 113 kB of garbage per cycle on the development VM).
 */
export function parseProcDiskstats(text: string, include: (device: string) => boolean = () => true): DiskCounters[] {
  const disks: DiskCounters[] = [];
  const lines = text.split('\n');
  for (let l = 0; l < lines.length; l++) {
    const line = lines[l]!;
    const name = DEVICE_NAME.exec(line);
    if (name !== null && !include(name[1]!)) continue;
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const fields = trimmed.split(/\s+/);
    if (fields.length < 14) throw new ProcParseError('diskstats', `a line has ${fields.length} fields, expected at least 14`);
    for (let i = 3; i < 14; i++) {
      if (!Number.isFinite(Number(fields[i]))) throw new ProcParseError('diskstats', `non-numeric counters for ${fields[2]}`);
    }
    disks.push({
      device: fields[2]!,
      readsCompleted: Number(fields[3]),
      readBytes: Number(fields[5]) * SECTOR_BYTES,
      readTimeMs: Number(fields[6]),
      writesCompleted: Number(fields[7]),
      writtenBytes: Number(fields[9]) * SECTOR_BYTES,
      writeTimeMs: Number(fields[10]),
      ioTimeMs: Number(fields[12]),
    });
  }
  return disks;
}
