/** Parser of `/proc/loadavg` (proc(5)). */
import { ProcParseError } from './procParseError.js';

/** Run-queue load averages. */
export interface LoadAverages {
  load1: number;
  load5: number;
  load15: number;
}

/** Reads the three load averages from the start of `/proc/loadavg`. */
export function parseProcLoadavg(text: string): LoadAverages {
  // Indexed, not destructured: array destructuring runs the iterator protocol in the interpreter.
  const parts = text.trim().split(/\s+/, 3);
  const load1 = Number(parts[0]);
  const load5 = Number(parts[1]);
  const load15 = Number(parts[2]);
  if (parts.length < 3 || !Number.isFinite(load1) || !Number.isFinite(load5) || !Number.isFinite(load15)) {
    throw new ProcParseError('loadavg', 'expected three load averages');
  }
  return { load1, load5, load15 };
}
