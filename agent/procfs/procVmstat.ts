/** Parser of `/proc/vmstat` (one `name value` counter per line). */
import { ProcParseError } from './procParseError.js';

/** Every counter of `/proc/vmstat` by name. */
export type Vmstat = ReadonlyMap<string, number>;

/** Parses the counters; fails only when there is none at all. */
export function parseProcVmstat(text: string): Vmstat {
  const counters = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-z0-9_]+)\s+(\d+)\s*$/.exec(line);
    if (match !== null) counters.set(match[1]!, Number(match[2]));
  }
  if (counters.size === 0) throw new ProcParseError('vmstat', 'no "name value" lines');
  return counters;
}
