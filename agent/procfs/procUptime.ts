/** Parser of `/proc/uptime`: seconds since boot (first field). */
import { ProcParseError } from './procParseError.js';

export function parseProcUptime(text: string): number {
  const seconds = Number(text.trim().split(/\s+/)[0]);
  if (!Number.isFinite(seconds) || seconds < 0) throw new ProcParseError('uptime', 'expected seconds since boot');
  return seconds;
}
