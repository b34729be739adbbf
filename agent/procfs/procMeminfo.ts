/** Parser of `/proc/meminfo` (proc(5)), shared by the memory and swap probes. */
import { keyedValues, type KeyedValues } from './keyedValues.js';
import { ProcParseError } from './procParseError.js';
import type { ProcReader } from './procReader.js';

/** The `/proc/meminfo` fields, in bytes (fields without a unit, like HugePages_Total, as is). */
export type Meminfo = KeyedValues;

/**
 * The `Key:   1234 kB` fields, looked up on demand; the kernel's "kB" means KiB. Throws
 * ProcParseError when the text does not look like meminfo.
 */
export function parseProcMeminfo(text: string): Meminfo {
  return keyedValues(text, { file: 'meminfo', separator: ':', firstLine: /^[^:\s]+:\s+\d+(?:\s+kB)?\s*$/, kilobytes: true });
}

/** A field that must be present; throws naming it when absent. */
export function requireMeminfoField(meminfo: Meminfo, key: string): number {
  const value = meminfo.get(key);
  if (value === undefined) throw new ProcParseError('meminfo', `field ${key} is missing`);
  return value;
}

/**
 * `/proc/meminfo` of a cycle, read and parsed once for the probes that share it (memory and swap):
 * the probe runner hands every probe of a run the same `now`, so a call with the `now` of the last
 * call answers from that read. A failed read is not kept: each probe then reports it.
 */
export function meminfoOfCycle(proc: ProcReader): (now: Date) => Meminfo {
  let readFor: Date | undefined;
  let meminfo: Meminfo | undefined;
  return (now) => {
    if (meminfo === undefined || now !== readFor) {
      meminfo = undefined;
      meminfo = parseProcMeminfo(proc.read('meminfo'));
      readFor = now;
    }
    return meminfo;
  };
}
