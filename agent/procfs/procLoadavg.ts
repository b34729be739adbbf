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
  const [load1, load5, load15] = text.trim().split(/\s+/).slice(0, 3).map(Number);
  if (load1 === undefined || load5 === undefined || load15 === undefined || ![load1, load5, load15].every(Number.isFinite)) {
    throw new ProcParseError('loadavg', 'expected three load averages');
  }
  return { load1, load5, load15 };
}
