/** Parser of `/proc/meminfo` (proc(5)), shared by the memory and swap probes. */
import { ProcParseError } from './procParseError.js';

/** Every `/proc/meminfo` field, converted to bytes (fields without a unit, like HugePages_Total, as is). */
export type Meminfo = ReadonlyMap<string, number>;

/** Parses `Key:   1234 kB` lines; the kernel's "kB" means KiB. */
export function parseProcMeminfo(text: string): Meminfo {
  const fields = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([^:\s]+):\s+(\d+)(?:\s+(kB))?\s*$/.exec(line);
    if (match === null) continue;
    const value = Number(match[2]);
    fields.set(match[1]!, match[3] === undefined ? value : value * 1024);
  }
  if (fields.size === 0) throw new ProcParseError('meminfo', 'no "Key: value" lines');
  return fields;
}

/** A field that must be present; throws naming it when absent. */
export function requireMeminfoField(meminfo: Meminfo, key: string): number {
  const value = meminfo.get(key);
  if (value === undefined) throw new ProcParseError('meminfo', `field ${key} is missing`);
  return value;
}
